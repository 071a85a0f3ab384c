//! Editing a [`ManifestTree`] the way git fast-import's tree editor does,
//! where a path that is both a file and a directory loses one of them.

use std::sync::Arc;

use super::{Dir, ManifestTree, Node};
use crate::hg::manifest::{line_len, Flag};
use crate::hg::mdiff::hunks;
use crate::hg::{FormatError, HgNode};

impl Dir {
    /// The entry named `name`, file or directory: trees edited the way
    /// fast-import does never hold both.
    fn find_any(&self, name: &[u8]) -> Option<usize> {
        self.search(name, false)
            .or_else(|_| self.search(name, true))
            .ok()
    }

    fn recompute_size(&mut self) {
        let prefix_len = self.prefix_len;
        self.size = self
            .entries
            .iter()
            .map(|e| match &e.node {
                Node::File { flag, .. } => line_len(prefix_len + e.name.len(), *flag) as u64,
                Node::Dir(d) => d.size,
            })
            .sum();
    }

    /// Sets the file at `path` the way git fast-import's tree editor
    /// (`tree_content_set`) does: a file met on the way is replaced by a
    /// new, empty directory, and a directory at `path` by the file.
    fn fast_import_set(&mut self, path: &[u8], node: HgNode, flag: Flag) {
        self.invalidate();
        match memchr::memchr(b'/', path) {
            None => {
                if let Ok(i) = self.search(path, true) {
                    self.own_lines.clear();
                    self.entries.remove(i);
                }
                self.insert(path, node, flag, &mut false);
            }
            Some(slash) => {
                let name = &path[..slash];
                if let Ok(i) = self.search(name, false) {
                    self.own_lines.clear();
                    self.entries.remove(i);
                }
                let i = self.subdir_index(name, slash);
                if let Node::Dir(d) = &mut self.entries[i].node {
                    Arc::make_mut(d).fast_import_set(&path[slash + 1..], node, flag);
                }
            }
        }
        self.recompute_size();
    }

    /// Removes `path` the way git fast-import's tree editor
    /// (`tree_content_remove`) does: whatever has the name, file or whole
    /// directory, goes; nothing happens below a file; emptied directories
    /// go too. Returns whether fast-import would report a removal.
    fn fast_import_remove(&mut self, path: &[u8]) -> bool {
        let removed = match memchr::memchr(b'/', path) {
            None => match self.find_any(path) {
                Some(i) => {
                    self.own_lines.clear();
                    self.entries.remove(i);
                    true
                }
                None => false,
            },
            Some(slash) => {
                let Some(i) = self.find_any(&path[..slash]) else {
                    return false;
                };
                let Node::Dir(d) = &mut self.entries[i].node else {
                    // A file where a directory was expected: the path
                    // cannot exist, nothing changes.
                    return true;
                };
                let d = Arc::make_mut(d);
                if !d.fast_import_remove(&path[slash + 1..]) {
                    return false;
                }
                if d.entries.is_empty() {
                    self.own_lines.clear();
                    self.entries.remove(i);
                }
                true
            }
        };
        if removed {
            self.invalidate();
            self.recompute_size();
        }
        removed
    }
}

impl ManifestTree {
    /// Replays a delta the way git-cinnabar edits its metadata trees,
    /// with git fast-import's tree editor: the paths `removed` (as found by
    /// [`ManifestTree::apply_delta`] on the exact manifest) are removed,
    /// then the lines the hunks bring are set in order. Where no path is
    /// both a file and a directory this is [`ManifestTree::apply_delta`];
    /// otherwise a file gives way to a directory set under its name and a
    /// directory to a file set over it, so lines are lost.
    pub fn apply_as_fast_import(
        &mut self,
        node: HgNode,
        removed: &[Vec<u8>],
        delta: &[u8],
    ) -> Result<(), FormatError> {
        let bad = |reason: String| FormatError::BadDelta { node, reason };
        let root = Arc::make_mut(&mut self.root);
        for path in removed {
            root.fast_import_remove(path);
        }
        for hunk in hunks(delta) {
            let hunk = hunk.map_err(|e| bad(e.to_string()))?;
            for line in crate::hg::manifest::lines(hunk.data) {
                let line = line.map_err(|e| bad(e.to_string()))?;
                root.fast_import_set(line.path, line.node, line.flag);
            }
        }
        Ok(())
    }
}
