//! File texts rebuilt from git (spec 5.1): the blob, preceded by the
//! metadata block kept in the files-meta notes.

use super::error::MetadataError;
use super::state::State;
use super::Result;
use crate::hg::{filemeta, HgNode};
use crate::store::ObjectRead;
use crate::store::Store;

/// Rebuilds the hg text of a file revision from git: its blob, preceded by
/// its metadata block when it has one.
pub fn read_file_text(
    store: &mut Store,
    state: &State,
    node: HgNode,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    out.clear();
    if node == HgNode::EMPTY_FILE {
        return Ok(());
    }
    let blob = state.hg2git(&node).ok_or(MetadataError::Unknown {
        kind: "file revision",
        node,
    })?;
    if let Some(meta) = state.files_meta.get(&node) {
        store.read(&meta, scratch)?;
        out.extend_from_slice(filemeta::MARKER);
        out.extend_from_slice(scratch);
        out.extend_from_slice(filemeta::MARKER);
    }
    store.read(&blob, scratch)?;
    out.extend_from_slice(scratch);
    Ok(())
}
