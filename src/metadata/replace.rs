//! The replace map of grafted metadata (spec 2.6): the metadata commit's
//! tree lists, for each pre-existing git commit `X` that a changeset was
//! grafted onto but that cannot stand for it as is, the commit `Y` the
//! metadata uses instead. Mirrored as `refs/cinnabar/replace/<X>`.

use gix::object::Kind;
use gix_hash::ObjectId;

use super::error::invalid;
use super::Result;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::tree::{encode_tree, parse_tree, Mode, TreeEntry};
use crate::store::ObjectWrite;
use crate::store::{ObjectRead, Store};

/// Where the replace refs live.
pub const REPLACE_PREFIX: &str = "refs/cinnabar/replace/";

/// Replaced commit → replacement, in the order entries were met.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplaceMap {
    entries: Vec<(ObjectId, ObjectId)>,
    /// Whether entries were added since loading.
    modified: bool,
}

impl ReplaceMap {
    /// Reads the replace tree of a metadata commit: every entry a gitlink
    /// named by a commit id; self-references are skipped with a warning,
    /// a name met twice is an error.
    pub fn load(store: &mut Store, tree: &ObjectId) -> Result<ReplaceMap> {
        let mut map = ReplaceMap::default();
        if *tree == ObjectId::empty_tree(gix_hash::Kind::Sha1) {
            return Ok(map);
        }
        let mut buf = Vec::new();
        store.read(tree, &mut buf)?;
        for entry in parse_tree(&buf) {
            let entry = entry.map_err(|e| invalid(format!("Invalid metadata: {e}")))?;
            let original = ObjectId::from_hex(entry.name)
                .ok()
                .filter(|_| entry.mode == Mode::GITLINK)
                .ok_or_else(|| invalid("Invalid metadata"))?;
            if original == entry.oid {
                eprintln!("WARNING self-referencing graft: {original}");
                continue;
            }
            if map.get(&original).is_some() {
                return Err(invalid(format!("duplicate replace: {original}")));
            }
            map.entries.push((original, entry.oid));
        }
        Ok(map)
    }

    /// Whether there is no replacement.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether entries were added since loading.
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Marks the entries as written (a checkpoint).
    pub fn saved(&mut self) {
        self.modified = false;
    }

    /// The entries: replaced commit, replacement.
    pub fn entries(&self) -> &[(ObjectId, ObjectId)] {
        &self.entries
    }

    /// The replacement of `commit`, if it is replaced.
    pub fn get(&self, commit: &ObjectId) -> Option<ObjectId> {
        self.entries
            .iter()
            .find(|(o, _)| o == commit)
            .map(|(_, r)| *r)
    }

    /// What stands for `commit` in the metadata: its replacement or itself
    /// (git's `lookup_replace_object`).
    pub fn lookup(&self, commit: &ObjectId) -> ObjectId {
        self.get(commit).unwrap_or(*commit)
    }

    /// The commit `replacement` replaces, or `replacement` itself: the
    /// parent new commits get (spec 3.1).
    pub fn original(&self, replacement: &ObjectId) -> ObjectId {
        self.entries
            .iter()
            .find(|(_, r)| r == replacement)
            .map(|(o, _)| *o)
            .unwrap_or(*replacement)
    }

    /// Records that `replacement` stands for `original`.
    pub fn insert(&mut self, original: ObjectId, replacement: ObjectId) {
        self.entries.retain(|(o, _)| *o != original);
        self.entries.push((original, replacement));
        self.modified = true;
    }

    /// Writes the replace tree (the empty tree when there is no entry).
    pub fn write(&self, store: &mut Store) -> Result<ObjectId> {
        let mut entries: Vec<TreeEntry> = self
            .entries
            .iter()
            .map(|(original, replacement)| TreeEntry {
                mode: Mode::GITLINK,
                name: original.to_hex().to_string().into_bytes(),
                oid: *replacement,
            })
            .collect();
        Ok(store.write(Kind::Tree, &encode_tree(&mut entries))?)
    }

    /// The ref updates mirroring the map as `refs/cinnabar/replace/*`.
    pub fn ref_updates(&self) -> Vec<RefUpdate> {
        self.entries
            .iter()
            .map(|(original, replacement)| RefUpdate {
                name: format!("{REPLACE_PREFIX}{original}"),
                expected: Expected::Any,
                new: Some(*replacement),
            })
            .collect()
    }
}
