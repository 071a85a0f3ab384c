//! A manifest held as a tree of directories, so that a manifest delta is
//! applied by editing the few directories it touches instead of re-expanding
//! the whole manifest text. Directories are shared between revisions
//! (copy-on-write), and each remembers the metadata tree and the git tree it
//! was last written as, so unchanged directories are never written again.

use std::sync::Arc;

use crate::hg::manifest::{line_len, Flag, ManifestLine};
use crate::hg::mdiff::hunks;
use crate::hg::{FormatError, HgNode};

/// What a directory entry holds.
#[derive(Clone, Debug)]
pub enum Node {
    File { node: HgNode, flag: Flag },
    Dir(Arc<Dir>),
}

/// One named entry of a directory.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: Box<[u8]>,
    pub node: Node,
}

impl Entry {
    fn is_dir(&self) -> bool {
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

    fn search(&self, name: &[u8], dir: bool) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| tree_order(&e.name, e.is_dir(), name, dir))
    }

    /// Mutable access to the subdirectories, for writing.
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// Adds or replaces the file at `path` (relative to this directory).
    /// Returns the change in size.
    fn insert(&mut self, path: &[u8], node: HgNode, flag: Flag) -> i64 {
        self.written = None;
        self.git_written = None;
        let delta = match memchr::memchr(b'/', path) {
            None => {
                let len = line_len(self.prefix_len + path.len(), flag) as i64;
                match self.search(path, false) {
                    Ok(i) => {
                        let old =
                            std::mem::replace(&mut self.entries[i].node, Node::File { node, flag });
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
                                node: Node::File { node, flag },
                            },
                        );
                        len
                    }
                }
            }
            Some(slash) => {
                let (name, rest) = (&path[..slash], &path[slash + 1..]);
                let i = match self.search(name, true) {
                    Ok(i) => i,
                    Err(i) => {
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
                };
                match &mut self.entries[i].node {
                    Node::Dir(d) => Arc::make_mut(d).insert(rest, node, flag),
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
                            self.entries.remove(i);
                        }
                        delta
                    }
                    Err(_) => 0,
                }
            }
        };
        if delta != 0 {
            self.written = None;
            self.git_written = None;
            self.size = (self.size as i64 + delta) as u64;
        }
        delta
    }

    /// Appends to `out` the full paths of the lines that start in
    /// `[start, end)` of this directory's text (offsets relative to the
    /// directory's first line). Returns the offset just past the last line
    /// visited, which tells whether `end` fell on a line boundary.
    fn collect_range(
        &self,
        path: &mut Vec<u8>,
        start: u64,
        end: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> u64 {
        let mut pos = 0u64;
        for e in &self.entries {
            if pos >= end {
                break;
            }
            let len = match &e.node {
                Node::File { flag, .. } => line_len(self.prefix_len + e.name.len(), *flag) as u64,
                Node::Dir(d) => d.size,
            };
            if pos + len <= start {
                pos += len;
                continue;
            }
            let base = path.len();
            path.extend_from_slice(&e.name);
            match &e.node {
                Node::File { .. } => {
                    out.push(path.clone());
                    path.truncate(base);
                    pos += len;
                }
                Node::Dir(d) => {
                    path.push(b'/');
                    let inner_start = start.saturating_sub(pos);
                    let reached = d.collect_range(path, inner_start, end - pos, out);
                    path.truncate(base);
                    if reached < d.size {
                        return pos + reached;
                    }
                    pos += len;
                }
            }
        }
        pos
    }

    /// Offset of the first line boundary at or after `offset`.
    fn boundary_at_or_after(&self, offset: u64) -> u64 {
        let mut pos = 0u64;
        for e in &self.entries {
            let len = match &e.node {
                Node::File { flag, .. } => line_len(self.prefix_len + e.name.len(), *flag) as u64,
                Node::Dir(d) => d.size,
            };
            if pos + len <= offset {
                pos += len;
                continue;
            }
            return match &e.node {
                Node::File { .. } => {
                    if pos == offset {
                        pos
                    } else {
                        pos + len
                    }
                }
                Node::Dir(d) => pos + d.boundary_at_or_after(offset - pos),
            };
        }
        pos
    }

    /// Calls `f` with every line of the manifest text, in order.
    fn for_each_line(&self, path: &mut Vec<u8>, f: &mut dyn FnMut(ManifestLine<'_>)) {
        for e in &self.entries {
            let base = path.len();
            path.extend_from_slice(&e.name);
            match &e.node {
                Node::File { node, flag } => f(ManifestLine {
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

    /// The size of the manifest text.
    pub fn text_len(&self) -> u64 {
        self.root.size
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: &[u8], node: HgNode, flag: Flag) {
        Arc::make_mut(&mut self.root).insert(path, node, flag);
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
                        Node::File { node, flag } => Some((*node, *flag)),
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

    /// Applies an hg delta against this manifest's text. Every hunk must
    /// replace whole lines: first the lines each hunk covers are removed,
    /// then the lines each hunk brings are added.
    pub fn apply_delta(&mut self, node: HgNode, delta: &[u8]) -> Result<(), FormatError> {
        let bad = |reason: String| FormatError::BadDelta { node, reason };
        let total = self.root.size;
        let mut removed = Vec::new();
        let mut added: Vec<&[u8]> = Vec::new();
        let mut prev_end = 0u64;
        for (index, hunk) in hunks(delta).enumerate() {
            let hunk = hunk.map_err(|e| bad(e.to_string()))?;
            let (start, end) = (u64::from(hunk.start), u64::from(hunk.end));
            if start < prev_end || end < start || end > total {
                return Err(bad(format!(
                    "hunk {index} [{start}, {end}) out of order or past the end ({total} bytes)"
                )));
            }
            prev_end = end;
            if start < end {
                let mut path = Vec::new();
                let reached = self.root.collect_range(&mut path, start, end, &mut removed);
                let first = self.root.boundary_at_or_after(start);
                if first != start || reached != end {
                    return Err(bad(format!(
                        "hunk {index} [{start}, {end}) does not cover whole manifest lines"
                    )));
                }
            } else if self.root.boundary_at_or_after(start) != start {
                return Err(bad(format!(
                    "hunk {index} inserts at byte {start}, inside a manifest line"
                )));
            }
            if !hunk.data.is_empty() {
                if !hunk.data.ends_with(b"\n") {
                    return Err(bad(format!("hunk {index} does not end with a newline")));
                }
                added.push(hunk.data);
            }
        }
        let root = Arc::make_mut(&mut self.root);
        for path in &removed {
            root.remove(path);
        }
        for data in added {
            for line in crate::hg::manifest::lines(data) {
                let line = line.map_err(|e| bad(e.to_string()))?;
                root.insert(line.path, line.node, line.flag);
            }
        }
        Ok(())
    }

    /// Calls `f` with every line of the manifest text, in order.
    pub fn for_each_line(&self, f: &mut dyn FnMut(ManifestLine<'_>)) {
        self.root.for_each_line(&mut Vec::new(), f);
    }

    /// The node of this manifest's text with the given parents, computed by
    /// streaming the lines into the hash (the text is never built whole).
    pub fn node(&self, p1: &HgNode, p2: &HgNode) -> HgNode {
        let mut hasher = crate::hg::node::NodeHasher::new(p1, p2);
        let mut buf = Vec::with_capacity(1 << 16);
        self.for_each_line(&mut |line| {
            line.write(&mut buf);
            if buf.len() >= 1 << 16 {
                hasher.update(&buf);
                buf.clear();
            }
        });
        hasher.update(&buf);
        hasher.finish()
    }

    /// The full manifest text (for tests and the rebuild path).
    pub fn text(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.root.size as usize);
        self.for_each_line(&mut |line| line.write(&mut out));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(path: &str, n: u8, flag: &str) -> Vec<u8> {
        let mut v = path.as_bytes().to_vec();
        v.push(0);
        HgNode([n; 20]).write_hex(&mut v);
        v.extend_from_slice(flag.as_bytes());
        v.push(b'\n');
        v
    }

    fn delta(hunks: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (s, e, d) in hunks {
            out.extend_from_slice(&s.to_be_bytes());
            out.extend_from_slice(&e.to_be_bytes());
            out.extend_from_slice(&(d.len() as u32).to_be_bytes());
            out.extend_from_slice(d);
        }
        out
    }

    fn apply_text(base: &[u8], d: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        crate::hg::mdiff::apply(base, d, &mut out).unwrap();
        out
    }

    #[test]
    fn deltas_match_text_application() {
        let paths = ["a", "a.txt", "a/b", "a/c/d", "a/c/e", "a0", "b/x", "z"];
        let mut text = Vec::new();
        for (i, p) in paths.iter().enumerate() {
            text.extend(line(p, i as u8 + 1, if i == 3 { "x" } else { "" }));
        }
        // hg sorts by full path; check our tree order agrees.
        let mut tree = ManifestTree::new();
        tree.apply_delta(HgNode::NULL, &delta(&[(0, 0, text.clone())]))
            .unwrap();
        let mut sorted = paths.to_vec();
        sorted.sort();
        let mut expect = Vec::new();
        for p in sorted {
            let i = paths.iter().position(|q| *q == p).unwrap();
            expect.extend(line(p, i as u8 + 1, if i == 3 { "x" } else { "" }));
        }
        assert_eq!(tree.text(), expect);
        assert_eq!(tree.text_len() as usize, expect.len());

        // Replace the lines of a/c/d and a/c/e with one new line, and drop z.
        let base = tree.text();
        let start = base.windows(5).position(|w| w == b"a/c/d").unwrap() as u32;
        let l = (line("a/c/d", 4, "x").len() + line("a/c/e", 5, "").len()) as u32;
        let zs = base.windows(2).position(|w| w == b"z\0").unwrap() as u32;
        let d = delta(&[
            (start, start + l, line("a/c/f", 9, "l")),
            (zs, base.len() as u32, Vec::new()),
        ]);
        let expected = apply_text(&base, &d);
        tree.apply_delta(HgNode::NULL, &d).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&tree.text()),
            String::from_utf8_lossy(&expected)
        );
        assert_eq!(tree.text_len() as usize, expected.len());
        assert_eq!(
            tree.node(&HgNode::NULL, &HgNode::NULL),
            HgNode::hash(&HgNode::NULL, &HgNode::NULL, &expected)
        );
    }

    #[test]
    fn refuses_partial_lines() {
        let mut tree = ManifestTree::new();
        tree.apply_delta(HgNode::NULL, &delta(&[(0, 0, line("a", 1, ""))]))
            .unwrap();
        assert!(tree
            .apply_delta(HgNode::NULL, &delta(&[(1, 43, Vec::new())]))
            .is_err());
        assert!(tree
            .apply_delta(HgNode::NULL, &delta(&[(0, 42, Vec::new())]))
            .is_err());
        assert!(tree
            .apply_delta(HgNode::NULL, &delta(&[(0, 99, Vec::new())]))
            .is_err());
        assert!(tree
            .apply_delta(HgNode::NULL, &delta(&[(0, 43, Vec::new())]))
            .is_ok());
        assert_eq!(tree.text_len(), 0);
    }

    #[test]
    fn shares_directories() {
        let mut a = ManifestTree::new();
        a.insert(b"d/x", HgNode([1; 20]), Flag::Regular);
        a.insert(b"e/y", HgNode([2; 20]), Flag::Regular);
        let mut b = a.clone();
        b.insert(b"e/z", HgNode([3; 20]), Flag::Exec);
        let (Node::Dir(da), Node::Dir(db)) = (&a.root.entries[0].node, &b.root.entries[0].node)
        else {
            panic!()
        };
        assert!(Arc::ptr_eq(da, db));
        assert_eq!(a.text().len() + line("e/z", 3, "x").len(), b.text().len());
        assert_eq!(b.get(b"e/z"), Some((HgNode([3; 20]), Flag::Exec)));
        assert_eq!(b.get(b"e"), None);
        assert_eq!(b.get(b"e/q"), None);
        assert_eq!(b.get(b"d/x/y"), None);
    }
}
