//! A manifest's tree into the git tree of its changesets (spec 3.2, 4.5):
//! hg file nodes replaced by their blobs, flags turned into file modes.
//! Works on the in-memory manifest tree, so only the directories a
//! manifest changed are converted and written. Paths git would refuse stop
//! the import.

use std::sync::Arc;

use gix::object::Kind;
use gix_hash::ObjectId;
use miette::miette;

use super::manifest_tree::{Dir, Entry, Node};
use super::state::State;
use crate::hg::manifest::Flag;
use crate::hg::HgNode;
use crate::store::tree::{encode_tree, Mode, TreeEntry};
use crate::store::Store;

/// Whether git refuses a path component.
pub fn refused_component(name: &[u8]) -> bool {
    name == b"." || name == b".." || name.eq_ignore_ascii_case(b".git") || name.contains(&0)
}

/// The git tree of a manifest directory. `changeset` names the changeset
/// in errors.
pub fn git_tree(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    changeset: HgNode,
) -> miette::Result<ObjectId> {
    convert_dir(store, state, dir, &mut Vec::new(), changeset)
}

fn convert_dir(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> miette::Result<ObjectId> {
    if let Some(t) = dir.git_written() {
        return Ok(t);
    }
    let mut entries = git_entries(store, state, dir, path, changeset)?;
    let mut names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(miette!(
            "changeset {changeset}: path {:?} is both a file and a directory, which git refuses",
            String::from_utf8_lossy(&[path.as_slice(), w[0]].concat())
        ));
    }
    let id = store.write(Kind::Tree, &encode_tree(&mut entries))?;
    dir.set_git_written(id);
    Ok(id)
}

/// The git entries of a directory; an empty-named subdirectory (from `//`
/// in paths) is merged in, entries of the single-slash path winning.
fn git_entries(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> miette::Result<Vec<TreeEntry>> {
    let mut entries = Vec::with_capacity(dir.entries().len());
    let mut merged = Vec::new();
    for Entry { name, node } in dir.entries_mut() {
        let full = |path: &[u8]| String::from_utf8_lossy(&[path, &name[..]].concat()).into_owned();
        if refused_component(name) {
            return Err(miette!(
                "changeset {changeset}: refusing path {:?}: git does not allow `{}` in a path",
                full(path),
                String::from_utf8_lossy(name)
            ));
        }
        let (mode, oid) = match node {
            Node::Dir(sub) if name.is_empty() => {
                if path.is_empty() {
                    return Err(miette!(
                        "changeset {changeset}: refusing an absolute path (starting with `/`)"
                    ));
                }
                merged = git_entries(store, state, Arc::make_mut(sub), path, changeset)?;
                continue;
            }
            Node::Dir(sub) => {
                let id = match sub.git_written() {
                    Some(id) => id,
                    None => {
                        let base = path.len();
                        path.extend_from_slice(name);
                        path.push(b'/');
                        let id = convert_dir(store, state, Arc::make_mut(sub), path, changeset);
                        path.truncate(base);
                        id?
                    }
                };
                (Mode::DIR, id)
            }
            Node::File { node, flag } => {
                let blob = if *node == HgNode::EMPTY_FILE {
                    // Trees built here may be the first to need it.
                    store.write(Kind::Blob, b"")?
                } else {
                    state.hg2git(node).ok_or_else(|| {
                        miette!(
                            "changeset {changeset}: file {:?} revision {node} is unknown",
                            full(path)
                        )
                    })?
                };
                let mode = match flag {
                    Flag::Regular => Mode::FILE,
                    Flag::Exec => Mode::EXECUTABLE,
                    Flag::Link => Mode::SYMLINK,
                };
                (mode, blob)
            }
        };
        entries.push(TreeEntry {
            mode,
            name: name.to_vec(),
            oid,
        });
    }
    for m in merged {
        if !entries.iter().any(|e| e.name == m.name) {
            entries.push(m);
        }
    }
    Ok(entries)
}
