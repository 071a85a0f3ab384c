//! File revisions made from git blobs (spec 7): a plain revision hashed
//! over the blob with its parents, or a copy whose text carries
//! `copy`/`copyrev` metadata. Both are recorded in the metadata (hg2git,
//! files-meta) so the text can be rebuilt from git later.

use gix::object::Kind;
use gix_hash::ObjectId;

use super::error::{ExportError, Result};
use crate::hg::manifest::Flag;
use crate::hg::{filemeta, HgNode, NodeHasher};
use crate::metadata::State;
use crate::store::tree::Mode;
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};

/// The manifest flag of a git tree entry; `None` for a submodule.
pub fn flag_of(mode: Mode) -> Option<Flag> {
    match mode {
        Mode::SYMLINK => Some(Flag::Link),
        Mode::GITLINK => None,
        m if m.0 & 0o170000 == 0o100000 => Some(if m.0 & 0o111 != 0 {
            Flag::Exec
        } else {
            Flag::Regular
        }),
        _ => None,
    }
}

/// Records `node → oid` in hg2git unless already there.
fn set_hg2git(state: &mut State, node: HgNode, oid: ObjectId) {
    if state.hg2git.get(&node) != Some(oid) {
        state.set_hg2git(node, oid);
    }
}

/// A file revision over `blob` with `parents` (at most two). The empty
/// file node is never recorded (spec 5.2).
pub fn create_file(
    store: &mut Store,
    state: &mut State,
    blob: ObjectId,
    parents: &[HgNode],
    buf: &mut Vec<u8>,
) -> Result<HgNode> {
    if parents.len() > 2 {
        return Err(ExportError::Invalid(format!(
            "file revision of blob {blob} with {} parents",
            parents.len()
        )));
    }
    store.read(&blob, buf)?;
    let p1 = parents.first().copied().unwrap_or(HgNode::NULL);
    let p2 = parents.get(1).copied().unwrap_or(HgNode::NULL);
    let node = HgNode::hash(&p1, &p2, buf);
    if node != HgNode::EMPTY_FILE {
        set_hg2git(state, node, blob);
    }
    Ok(node)
}

/// A file revision copied (or renamed) from `source` at revision
/// `source_node`: no parents, and `copy`/`copyrev` metadata.
pub fn create_copy(
    store: &mut Store,
    state: &mut State,
    blob: ObjectId,
    source: &[u8],
    source_node: HgNode,
    buf: &mut Vec<u8>,
) -> Result<HgNode> {
    let mut meta = Vec::with_capacity(source.len() + 60);
    meta.extend_from_slice(b"copy: ");
    meta.extend_from_slice(source);
    meta.extend_from_slice(b"\ncopyrev: ");
    source_node.write_hex(&mut meta);
    meta.push(b'\n');
    store.read(&blob, buf)?;
    let mut hasher = NodeHasher::new(&HgNode::NULL, &HgNode::NULL);
    hasher.update(filemeta::MARKER);
    hasher.update(&meta);
    hasher.update(filemeta::MARKER);
    hasher.update(buf);
    let node = hasher.finish();
    let meta_blob = store.write(Kind::Blob, &meta)?;
    if state.files_meta.get(&node) != Some(meta_blob) {
        state.set_files_meta(node, meta_blob);
    }
    set_hg2git(state, node, blob);
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_of_modes() {
        assert_eq!(flag_of(Mode::FILE), Some(Flag::Regular));
        assert_eq!(flag_of(Mode::EXECUTABLE), Some(Flag::Exec));
        assert_eq!(flag_of(Mode::SYMLINK), Some(Flag::Link));
        assert_eq!(flag_of(Mode::GITLINK), None);
        assert_eq!(flag_of(Mode(0o100664)), Some(Flag::Regular));
    }
}
