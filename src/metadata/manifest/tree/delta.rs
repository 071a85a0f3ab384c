//! Applying an hg delta to a [`ManifestTree`]: the lines each hunk covers
//! are found by walking directory sizes, then removed, then the new lines
//! are inserted.

use std::sync::Arc;

use super::{Applied, Dir, ManifestTree, Node};
use crate::hg::manifest::line_len;
use crate::hg::mdiff::hunks;
use crate::hg::{FormatError, HgNode};

impl Dir {
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
}

impl ManifestTree {
    /// Applies an hg delta against this manifest's text. Every hunk must
    /// replace whole lines: first the lines each hunk covers are removed,
    /// then the lines each hunk brings are added. Returns the paths
    /// removed, and whether an added path clashes with a file or directory
    /// of the same name.
    pub fn apply_delta(&mut self, node: HgNode, delta: &[u8]) -> Result<Applied, FormatError> {
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
        let mut clash = false;
        for data in added {
            for line in crate::hg::manifest::lines(data) {
                let line = line.map_err(|e| bad(e.to_string()))?;
                root.insert(line.path, line.node, line.flag, &mut clash);
            }
        }
        Ok(Applied { removed, clash })
    }
}
