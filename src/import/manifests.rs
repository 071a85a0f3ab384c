//! Manifest revisions into manifest commits over `_`-prefixed metadata
//! trees (spec 4.1–4.3). Deltas are applied to the tree of the delta base,
//! and only the directories they touch are written again.

use std::sync::Arc;

use gix::object::Kind;
use gix_hash::ObjectId;
use miette::{miette, Context, IntoDiagnostic};

use super::git_tree::git_tree;
use super::manifest_tree::{Dir, Entry, ManifestTree, Node};
use super::state::{oid, State};
use crate::hg::manifest::Flag;
use crate::hg::{HgNode, RevisionChunk};
use crate::store::tree::{encode_tree, parse_tree, Mode, TreeEntry};
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};

/// The signature line of every metadata commit.
pub const CINNABAR_SIG: &[u8] = b" <cinnabar@git> 0 +0000";

/// The mode of a file entry in a manifest metadata tree (spec 4.2).
pub fn meta_mode(flag: Flag) -> Mode {
    match flag {
        Flag::Regular => Mode::CINNABAR_FILE,
        Flag::Exec => Mode::CINNABAR_EXECUTABLE,
        Flag::Link => Mode::GITLINK,
    }
}

/// The flag of a file entry of a manifest metadata tree; `None` for any
/// other mode (directories included).
pub fn meta_flag(mode: Mode) -> Option<Flag> {
    match mode {
        Mode::CINNABAR_FILE => Some(Flag::Regular),
        Mode::CINNABAR_EXECUTABLE => Some(Flag::Exec),
        Mode::GITLINK => Some(Flag::Link),
        _ => None,
    }
}

/// How many recent manifest trees are kept as possible delta bases.
const RECENT: usize = 32;

/// Imports manifest revisions, keeping recent trees for the next deltas.
#[derive(Default)]
pub struct ManifestImporter {
    recent: Vec<(HgNode, ManifestTree)>,
    commit_buf: Vec<u8>,
}

impl ManifestImporter {
    /// Imports one manifest revision (its files must be imported) and
    /// returns the git tree of its changesets.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        rev: &RevisionChunk<'_>,
    ) -> miette::Result<ObjectId> {
        let (node, p1, p2, delta) = (rev.node, rev.p1, rev.p2, rev.delta);
        let mut tree = self.tree_of(store, state, rev.delta_base)?;
        tree.apply_delta(node, delta)?;
        let actual = tree.node(&p1, &p2);
        if actual != node {
            return Err(crate::hg::FormatError::NodeMismatch {
                kind: "manifest",
                node,
                actual,
            }
            .into());
        }
        if state.hg2git(&node).is_none() {
            let tree_oid = write_dir(store, tree.root_mut())?;
            let mut parents = Vec::with_capacity(2);
            for p in [p1, p2] {
                if p.is_null() {
                    continue;
                }
                let c = state
                    .hg2git(&p)
                    .ok_or_else(|| miette!("manifest {node}: parent manifest {p} is unknown"))?;
                parents.push(c);
            }
            self.commit_buf.clear();
            let mut msg = Vec::with_capacity(40);
            node.write_hex(&mut msg);
            let raw = crate::store::commit::raw_commit(
                &tree_oid,
                &parents,
                CINNABAR_SIG,
                CINNABAR_SIG,
                &msg,
            );
            let commit = store.write_owned(Kind::Commit, raw)?;
            state.set_hg2git(node, commit);
            state.add_manifest_head(commit, &parents);
        }
        let git_tree = git_tree(store, state, tree.root_mut(), rev.linknode)?;
        self.remember(node, tree);
        Ok(git_tree)
    }

    /// The git tree of a manifest imported earlier (not in this
    /// changegroup), for changeset `changeset`.
    pub fn git_tree_of(
        &mut self,
        store: &mut Store,
        state: &State,
        node: HgNode,
        changeset: HgNode,
    ) -> miette::Result<ObjectId> {
        let mut tree = self.tree_of(store, state, node)?;
        let id = git_tree(store, state, tree.root_mut(), changeset)?;
        self.remember(node, tree);
        Ok(id)
    }

    fn remember(&mut self, node: HgNode, tree: ManifestTree) {
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push((node, tree));
    }

    /// The tree of a manifest: empty for NULL, a recent one, or loaded
    /// from git.
    fn tree_of(
        &mut self,
        store: &mut Store,
        state: &State,
        node: HgNode,
    ) -> miette::Result<ManifestTree> {
        if node.is_null() {
            return Ok(ManifestTree::new());
        }
        if let Some((_, t)) = self.recent.iter().rev().find(|(n, _)| *n == node) {
            return Ok(t.clone());
        }
        load_manifest(store, state, node)
    }
}

/// Loads a manifest's tree from its manifest commit.
pub fn load_manifest(
    store: &mut Store,
    state: &State,
    node: HgNode,
) -> miette::Result<ManifestTree> {
    let commit = state
        .hg2git(&node)
        .ok_or_else(|| miette!("manifest {node} is unknown"))?;
    let mut buf = Vec::new();
    store
        .read(&commit, &mut buf)
        .wrap_err_with(|| format!("cannot read the commit of manifest {node}"))?;
    let parsed = crate::store::commit::parse_commit(&buf)
        .wrap_err_with(|| format!("manifest {node}: invalid commit {commit}"))?;
    Ok(ManifestTree::from_root(load_dir(store, &parsed.tree, 0)?))
}

fn load_dir(store: &mut Store, tree_oid: &ObjectId, prefix_len: usize) -> miette::Result<Dir> {
    let mut buf = Vec::new();
    store
        .read(tree_oid, &mut buf)
        .wrap_err_with(|| format!("cannot read manifest tree {tree_oid}"))?;
    let mut entries = Vec::new();
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| miette!("manifest tree {tree_oid}: {e}"))?;
        let name = entry
            .name
            .strip_prefix(b"_")
            .ok_or_else(|| miette!("manifest tree {tree_oid}: entry without `_` prefix"))?;
        if entry.mode == Mode::DIR {
            let sub = load_dir(store, &entry.oid, prefix_len + name.len() + 1)?;
            entries.push(Entry {
                name: name.into(),
                node: Node::Dir(Arc::new(sub)),
            });
            continue;
        }
        let flag = meta_flag(entry.mode)
            .ok_or_else(|| miette!("manifest tree {tree_oid}: unexpected mode {:?}", entry.mode))?;
        entries.push(Entry {
            name: name.into(),
            node: Node::File {
                node: HgNode(crate::import::state::oid_bytes(&entry.oid)),
                flag,
            },
        });
    }
    Ok(Dir::from_entries(prefix_len, entries, *tree_oid))
}

/// Writes the metadata tree of a directory (and its changed
/// subdirectories), reusing what was written before.
pub fn write_dir(store: &mut Store, dir: &mut Dir) -> miette::Result<ObjectId> {
    if let Some(w) = dir.written() {
        return Ok(w);
    }
    let mut entries = Vec::with_capacity(dir.entries().len());
    for Entry { name, node } in dir.entries_mut() {
        let mut prefixed = Vec::with_capacity(name.len() + 1);
        prefixed.push(b'_');
        prefixed.extend_from_slice(name);
        let (mode, id) = match node {
            Node::File { node, flag } => (meta_mode(*flag), oid(&node.0)),
            Node::Dir(sub) => {
                let id = match sub.written() {
                    Some(w) => w,
                    None => write_dir(store, Arc::make_mut(sub))?,
                };
                (Mode::DIR, id)
            }
        };
        entries.push(TreeEntry {
            mode,
            name: prefixed,
            oid: id,
        });
    }
    let data = encode_tree(&mut entries);
    let id = store.write_owned(Kind::Tree, data).into_diagnostic()?;
    dir.set_written(id);
    Ok(id)
}
