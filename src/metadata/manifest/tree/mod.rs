//! A manifest held as a tree of directories, so that a manifest delta is
//! applied by editing the few directories it touches instead of re-expanding
//! the whole manifest text. Directories are shared between revisions
//! (copy-on-write), and each remembers the metadata tree and the git tree it
//! was last written as, so unchanged directories are never written again.

mod delta;
mod fast_import;
mod text;

use std::sync::Arc;

use crate::hg::manifest::{line_len, Flag, ManifestLine};
use crate::hg::HgNode;

/// What a directory entry holds.
#[derive(Clone, Debug)]
pub enum Node {
    /// A file: its hg node and flag, and once converted the git blob of
    /// that node (so that a directory converted again looks up only its
    /// changed files).
    File {
        node: HgNode,
        flag: Flag,
        blob: Option<gix_hash::ObjectId>,
    },
    Dir(Arc<Dir>),
}

/// One named entry of a directory.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Box<[u8]>,
    pub node: Node,
}

impl Entry {
    /// Whether the entry is a directory.
    pub fn is_dir(&self) -> bool {
        matches!(self.node, Node::Dir(_))
    }
}

/// A directory: entries in git tree order (which is also the order of the
/// manifest text), and the size its lines take in the manifest text.
#[derive(Clone, Debug, Default)]
pub struct Dir {
    entries: Vec<Entry>,
    /// Length of the path prefix of this directory (`a/b/` is 4).
    prefix_len: usize,
    /// Bytes of manifest text for everything below.
    size: u64,
    /// The metadata tree this directory was last written as.
    written: Option<gix_hash::ObjectId>,
    /// The git tree this directory was last converted to.
    git_written: Option<gix_hash::ObjectId>,
    /// The metadata tree and the git tree this directory was written as
    /// before it changed: the natural delta bases of its next versions.
    meta_base: Option<gix_hash::ObjectId>,
    git_base: Option<gix_hash::ObjectId>,
    /// The lines of the files of this directory, once built (see
    /// [`text`]); cleared when they change.
    own_lines: text::OwnLines,
}

/// Compares names the way git orders tree entries: a directory as if its
/// name ended with `/`.
fn tree_order(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        o => return o,
    }
    let next = |s: &[u8], dir: bool| s.get(n).copied().or(if dir { Some(b'/') } else { None });
    next(a, a_dir).cmp(&next(b, b_dir))
}

impl Dir {
    fn with_prefix(prefix_len: usize) -> Dir {
        Dir {
            prefix_len,
            ..Dir::default()
        }
    }

    /// Builds a directory from entries already in order, as read from a
    /// metadata tree written as `written`.
    pub fn from_entries(
        prefix_len: usize,
        entries: Vec<Entry>,
        written: gix_hash::ObjectId,
    ) -> Dir {
        let size = entries
            .iter()
            .map(|e| match &e.node {
                Node::File { flag, .. } => line_len(prefix_len + e.name.len(), *flag) as u64,
                Node::Dir(d) => d.size,
            })
            .sum();
        Dir {
            entries,
            prefix_len,
            size,
            written: Some(written),
            git_written: None,
            meta_base: None,
            git_base: None,
            own_lines: text::OwnLines::default(),
        }
    }

    /// Entries in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Bytes of manifest text for everything below.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The metadata tree this directory was last written as, if unchanged
    /// since.
    pub fn written(&self) -> Option<gix_hash::ObjectId> {
        self.written
    }

    /// Records the metadata tree this directory was written as.
    pub fn set_written(&mut self, oid: gix_hash::ObjectId) {
        self.written = Some(oid);
    }

    /// The git tree this directory was last converted to, if unchanged
    /// since.
    pub fn git_written(&self) -> Option<gix_hash::ObjectId> {
        self.git_written
    }

    /// Records the git tree this directory was converted to.
    pub fn set_git_written(&mut self, oid: gix_hash::ObjectId) {
        self.git_written = Some(oid);
    }

    /// The metadata tree this directory was last written as before it
    /// changed (the previous version of the same directory): the delta
    /// base for its next metadata tree.
    pub fn meta_base(&self) -> Option<gix_hash::ObjectId> {
        self.written.or(self.meta_base)
    }

    /// The git tree this directory was last converted to before it
    /// changed: the delta base for its next git tree.
    pub fn git_base(&self) -> Option<gix_hash::ObjectId> {
        self.git_written.or(self.git_base)
    }

    /// Forgets the trees written for this directory, which changed, keeping
    /// them as the delta bases of the next ones.
    fn invalidate(&mut self) {
        if let Some(w) = self.written.take() {
            self.meta_base = Some(w);
        }
        if let Some(w) = self.git_written.take() {
            self.git_base = Some(w);
        }
    }

    /// Whether a file named `name` is in this directory.
    pub fn has_file(&self, name: &[u8]) -> bool {
        self.search(name, false).is_ok()
    }

    fn search(&self, name: &[u8], dir: bool) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| tree_order(&e.name, e.is_dir(), name, dir))
    }

    /// The index of the subdirectory `name` (the path component ending at
    /// byte `slash` of a path below this directory), inserted empty when
    /// missing.
    fn subdir_index(&mut self, name: &[u8], slash: usize) -> usize {
        match self.search(name, true) {
            Ok(i) => i,
            Err(i) => {
                self.own_lines.clear();
                let sub = Dir::with_prefix(self.prefix_len + slash + 1);
                self.entries.insert(
                    i,
                    Entry {
                        name: name.into(),
                        node: Node::Dir(Arc::new(sub)),
                    },
                );
                i
            }
        }
    }

    /// Mutable access to the subdirectories, for writing (recording the
    /// trees they were written as: names and files must not change
    /// through it).
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// Adds or replaces the file at `path` (relative to this directory).
    /// Returns the change in size. Sets `clash` when the path, or one of
    /// its directories, is also a file and a directory.
    fn insert(&mut self, path: &[u8], node: HgNode, flag: Flag, clash: &mut bool) -> i64 {
        self.invalidate();
        let delta = match memchr::memchr(b'/', path) {
            None => {
                self.own_lines.clear();
                let len = line_len(self.prefix_len + path.len(), flag) as i64;
                *clash |= self.search(path, true).is_ok();
                match self.search(path, false) {
                    Ok(i) => {
                        let old = std::mem::replace(
                            &mut self.entries[i].node,
                            Node::File {
                                node,
                                flag,
                                blob: None,
                            },
                        );
                        match old {
                            Node::File { flag: f, .. } => {
                                len - line_len(self.prefix_len + path.len(), f) as i64
                            }
                            Node::Dir(_) => len,
                        }
                    }
                    Err(i) => {
                        self.entries.insert(
                            i,
                            Entry {
                                name: path.into(),
                                node: Node::File {
                                    node,
                                    flag,
                                    blob: None,
                                },
                            },
                        );
                        len
                    }
                }
            }
            Some(slash) => {
                let (name, rest) = (&path[..slash], &path[slash + 1..]);
                *clash |= self.search(name, false).is_ok();
                let i = self.subdir_index(name, slash);
                match &mut self.entries[i].node {
                    Node::Dir(d) => Arc::make_mut(d).insert(rest, node, flag, clash),
                    Node::File { .. } => 0,
                }
            }
        };
        self.size = (self.size as i64 + delta) as u64;
        delta
    }

    /// Removes the file at `path`; returns the change in size (0 if absent).
    fn remove(&mut self, path: &[u8]) -> i64 {
        let delta = match memchr::memchr(b'/', path) {
            None => match self.search(path, false) {
                Ok(i) => {
                    self.own_lines.clear();
                    let e = self.entries.remove(i);
                    match e.node {
                        Node::File { flag, .. } => {
                            -(line_len(self.prefix_len + path.len(), flag) as i64)
                        }
                        Node::Dir(_) => 0,
                    }
                }
                Err(_) => 0,
            },
            Some(slash) => {
                let (name, rest) = (&path[..slash], &path[slash + 1..]);
                match self.search(name, true) {
                    Ok(i) => {
                        let Node::Dir(d) = &mut self.entries[i].node else {
                            return 0;
                        };
                        let d = Arc::make_mut(d);
                        let delta = d.remove(rest);
                        if d.entries.is_empty() {
                            self.own_lines.clear();
                            self.entries.remove(i);
                        }
                        delta
                    }
                    Err(_) => 0,
                }
            }
        };
        if delta != 0 {
            self.invalidate();
            self.size = (self.size as i64 + delta) as u64;
        }
        delta
    }

    /// Calls `f` with every line of the manifest text, in order.
    fn for_each_line(&self, path: &mut Vec<u8>, f: &mut dyn FnMut(ManifestLine<'_>)) {
        for e in &self.entries {
            let base = path.len();
            path.extend_from_slice(&e.name);
            match &e.node {
                Node::File { node, flag, .. } => f(ManifestLine {
                    path,
                    node: *node,
                    flag: *flag,
                }),
                Node::Dir(d) => {
                    path.push(b'/');
                    d.for_each_line(path, f);
                }
            }
            path.truncate(base);
        }
    }
}

/// What applying a delta did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The full paths of the lines removed.
    pub removed: Vec<Vec<u8>>,
    /// Whether an added path is also a file and a directory (`a` and
    /// `a/b` both in the manifest), which a git tree cannot hold.
    pub clash: bool,
}

/// A whole manifest revision.
#[derive(Clone, Debug, Default)]
pub struct ManifestTree {
    root: Arc<Dir>,
}

impl ManifestTree {
    /// The empty manifest.
    pub fn new() -> ManifestTree {
        ManifestTree::default()
    }

    /// A manifest with this root directory.
    pub fn from_root(root: Dir) -> ManifestTree {
        ManifestTree {
            root: Arc::new(root),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Dir {
        &self.root
    }

    /// Mutable root, for writing (marks nothing dirty by itself).
    pub fn root_mut(&mut self) -> &mut Dir {
        Arc::make_mut(&mut self.root)
    }

    /// What this tree has at `path`, in words (for warnings): a
    /// directory, a file at a parent path, the file itself, or nothing.
    pub fn describe(&self, path: &[u8]) -> String {
        let show = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
        let mut dir: &Dir = &self.root;
        let mut pos = 0;
        loop {
            let end = memchr::memchr(b'/', &path[pos..]).map(|i| pos + i);
            let name = &path[pos..end.unwrap_or(path.len())];
            let Some(end) = end else {
                return if dir.search(name, true).is_ok() {
                    format!("the directory {:?}", show(path) + "/")
                } else if dir.search(name, false).is_ok() {
                    format!("the file {:?}", show(path))
                } else {
                    "nothing".into()
                };
            };
            if dir.search(name, false).is_ok() {
                return format!("the file {:?}", show(&path[..end]));
            }
            match dir.search(name, true).map(|i| &dir.entries[i].node) {
                Ok(Node::Dir(d)) => dir = d,
                _ => return "nothing".into(),
            }
            pos = end + 1;
        }
    }

    /// The size of the manifest text.
    pub fn text_len(&self) -> u64 {
        self.root.size
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: &[u8], node: HgNode, flag: Flag) {
        Arc::make_mut(&mut self.root).insert(path, node, flag, &mut false);
    }

    /// The node and flag of the file at `path`, if any.
    pub fn get(&self, path: &[u8]) -> Option<(HgNode, Flag)> {
        let mut dir: &Dir = &self.root;
        let mut rest = path;
        loop {
            match memchr::memchr(b'/', rest) {
                Some(i) => {
                    let idx = dir.search(&rest[..i], true).ok()?;
                    match &dir.entries[idx].node {
                        Node::Dir(sub) => dir = sub,
                        Node::File { .. } => return None,
                    }
                    rest = &rest[i + 1..];
                }
                None => {
                    let idx = dir.search(rest, false).ok()?;
                    return match &dir.entries[idx].node {
                        Node::File { node, flag, .. } => Some((*node, *flag)),
                        Node::Dir(_) => None,
                    };
                }
            }
        }
    }

    /// Removes a file.
    pub fn remove(&mut self, path: &[u8]) {
        Arc::make_mut(&mut self.root).remove(path);
    }

    /// The lines of this manifest that `lossy` lacks, as manifest text,
    /// or `None` when `lossy` holds a line this manifest does not.
    pub fn lines_missing_from(&self, lossy: &ManifestTree) -> Option<Vec<u8>> {
        let mut held = std::collections::HashSet::new();
        let mut buf = Vec::new();
        lossy.for_each_line(&mut |line| {
            buf.clear();
            line.write(&mut buf);
            held.insert(buf.clone());
        });
        let mut missing = Vec::new();
        let mut found = 0;
        self.for_each_line(&mut |line| {
            buf.clear();
            line.write(&mut buf);
            if held.contains(&buf) {
                found += 1;
            } else {
                missing.extend_from_slice(&buf);
            }
        });
        (found == held.len()).then_some(missing)
    }

    /// Calls `f` with every line of the manifest text, in order.
    pub fn for_each_line(&self, f: &mut dyn FnMut(ManifestLine<'_>)) {
        self.root.for_each_line(&mut Vec::new(), f);
    }
}

#[cfg(test)]
mod tests;
