//! Changesets into git commits and git2hg notes (spec 3), after their
//! manifests and files were imported.

use super::error::{invalid, Result, ResultExt};
use gix::object::Kind;
use gix_hash::ObjectId;

use super::base_plan::KeptBases;
use super::graft::{Graft, Match};
use super::manifests::ManifestImporter;
use crate::convert::changeset::{signatures, ChangesetNote, CommitSignatures};
use crate::hg::changeset::Changeset;
use crate::hg::mdiff::apply;
use crate::hg::{FormatError, HgNode, RevisionChunk};
use crate::metadata::changeset::rebuild_changeset;
use crate::metadata::{IdMap, State};
use crate::store::commit::{parse_commit, raw_commit};
use crate::store::{hash_object, Store};
use crate::store::{ObjectRead, ObjectWrite};

/// Where changesets find the git trees of their manifests: those of this
/// changegroup by manifest node, others through the manifest importer.
pub struct ManifestTrees<'a> {
    pub git_trees: &'a IdMap<HgNode, ObjectId>,
    pub manifests: &'a mut ManifestImporter,
}

/// What the import learned of a changeset, for bundle branch maps.
#[derive(Clone, Debug)]
pub struct Imported {
    pub node: HgNode,
    /// The non-null parents.
    pub parents: Vec<HgNode>,
    pub branch: Vec<u8>,
    pub closes: bool,
}

/// Creates commits one changeset after another.
pub struct ChangesetImporter {
    prev_node: HgNode,
    prev_text: Vec<u8>,
    /// Texts later deltas name (other than the previous one), planned
    /// while the changesets are spooled.
    bases: KeptBases<Vec<u8>>,
    /// Delta bases rebuilt from git, for the `stats` log target.
    rebuilt: u64,
    text: Vec<u8>,
    base_buf: Vec<u8>,
    scratch: Vec<u8>,
    /// The byte appended to a commit that would collide with another
    /// changeset's.
    collision_byte: u8,
    /// Graft mode's candidates (spec 3.8), when grafting.
    graft: Option<Graft>,
}

impl ChangesetImporter {
    /// A new importer; `compat_06` selects the collision byte of
    /// git-cinnabar 0.6 (`\0` instead of `\n`).
    pub fn new(compat_06: bool) -> ChangesetImporter {
        ChangesetImporter {
            prev_node: HgNode::NULL,
            prev_text: Vec::new(),
            bases: KeptBases::default(),
            rebuilt: 0,
            text: Vec::new(),
            base_buf: Vec::new(),
            scratch: Vec::new(),
            collision_byte: if compat_06 { 0 } else { b'\n' },
            graft: None,
        }
    }

    /// Starts the plan of a new changeset group.
    pub fn start_group(&mut self) {
        self.bases.clear();
    }

    /// Records that the changeset at `position` of the group is a delta
    /// against `base`.
    pub fn plan(&mut self, position: u32, base: HgNode) {
        self.bases.plan(position, base);
    }

    /// Number of delta bases rebuilt from git so far.
    pub fn rebuilt(&self) -> u64 {
        self.rebuilt
    }

    /// Grafts the changesets imported from now on onto `graft`'s
    /// candidates.
    pub fn set_graft(&mut self, graft: Graft) {
        self.graft = Some(graft);
    }

    /// The graft candidates, when grafting.
    pub fn graft(&self) -> Option<&Graft> {
        self.graft.as_ref()
    }

    /// Imports one changeset, at `position` of the planned group.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        position: u32,
        rev: &RevisionChunk<'_>,
        trees: &mut ManifestTrees<'_>,
    ) -> Result<Imported> {
        let node = rev.node;
        let mut rebuilt = false;
        let base: &[u8] = if rev.delta_base.is_null() {
            &[]
        } else if rev.delta_base == self.prev_node {
            &self.prev_text
        } else if let Some(text) = self.bases.get(&rev.delta_base) {
            text
        } else {
            rebuild_changeset(
                store,
                state,
                rev.delta_base,
                &mut self.base_buf,
                &mut self.scratch,
            )?;
            self.rebuilt += 1;
            rebuilt = true;
            &self.base_buf
        };
        apply(base, rev.delta, &mut self.text).map_err(|e| e.for_node(node))?;
        let actual = HgNode::hash(&rev.p1, &rev.p2, &self.text);
        if actual != node {
            return Err(FormatError::NodeMismatch {
                kind: "changeset",
                node,
                actual,
            }
            .into());
        }
        let cs = Changeset::parse(node, &self.text)?;
        let imported = Imported {
            node,
            parents: [rev.p1, rev.p2]
                .into_iter()
                .filter(|p| !p.is_null())
                .collect(),
            branch: cs.branch(),
            closes: cs.closes_branch(),
        };
        if state.hg2git(&node).is_none() {
            self.create_commit(store, state, rev, &cs, trees)?;
        }
        // Bases are kept until their last use (changesets are small).
        let base = rev.delta_base;
        if !self.bases.needed_after(&base, position) {
            self.bases.take(&base);
        } else if rebuilt {
            self.bases.keep(base, self.base_buf.clone());
        }
        if self.bases.needed_after(&node, position) {
            self.bases.keep(node, self.text.clone());
        }
        std::mem::swap(&mut self.prev_text, &mut self.text);
        self.prev_node = node;
        Ok(imported)
    }

    fn create_commit(
        &mut self,
        store: &mut Store,
        state: &mut State,
        rev: &RevisionChunk<'_>,
        cs: &Changeset,
        trees: &mut ManifestTrees<'_>,
    ) -> Result<()> {
        let node = rev.node;
        let tree = if cs.manifest.is_null() {
            store.write(Kind::Tree, b"")?
        } else if let Some(t) = trees.git_trees.get(&cs.manifest) {
            t
        } else {
            trees
                .manifests
                .git_tree_of(store, state, cs.manifest, node)
                .context_with(|| format!("changeset {node}"))?
        };
        let mut parents = Vec::with_capacity(2);
        let mut hg_parents = Vec::with_capacity(2);
        for p in [rev.p1, rev.p2] {
            if p.is_null() {
                continue;
            }
            let c = state
                .hg2git(&p)
                .ok_or_else(|| invalid(format!("changeset {node}: parent {p} is unknown")))?;
            // New commits descend from grafted commits, not from what
            // replaces them in the metadata (spec 3.1).
            parents.push(state.replace.original(&c));
            hg_parents.push(p);
        }
        let grafted = match self.graft.as_mut() {
            Some(graft) if graft.is_active() => {
                graft.choose(store, &state.replace, node, cs, &self.text, &tree, &parents)?
            }
            _ => Match::None,
        };
        let mut replaced = None;
        if let Match::One(commit) = grafted {
            store.read(&commit, &mut self.scratch)?;
            let parsed = parse_commit(&self.scratch)
                .map_err(|e| invalid(format!("commit {commit}: {e}")))?;
            let sigs = CommitSignatures {
                author: parsed.author.to_vec(),
                committer: parsed.committer.to_vec(),
            };
            let message = parsed.message.to_vec();
            let note = ChangesetNote::new(node, cs, &self.text, &sigs, &message);
            if note.patch.is_none() || !state.replace.is_empty() {
                let note_blob = store.write_owned(Kind::Blob, note.serialize())?;
                state.set_hg2git(node, commit);
                state.set_git2hg(commit, note_blob);
                state.add_branch_head(node, &hg_parents, &cs.branch(), commit);
                return Ok(());
            }
            // The first graft that needs a patch: the changeset gets its own
            // commit, which replaces the grafted one (spec 2.6).
            replaced = Some(commit);
        }
        let sigs = signatures(node, cs)?;
        let mut message = cs.description.clone();
        let mut raw = raw_commit(&tree, &parents, &sigs.author, &sigs.committer, &message);
        let commit = loop {
            let id = hash_object(Kind::Commit, &raw);
            if !self.collides(store, state, &id, node)? {
                break id;
            }
            raw.push(self.collision_byte);
            message.push(self.collision_byte);
        };
        let written = store.write_owned(Kind::Commit, raw)?;
        debug_assert_eq!(written, commit);
        let note = ChangesetNote::new(node, cs, &self.text, &sigs, &message);
        let note_blob = store.write_owned(Kind::Blob, note.serialize())?;
        if let Some(original) = replaced {
            state.replace.insert(original, commit);
        }
        state.set_hg2git(node, commit);
        state.set_git2hg(commit, note_blob);
        state.add_branch_head(node, &hg_parents, &cs.branch(), commit);
        Ok(())
    }

    /// Whether `commit` already stands for another changeset.
    fn collides(
        &mut self,
        store: &mut Store,
        state: &State,
        commit: &ObjectId,
        node: HgNode,
    ) -> Result<bool> {
        let Some(note) = state.git2hg.get(commit) else {
            return Ok(false);
        };
        store.read(&note, &mut self.scratch)?;
        let note = ChangesetNote::parse(&self.scratch)?;
        Ok(note.changeset != node)
    }
}
