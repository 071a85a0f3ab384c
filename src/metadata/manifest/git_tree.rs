//! A manifest's tree into the git tree of its changesets (spec 3.2, 4.5):
//! hg file nodes replaced by their blobs, flags turned into file modes.
//! The import works on the in-memory manifest tree ([`git_tree`]), so only
//! the directories a manifest changed are converted; checks work from the
//! stored metadata trees ([`MetaTreeConverter`]). Paths git would refuse
//! stop both. A path both a file and a directory never reaches here: the
//! import converts the tree git-cinnabar would store, which cannot hold
//! both (see [`crate::metadata::manifest`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::meta_flag;
use super::tree::{Dir, Entry, Node};
use crate::hg::manifest::Flag;
use crate::hg::HgNode;
use crate::metadata::error::{invalid, MetadataError, ResultExt};
use crate::metadata::state::{node_of, State};
use crate::metadata::Result;
use crate::store::tree::{encode_tree, parse_tree, push_entry, Mode, TreeEntry};
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};
use gix::object::Kind;
use gix_hash::ObjectId;

/// Whether git refuses a path component: `.`, `..`, NUL, and every name
/// that a file system may take for `.git` (git's `core.protectNTFS` and
/// `core.protectHFS`, which make `git checkout` refuse such paths).
pub fn refused_component(name: &[u8]) -> bool {
    name == b"."
        || name == b".."
        || name.contains(&0)
        || is_ntfs_dotgit(name)
        || is_hfs_dotgit(name)
}

/// `.git` as NTFS reads it: case-insensitive, trailing spaces and dots
/// dropped, an alternate data stream (`:…`) ignored, or the short name
/// `git~1`.
fn is_ntfs_dotgit(name: &[u8]) -> bool {
    let stem = name.split(|&b| b == b':').next().unwrap_or(name);
    let trimmed = match stem.iter().rposition(|&b| b != b' ' && b != b'.') {
        Some(last) => &stem[..=last],
        None => stem,
    };
    trimmed.eq_ignore_ascii_case(b".git") || trimmed.eq_ignore_ascii_case(b"git~1")
}

/// `.git` as HFS+ reads it: case-insensitive, with the Unicode code points
/// it ignores (zero-width and direction marks, U+FEFF) removed.
fn is_hfs_dotgit(name: &[u8]) -> bool {
    let Ok(name) = std::str::from_utf8(name) else {
        return false;
    };
    let ignorable = |c: char| matches!(c, '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}');
    // Compared as the characters go, without collecting them.
    let mut kept = name.chars().filter(|&c| !ignorable(c));
    ['.', 'g', 'i', 't']
        .iter()
        .all(|want| kept.next().is_some_and(|c| c.eq_ignore_ascii_case(want)))
        && kept.next().is_none()
}

fn full_path(path: &[u8], name: &[u8]) -> String {
    String::from_utf8_lossy(&[path, name].concat()).into_owned()
}

/// Refuses a name git would not accept in a tree.
fn check_name(name: &[u8], path: &[u8], changeset: HgNode) -> Result<()> {
    if refused_component(name) {
        return Err(invalid(format!(
            "changeset {changeset}: refusing path {:?}: git does not allow `{}` in a path",
            full_path(path, name),
            String::from_utf8_lossy(name)
        )));
    }
    Ok(())
}

/// The git blob of a file revision.
fn file_blob(
    store: &mut Store,
    state: &State,
    node: HgNode,
    path: &[u8],
    name: &[u8],
    changeset: HgNode,
) -> Result<ObjectId> {
    if node == HgNode::EMPTY_FILE {
        // Trees built here may be the first to need it.
        return Ok(store.write(Kind::Blob, b"")?);
    }
    state.hg2git(&node).ok_or_else(|| {
        invalid(format!(
            "changeset {changeset}: file {:?} revision {node} is unknown",
            full_path(path, name)
        ))
    })
}

/// The git mode of a file of this flag.
fn file_mode(flag: Flag) -> Mode {
    match flag {
        Flag::Regular => Mode::FILE,
        Flag::Exec => Mode::EXECUTABLE,
        Flag::Link => Mode::SYMLINK,
    }
}

/// Adds the entries of an empty-named directory (from `//` in paths);
/// entries of the single-slash path win.
fn merge_double_slash(entries: &mut Vec<TreeEntry>, merged: Vec<TreeEntry>) {
    for m in merged {
        if !entries.iter().any(|e| e.name == m.name) {
            entries.push(m);
        }
    }
}

/// Encodes and writes a tree, refusing a name used twice (a file and a
/// directory; only a damaged metadata tree can have one).
fn write_tree(
    store: &mut Store,
    mut entries: Vec<TreeEntry>,
    path: &[u8],
    changeset: HgNode,
    base: Option<&ObjectId>,
) -> Result<ObjectId> {
    let mut names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(invalid(format!(
            "changeset {changeset}: path {:?} is both a file and a directory, which git refuses",
            full_path(path, w[0])
        )));
    }
    Ok(store.write_tree(&encode_tree(&mut entries), base)?)
}

fn absolute_path(changeset: HgNode) -> MetadataError {
    invalid(format!(
        "changeset {changeset}: refusing an absolute path (starting with `/`)"
    ))
}

/// The git tree of a manifest directory. `changeset` names the changeset
/// in errors.
pub fn git_tree(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    changeset: HgNode,
) -> Result<ObjectId> {
    convert_dir(store, state, dir, &mut Vec::new(), changeset)
}

fn convert_dir(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> Result<ObjectId> {
    if let Some(t) = dir.git_written() {
        return Ok(t);
    }
    let id = match encode_in_order(store, state, dir, path, changeset)? {
        Some(data) => store.write_tree(&data, dir.git_base().as_ref())?,
        None => {
            let entries = git_entries(store, state, dir, path, changeset)?;
            write_tree(store, entries, path, changeset, dir.git_base().as_ref())?
        }
    };
    dir.set_git_written(id);
    Ok(id)
}

/// The git tree of a directory, encoded entry by entry: the directory's
/// order is git's, so nothing is collected or sorted. `None`, for
/// [`git_entries`], when the directory has an empty-named subdirectory (to
/// merge into it) or a name that is both a file and a directory (refused
/// there).
fn encode_in_order(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> Result<Option<Vec<u8>>> {
    let entries = dir.entries();
    if entries
        .iter()
        .any(|e| e.name.is_empty() || (e.is_dir() && dir.has_file(&e.name)))
        || !super::in_tree_order(entries)
    {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(entries.len() * 64);
    for Entry { name, node } in dir.entries_mut() {
        check_name(name, path, changeset)?;
        let (mode, oid) = entry_of(store, state, name, node, path, changeset)?;
        push_entry(&mut out, mode, name, &oid);
    }
    Ok(Some(out))
}

/// The git mode and object of an entry that is not an empty-named
/// directory, converting a subdirectory that changed.
fn entry_of(
    store: &mut Store,
    state: &State,
    name: &[u8],
    node: &mut Node,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> Result<(Mode, ObjectId)> {
    match node {
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
            Ok((Mode::DIR, id))
        }
        Node::File { node, flag, blob } => {
            let oid = match blob {
                Some(oid) => *oid,
                None => *blob.insert(file_blob(store, state, *node, path, name, changeset)?),
            };
            Ok((file_mode(*flag), oid))
        }
    }
}

fn git_entries(
    store: &mut Store,
    state: &State,
    dir: &mut Dir,
    path: &mut Vec<u8>,
    changeset: HgNode,
) -> Result<Vec<TreeEntry>> {
    let mut entries = Vec::with_capacity(dir.entries().len());
    let mut merged = Vec::new();
    for Entry { name, node } in dir.entries_mut() {
        check_name(name, path, changeset)?;
        let (mode, oid) = match node {
            Node::Dir(sub) if name.is_empty() => {
                if path.is_empty() {
                    return Err(absolute_path(changeset));
                }
                merged = git_entries(store, state, Arc::make_mut(sub), path, changeset)?;
                continue;
            }
            _ => entry_of(store, state, name, node, path, changeset)?,
        };
        entries.push(TreeEntry {
            mode,
            name: name.to_vec(),
            oid,
        });
    }
    merge_double_slash(&mut entries, merged);
    Ok(entries)
}

/// Bound on cached conversions before the cache is emptied.
const CACHE_LIMIT: usize = 1 << 18;

/// Converts stored metadata trees, remembering each directory's
/// conversion (for checks of existing metadata).
#[derive(Default)]
pub struct MetaTreeConverter {
    cache: HashMap<ObjectId, ObjectId, ahash::RandomState>,
}

impl MetaTreeConverter {
    /// The git tree for a metadata tree. `changeset` names the changeset in
    /// errors.
    pub fn convert(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        changeset: HgNode,
    ) -> Result<ObjectId> {
        self.convert_dir(store, state, meta_tree, &mut Vec::new(), changeset)
    }

    fn convert_dir(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        path: &mut Vec<u8>,
        changeset: HgNode,
    ) -> Result<ObjectId> {
        if let Some(t) = self.cache.get(&meta_tree) {
            return Ok(*t);
        }
        let entries = self.entries(store, state, meta_tree, path, changeset)?;
        let id = write_tree(store, entries, path, changeset, None)?;
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(meta_tree, id);
        Ok(id)
    }

    fn entries(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        path: &mut Vec<u8>,
        changeset: HgNode,
    ) -> Result<Vec<TreeEntry>> {
        let mut buf = Vec::new();
        store
            .read(&meta_tree, &mut buf)
            .context_with(|| format!("cannot read manifest tree {meta_tree}"))?;
        let mut entries = Vec::new();
        let mut merged = Vec::new();
        for entry in parse_tree(&buf) {
            let entry = entry.map_err(|e| invalid(format!("manifest tree {meta_tree}: {e}")))?;
            let name = entry
                .name
                .strip_prefix(b"_")
                .ok_or_else(|| {
                    invalid(format!(
                        "manifest tree {meta_tree}: entry without `_` prefix"
                    ))
                })?
                .to_vec();
            check_name(&name, path, changeset)?;
            let flag = match entry.mode {
                Mode::DIR if name.is_empty() => {
                    if path.is_empty() {
                        return Err(absolute_path(changeset));
                    }
                    merged = self.entries(store, state, entry.oid, path, changeset)?;
                    continue;
                }
                Mode::DIR => {
                    let base = path.len();
                    path.extend_from_slice(&name);
                    path.push(b'/');
                    let id = self.convert_dir(store, state, entry.oid, path, changeset);
                    path.truncate(base);
                    entries.push(TreeEntry {
                        mode: Mode::DIR,
                        name,
                        oid: id?,
                    });
                    continue;
                }
                other => meta_flag(other).ok_or_else(|| {
                    invalid(format!(
                        "manifest tree {meta_tree}: unexpected mode {other:?}"
                    ))
                })?,
            };
            let node = node_of(&entry.oid);
            let oid = file_blob(store, state, node, path, &name, changeset)?;
            entries.push(TreeEntry {
                mode: file_mode(flag),
                name,
                oid,
            });
        }
        merge_double_slash(&mut entries, merged);
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::refused_component;

    #[test]
    fn dotgit_lookalikes_are_refused() {
        for name in [
            &b".git"[..],
            b".GIT",
            b".git.",
            b".git ",
            b".git. .",
            b".git::$INDEX_ALLOCATION",
            b"git~1",
            b"GIT~1",
            ".gi\u{200c}t".as_bytes(),
            "\u{feff}.Git".as_bytes(),
            b".",
            b"..",
            b"a\0b",
        ] {
            assert!(
                refused_component(name),
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
        for name in [
            &b".gitignore"[..],
            b".gitmodules",
            b"git",
            b"git~2",
            b"...",
            b".git-x",
            b"x.git",
            b"\xff.git",
        ] {
            assert!(
                !refused_component(name),
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
    }
}
