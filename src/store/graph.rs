//! The commit graph: questions about ancestry that git answers.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use gix::ObjectId;

use crate::store::error::{Result, StoreError};
use crate::store::Repo;

/// The commits of `heads` that are not ancestors of another of them
/// (`git merge-base --independent`), in the order given.
pub fn independent(repo: &Repo, heads: &[ObjectId]) -> Result<Vec<ObjectId>> {
    if heads.len() <= 1 {
        return Ok(heads.to_vec());
    }
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo.git_dir())
        .args(["merge-base", "--independent"])
        .args(heads.iter().map(ToString::to_string))
        .stderr(Stdio::null())
        .output()
        .map_err(|e| StoreError::io("cannot run git merge-base", e))?;
    if !out.status.success() {
        return Err(StoreError::io(
            "git merge-base --independent failed",
            std::io::Error::other(format!("exit status {}", out.status)),
        ));
    }
    let keep: HashSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    Ok(heads
        .iter()
        .filter(|h| keep.contains(&h.to_string()))
        .copied()
        .collect())
}
