//! File revisions into git blobs, with their copy metadata in files-meta
//! notes (spec 5.1). A revision stored as a delta against another revision
//! of this pack becomes a git delta against that blob. Recent texts of the
//! file are kept to serve as delta bases.

use super::error::{Result, ResultExt};
use gix::object::Kind;

use super::text_cache::TextCache;
use crate::hg::filemeta;
use crate::hg::mdiff::{apply, git_delta};
use crate::hg::{FormatError, HgNode, RevisionChunk};
use crate::metadata::file::read_file_text;
use crate::metadata::State;
use crate::store::ObjectWrite;
use crate::store::Store;

/// Imports the revisions of one file after another, reusing buffers.
pub struct FileImporter {
    recent: TextCache,
    text: Vec<u8>,
    base_buf: Vec<u8>,
    scratch: Vec<u8>,
}

impl Default for FileImporter {
    fn default() -> Self {
        FileImporter {
            recent: TextCache::new(32, 1 << 20),
            text: Vec::new(),
            base_buf: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl FileImporter {
    /// Starts a new file group.
    pub fn start_file(&mut self) {
        self.recent.clear();
    }

    /// Imports one revision of the current file.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        path: &[u8],
        rev: &RevisionChunk<'_>,
    ) -> Result<()> {
        let node = rev.node;
        let context = || format!("file {} revision {node}", String::from_utf8_lossy(path));
        let base: &[u8] = if rev.delta_base.is_null() {
            &[]
        } else if let Some(text) = self.recent.get(&rev.delta_base) {
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
            &self.base_buf
        };
        apply(base, rev.delta, &mut self.text).map_err(|e| e.for_node(node))?;
        let actual = HgNode::hash(&rev.p1, &rev.p2, &self.text);
        if actual != node {
            return Err(FormatError::NodeMismatch {
                kind: "file revision",
                node,
                actual,
            })
            .context_with(context);
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
        let text = std::mem::take(&mut self.text);
        if let Some(buf) = self.recent.insert(node, text) {
            self.text = buf;
        }
        Ok(())
    }
}
