//! The manifest text of a [`ManifestTree`], in large pieces: each directory
//! keeps the lines of its own files (full paths, in order) once they were
//! built, until it changes, so that the text of a new manifest revision is
//! rebuilt only for the directories its delta touched. The other
//! directories hand their kept bytes to the caller as they are, which is
//! what makes a manifest node (SHA-1 over the whole text) cost little more
//! than the hash itself.
//!
//! Memory: a directory's kept lines take the bytes of its own lines in the
//! manifest text, once per version of the directory alive (versions are
//! shared between the revisions that hold them), and they are dropped with
//! the directory or when it changes. The trees alive at once (the delta
//! bases the importer keeps) thus hold at most the sum of their distinct
//! directories' text, and at most one full text per tree.

use std::sync::{Arc, OnceLock};

use super::{Dir, ManifestTree, Node};
use crate::hg::manifest::{line_len, Flag};
use crate::hg::HgNode;

/// The lines of a directory's own files, kept until the directory changes.
/// A clone (a directory about to be edited, see [`Arc::make_mut`]) shares
/// them until then.
#[derive(Clone, Debug, Default)]
pub(super) struct OwnLines(OnceLock<Arc<Kept>>);

/// A directory's own lines, and where its subdirectories' text goes
/// between them.
#[derive(Debug)]
struct Kept {
    text: Box<[u8]>,
    /// For each subdirectory, in order: the offset in `text` its lines
    /// come before, and its index in the entries.
    subdirs: Box<[(usize, usize)]>,
}

impl OwnLines {
    /// Forgets the lines (the directory changed).
    pub(super) fn clear(&mut self) {
        self.0.take();
    }
}

/// Appends one manifest line: `prefix name NUL hex flag LF`.
fn push_line(out: &mut Vec<u8>, prefix: &[u8], name: &[u8], node: &HgNode, flag: Flag) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(name);
    out.push(0);
    node.write_hex(out);
    out.extend_from_slice(flag.as_bytes());
    out.push(b'\n');
}

impl Dir {
    /// The lines of this directory's own files, built once (`path` is the
    /// directory's path).
    fn own_lines(&self, path: &[u8]) -> &Kept {
        self.own_lines.0.get_or_init(|| {
            let size = self
                .entries
                .iter()
                .map(|e| match &e.node {
                    Node::File { flag, .. } => line_len(path.len() + e.name.len(), *flag),
                    Node::Dir(_) => 0,
                })
                .sum();
            let mut text = Vec::with_capacity(size);
            let mut subdirs = Vec::new();
            for (i, e) in self.entries.iter().enumerate() {
                match &e.node {
                    Node::File { node, flag, .. } => {
                        push_line(&mut text, path, &e.name, node, *flag)
                    }
                    Node::Dir(_) => subdirs.push((text.len(), i)),
                }
            }
            Arc::new(Kept {
                text: text.into_boxed_slice(),
                subdirs: subdirs.into_boxed_slice(),
            })
        })
    }

    /// Calls `f` with the manifest text below this directory, in order, in
    /// pieces (`path` is the directory's path).
    fn for_each_piece(&self, path: &mut Vec<u8>, f: &mut dyn FnMut(&[u8])) {
        let kept = self.own_lines(path);
        let mut start = 0;
        for &(pos, i) in kept.subdirs.iter() {
            let e = &self.entries[i];
            let Node::Dir(d) = &e.node else {
                continue;
            };
            if pos > start {
                f(&kept.text[start..pos]);
                start = pos;
            }
            let base = path.len();
            path.extend_from_slice(&e.name);
            path.push(b'/');
            d.for_each_piece(path, f);
            path.truncate(base);
        }
        if kept.text.len() > start {
            f(&kept.text[start..]);
        }
    }
}

impl ManifestTree {
    /// Calls `f` with the manifest text, in order, in pieces: the kept
    /// lines of each directory (see the [module](self) docs), built for
    /// the directories that changed since they were last asked for.
    pub fn for_each_piece(&self, f: &mut dyn FnMut(&[u8])) {
        self.root.for_each_piece(&mut Vec::new(), f);
    }

    /// The node of this manifest's text with the given parents, computed by
    /// streaming its pieces into the hash (the text is never built whole).
    pub fn node(&self, p1: &HgNode, p2: &HgNode) -> HgNode {
        let mut hasher = crate::hg::node::NodeHasher::new(p1, p2);
        self.for_each_piece(&mut |piece| hasher.update(piece));
        hasher.finish()
    }

    /// The full manifest text (for tests and the rebuild path).
    pub fn text(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::try_from(self.root.size).unwrap_or(0));
        self.for_each_piece(&mut |piece| out.extend_from_slice(piece));
        out
    }
}
