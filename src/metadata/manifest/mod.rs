//! Manifests in the metadata (spec 4.1–4.3): manifest commits over
//! `_`-prefixed metadata trees whose entries carry the hg file nodes, with
//! the flag of each file in its mode; the in-memory tree a manifest is
//! edited in; and the git tree of a manifest's changesets.
//!
//! A manifest can hold a path that is both a file and a directory (`a` and
//! `a/b`; old Mercurial clients allowed it). A metadata tree cannot, and
//! git-cinnabar builds its trees with git fast-import's tree editor, which
//! drops lines there (spec 4.2). To make the same commits, its tree is
//! kept as is, and the lines it lacks are stored as a blob of manifest
//! lines in the files-meta notes under the *manifest* node (see
//! [`extra_lines`]): git-cinnabar only looks files-meta up by file node,
//! so it never reads them, while the exact manifest is the tree's lines
//! and these merged in path order.

pub mod git_tree;
pub mod seed;
pub mod tree;

use std::sync::Arc;

use gix::object::Kind;
use gix_hash::ObjectId;

pub use tree::{Applied, Dir, Entry, ManifestTree, Node};

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

/// Loads a manifest's exact tree: its metadata tree, with the lines that
/// tree lacks added back.
pub fn load_manifest(store: &mut Store, state: &State, node: HgNode) -> Result<ManifestTree> {
    Ok(load_manifest_trees(store, state, node)?.0)
}

/// The lines of a manifest its metadata tree lacks (a path both a file and
/// a directory), as manifest text: a blob in the files-meta notes under
/// the manifest's node. `None` for every other manifest.
pub fn extra_lines(store: &mut Store, state: &State, node: HgNode) -> Result<Option<Vec<u8>>> {
    let Some(blob) = state.files_meta.get(&node) else {
        return Ok(None);
    };
    let mut buf = Vec::new();
    store
        .read(&blob, &mut buf)
        .context_with(|| format!("cannot read the extra lines of manifest {node}"))?;
    Ok(Some(buf))
}

/// Merges manifest lines missing from a text back into it, in path order.
pub fn merge_lines(text: &[u8], extra: &[u8]) -> Vec<u8> {
    fn split(text: &[u8]) -> impl Iterator<Item = &[u8]> {
        text.split_inclusive(|&b| b == b'\n')
    }
    fn path(line: &[u8]) -> &[u8] {
        line.split(|&b| b == 0).next().unwrap_or(line)
    }
    let mut out = Vec::with_capacity(text.len() + extra.len());
    let mut a = split(text).peekable();
    let mut b = split(extra).peekable();
    loop {
        let line = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if path(y) < path(x) => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        match line {
            Some(l) => out.extend_from_slice(l),
            None => return out,
        }
    }
}

/// Loads a manifest: its exact tree, and, when the metadata tree lacks
/// lines of it, that tree as stored (what git-cinnabar edits further).
pub fn load_manifest_trees(
    store: &mut Store,
    state: &State,
    node: HgNode,
) -> Result<(ManifestTree, Option<ManifestTree>)> {
    let mut tree = load_stored_tree(store, state, node)?;
    let Some(extra) = extra_lines(store, state, node)? else {
        if let Some(git) = state.manifest_git_trees.get(&node).copied() {
            seed::seed(store, tree.root_mut(), git);
        }
        return Ok((tree, None));
    };
    let mut exact = tree.clone();
    for line in crate::hg::manifest::lines(&extra) {
        let line = line.map_err(|e| invalid(format!("manifest {node}: extra lines: {e}")))?;
        exact.insert(line.path, line.node, line.flag);
    }
    Ok((exact, Some(tree)))
}

/// Loads a manifest's metadata tree from its manifest commit.
fn load_stored_tree(store: &mut Store, state: &State, node: HgNode) -> Result<ManifestTree> {
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
                blob: None,
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
    // The metadata and git trees of a manifest take about its text's size
    // each: keep that many as the bases of their next versions.
    let text_size = usize::try_from(tree.root().size()).unwrap_or(usize::MAX);
    store.keep_tree_bases(text_size.saturating_mul(2));
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
    // The directory's order is git's (`_` before every name keeps it):
    // entries are encoded as they come, unless that order was not kept.
    let in_order = in_tree_order(dir.entries());
    let mut data = Vec::with_capacity(dir.entries().len() * 64);
    let mut entries = Vec::new();
    for Entry { name, node } in dir.entries_mut() {
        let (mode, id) = match node {
            Node::File { node, flag, .. } => (meta_mode(*flag), gitlink_of(node)),
            Node::Dir(sub) => {
                let id = match sub.written() {
                    Some(w) => w,
                    None => write_dir(store, Arc::make_mut(sub))?,
                };
                (Mode::DIR, id)
            }
        };
        if in_order {
            mode.write_to(&mut data);
            data.extend_from_slice(b" _");
            data.extend_from_slice(name);
            data.push(0);
            data.extend_from_slice(id.as_slice());
        } else {
            entries.push(TreeEntry {
                mode,
                name: [b"_", &name[..]].concat(),
                oid: id,
            });
        }
    }
    if !in_order {
        data = encode_tree(&mut entries);
    }
    let id = store.write_tree(&data, dir.meta_base().as_ref())?;
    dir.set_written(id);
    Ok(id)
}

/// Whether entries are strictly in git's tree order (a directory compared
/// as if its name ended with `/`), the order a [`Dir`] keeps them in.
fn in_tree_order(entries: &[Entry]) -> bool {
    let mode = |e: &Entry| if e.is_dir() { Mode::DIR } else { Mode::FILE };
    entries.windows(2).all(|w| {
        crate::store::tree::tree_order(&w[0].name, mode(&w[0]), &w[1].name, mode(&w[1]))
            == std::cmp::Ordering::Less
    })
}
