//! Manifests in the metadata (spec 4.1–4.3): manifest commits over
//! `_`-prefixed metadata trees whose entries carry the hg file nodes, with
//! the flag of each file in its mode; the in-memory tree a manifest is
//! edited in; and the git tree of a manifest's changesets.

pub mod git_tree;
pub mod tree;

use std::sync::Arc;

use gix::object::Kind;
use gix_hash::ObjectId;

pub use tree::{Dir, Entry, ManifestTree, Node};

use super::error::{invalid, MetadataError, ResultExt};
use super::state::{gitlink_of, node_of, State};
use super::Result;
use crate::hg::manifest::Flag;
use crate::hg::HgNode;
use crate::store::commit::parse_commit;
use crate::store::tree::{encode_tree, parse_tree, Mode, TreeEntry};
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};

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

/// Loads a manifest's tree from its manifest commit.
pub fn load_manifest(store: &mut Store, state: &State, node: HgNode) -> Result<ManifestTree> {
    let commit = state.hg2git(&node).ok_or(MetadataError::Unknown {
        kind: "manifest",
        node,
    })?;
    let mut buf = Vec::new();
    store
        .read(&commit, &mut buf)
        .context_with(|| format!("cannot read the commit of manifest {node}"))?;
    let parsed =
        parse_commit(&buf).context_with(|| format!("manifest {node}: invalid commit {commit}"))?;
    Ok(ManifestTree::from_root(load_dir(store, &parsed.tree, 0)?))
}

fn load_dir(store: &mut Store, tree_oid: &ObjectId, prefix_len: usize) -> Result<Dir> {
    let mut buf = Vec::new();
    store
        .read(tree_oid, &mut buf)
        .context_with(|| format!("cannot read manifest tree {tree_oid}"))?;
    let mut entries = Vec::new();
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| invalid(format!("manifest tree {tree_oid}: {e}")))?;
        let name = entry.name.strip_prefix(b"_").ok_or_else(|| {
            invalid(format!(
                "manifest tree {tree_oid}: entry without `_` prefix"
            ))
        })?;
        if entry.mode == Mode::DIR {
            let sub = load_dir(store, &entry.oid, prefix_len + name.len() + 1)?;
            entries.push(Entry {
                name: name.into(),
                node: Node::Dir(Arc::new(sub)),
            });
            continue;
        }
        let flag = meta_flag(entry.mode).ok_or_else(|| {
            invalid(format!(
                "manifest tree {tree_oid}: unexpected mode {:?}",
                entry.mode
            ))
        })?;
        entries.push(Entry {
            name: name.into(),
            node: Node::File {
                node: node_of(&entry.oid),
                flag,
            },
        });
    }
    Ok(Dir::from_entries(prefix_len, entries, *tree_oid))
}

/// Stores a manifest revision (spec 4.1): writes its metadata tree and
/// its manifest commit (parents: the manifest commits of the non-null
/// `parents`, in order), records it in hg2git and the manifest heads.
/// Returns the manifest commit; an already known manifest is not written
/// again.
pub fn store_manifest(
    store: &mut Store,
    state: &mut State,
    node: HgNode,
    tree: &mut ManifestTree,
    parents: [HgNode; 2],
) -> Result<ObjectId> {
    if let Some(known) = state.hg2git(&node) {
        return Ok(known);
    }
    let tree_oid = write_dir(store, tree.root_mut())?;
    let mut commits = Vec::with_capacity(2);
    for p in parents {
        if p.is_null() {
            continue;
        }
        let c = state
            .hg2git(&p)
            .ok_or_else(|| invalid(format!("manifest {node}: parent manifest {p} is unknown")))?;
        commits.push(c);
    }
    let mut msg = Vec::with_capacity(40);
    node.write_hex(&mut msg);
    let raw = crate::store::commit::raw_commit(
        &tree_oid,
        &commits,
        super::CINNABAR_SIG,
        super::CINNABAR_SIG,
        &msg,
    );
    let commit = store.write(Kind::Commit, &raw)?;
    state.set_hg2git(node, commit);
    state.add_manifest_head(commit, &commits);
    Ok(commit)
}

/// Writes the metadata tree of a directory (and its changed
/// subdirectories), reusing what was written before.
pub fn write_dir(store: &mut Store, dir: &mut Dir) -> Result<ObjectId> {
    if let Some(w) = dir.written() {
        return Ok(w);
    }
    let mut entries = Vec::with_capacity(dir.entries().len());
    for Entry { name, node } in dir.entries_mut() {
        let mut prefixed = Vec::with_capacity(name.len() + 1);
        prefixed.push(b'_');
        prefixed.extend_from_slice(name);
        let (mode, id) = match node {
            Node::File { node, flag } => (meta_mode(*flag), gitlink_of(node)),
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
    let id = store.write(Kind::Tree, &data)?;
    dir.set_written(id);
    Ok(id)
}
