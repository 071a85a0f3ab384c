//! The checkpoint marker: `cinnabar/checkpoint` of the git directory holds
//! the metadata commit of the last checkpoint of an import not finished
//! yet, and how many changesets its checkpoints committed. While the
//! metadata is still that commit, the next fetch says where it resumes;
//! a rollback or any other import moves the metadata, and the marker is
//! then ignored (and removed by the next import's commit).

use std::path::PathBuf;

use gix_hash::ObjectId;

use super::error::{Result, ResultExt};
use crate::store::Repo;

/// The folder of the git directory that holds the marker and what
/// [`super::resume`] keeps on disk, made when missing.
pub fn dir(repo: &Repo) -> Result<PathBuf> {
    let dir = repo.git_dir().join("cinnabar");
    std::fs::create_dir_all(&dir).context_with(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The marker's path.
fn marker_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("cinnabar").join("checkpoint")
}

/// How many changesets the checkpoints of an interrupted import committed,
/// if the metadata is still its last checkpoint's (`metadata`).
pub fn resumed(repo: &Repo, metadata: Option<ObjectId>) -> Option<u64> {
    let text = std::fs::read_to_string(marker_path(repo)).ok()?;
    let (oid, count) = text.trim().split_once(' ')?;
    let oid = ObjectId::from_hex(oid.as_bytes()).ok()?;
    (Some(oid) == metadata).then(|| count.parse().ok())?
}

/// Records that `metadata`, a checkpoint, holds `count` changesets of an
/// import not finished yet.
pub fn mark(repo: &Repo, metadata: ObjectId, count: u64) -> Result<()> {
    let path = dir(repo)?.join("checkpoint");
    std::fs::write(&path, format!("{metadata} {count}\n"))
        .context_with(|| format!("cannot write {}", path.display()))
}

/// Removes the marker once an import is finished.
pub fn unmark(repo: &Repo) {
    let _ = std::fs::remove_file(marker_path(repo));
}
