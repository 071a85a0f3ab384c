//! File revisions into git blobs, with their copy metadata in files-meta
//! notes (spec 5.1). A revision stored as a delta against another revision
//! of this pack becomes a git delta against that blob. The delta bases of
//! a file's group are planned before it is imported
//! ([`FileImporter::plan`]): a text is kept exactly until the last delta
//! that names it, and a base from an earlier import is read from git once.

use std::sync::Arc;

use super::error::{Result, ResultExt};
use gix::object::Kind;

use super::base_plan::KeptBases;
use super::node_check::{mismatch_error, NodeChecker};
use crate::hg::filemeta;
use crate::hg::mdiff::{apply, git_delta};
use crate::hg::{HgNode, RevisionChunk};
use crate::metadata::file::read_file_text;
use crate::metadata::State;
use crate::store::ObjectWrite;
use crate::store::Store;

/// What the file import read and kept, for the `stats` log target.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileStats {
    /// Delta bases read from git.
    pub read: u64,
    /// Most texts kept at once for later deltas.
    pub peak_kept: usize,
    /// Most bytes of texts kept at once for later deltas.
    pub peak_bytes: usize,
    /// Revisions whose node was verified on the helper thread.
    pub checked_aside: u64,
}

/// Smallest text whose node is verified on the helper thread (smaller
/// ones cost less to hash than to hand over).
const CHECK_ASIDE_MIN: usize = 16 << 10;

/// Imports the revisions of one file after another, reusing buffers.
#[derive(Default)]
pub struct FileImporter {
    bases: KeptBases<Arc<Vec<u8>>>,
    /// Bytes of the texts in `bases`.
    kept_bytes: usize,
    /// The current text, shared with the node checker while it verifies
    /// it.
    text: Arc<Vec<u8>>,
    /// The current file's path, shared with the node checker.
    path: Arc<Vec<u8>>,
    checker: NodeChecker,
    base_buf: Vec<u8>,
    scratch: Vec<u8>,
    stats: FileStats,
}

impl FileImporter {
    /// Starts a new file group, of the file at `path`.
    pub fn start_file(&mut self, path: &[u8]) {
        self.bases.clear();
        self.kept_bytes = 0;
        if self.path.as_slice() != path {
            self.path = Arc::new(path.to_vec());
        }
    }

    /// Records that the revision at `position` of the file's group is a
    /// delta against `base`.
    pub fn plan(&mut self, position: u32, base: HgNode) {
        self.bases.plan(position, base);
    }

    /// What was read and kept so far.
    pub fn stats(&self) -> FileStats {
        FileStats {
            checked_aside: self.checker.sent(),
            ..self.stats
        }
    }

    /// Waits until the nodes of every file revision imported so far are
    /// verified: the error of the first that is not the hash of its text.
    /// Called at the end of the files of a changegroup, and before any
    /// other error of theirs is returned (the earlier mismatch wins, as
    /// when verifying on the import thread).
    pub fn finish_checks(&mut self) -> Result<()> {
        self.checker.finish()
    }

    /// Imports one revision of the current file, at `position` of its
    /// planned group.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        path: &[u8],
        position: u32,
        rev: &RevisionChunk<'_>,
    ) -> Result<()> {
        let node = rev.node;
        let context = || format!("file {} revision {node}", String::from_utf8_lossy(path));
        debug_assert_eq!(self.path.as_slice(), path);
        let mut read_back = false;
        let base: &[u8] = if rev.delta_base.is_null() {
            &[]
        } else if let Some(text) = self.bases.get(&rev.delta_base) {
            text
        } else {
            read_file_text(
                store,
                state,
                rev.delta_base,
                &mut self.base_buf,
                &mut self.scratch,
            )
            .context_with(context)?;
            self.stats.read += 1;
            read_back = true;
            &self.base_buf
        };
        // The checker may still hold the previous text: start a new one.
        if Arc::get_mut(&mut self.text).is_none() {
            self.text = Arc::new(Vec::with_capacity(self.text.len()));
        }
        apply(base, rev.delta, Arc::make_mut(&mut self.text)).map_err(|e| e.for_node(node))?;
        if self.text.len() >= CHECK_ASIDE_MIN {
            self.checker
                .check(&self.path, node, (rev.p1, rev.p2), &self.text)?;
        } else {
            let actual = HgNode::hash(&rev.p1, &rev.p2, &self.text);
            if actual != node {
                return Err(mismatch_error(path, node, actual));
            }
        }
        if node != HgNode::EMPTY_FILE && state.hg2git(&node).is_none() {
            let (meta, content) = filemeta::split(&self.text);
            let base_blob = (!rev.delta_base.is_null())
                .then(|| state.hg2git(&rev.delta_base))
                .flatten();
            let blob = match base_blob {
                Some(base_blob) => {
                    let header_len = |t: &[u8]| t.len() - filemeta::split(t).1.len();
                    match git_delta(
                        base.len(),
                        header_len(base),
                        header_len(&self.text),
                        rev.delta,
                        self.text.len(),
                    ) {
                        Some(d) => store.write_delta(Kind::Blob, content, &base_blob, &d)?,
                        None => store.write(Kind::Blob, content)?,
                    }
                }
                None => store.write(Kind::Blob, content)?,
            };
            state.set_hg2git(node, blob);
            if let Some(meta) = meta {
                let meta_blob = store.write(Kind::Blob, meta)?;
                state.set_files_meta(node, meta_blob);
            }
        }
        self.settle(rev.delta_base, read_back, node, position);
        Ok(())
    }

    /// After the revision at `position`: drops its base at its last use,
    /// keeps a base read from git and the new text when later deltas need
    /// them.
    fn settle(&mut self, base: HgNode, read_back: bool, node: HgNode, position: u32) {
        let mut freed = None;
        if !base.is_null() && !self.bases.needed_after(&base, position) {
            if let Some(text) = self.bases.take(&base) {
                self.kept_bytes -= text.len();
                freed = Some(text);
            }
        } else if read_back {
            let text = std::mem::take(&mut self.base_buf);
            self.kept_bytes += text.len();
            self.bases.keep(base, Arc::new(text));
        }
        if self.bases.needed_after(&node, position) {
            let text = std::mem::take(&mut self.text);
            self.kept_bytes += text.len();
            if let Some(old) = self.bases.keep(node, text) {
                self.kept_bytes -= old.len();
            }
        }
        // A freed text's buffer serves the next text, or the next base,
        // unless the checker still holds it.
        if let Some(buf) = freed {
            if self.text.capacity() == 0 {
                self.text = buf;
            } else if let Ok(buf) = Arc::try_unwrap(buf) {
                self.base_buf = buf;
            }
        }
        self.stats.peak_kept = self.stats.peak_kept.max(self.bases.len());
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.kept_bytes);
    }
}
