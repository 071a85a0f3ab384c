//! The `fsck` command flow: what to check (everything, the changesets
//! added since `refs/cinnabar/checked`, or given commits), reporting, and
//! the `checked` / `broken` marks.

use std::collections::HashSet;

use super::error::{invalid, Result};

use super::{check, Options, Report};
use gix_hash::ObjectId;

use crate::hg::HgNode;
use crate::metadata::history::{BROKEN_REF, CHECKED_REF};
use crate::metadata::Metadata;
use crate::store::refs::{update_refs, Expected, RefUpdate};
use crate::store::Repo;

/// How an fsck run ended (spec 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything checked is fine (exit 0).
    Clean,
    /// Problems were found (exit 1).
    Corrupt,
    /// There is no metadata to check (exit 1, said already).
    NoMetadata,
}

/// Runs fsck on the repository git runs us in.
pub fn run(force: bool, full: bool, commits: &[String]) -> Result<(Status, Report)> {
    let repo = Repo::open()?;
    let git_dir = repo.git_dir().to_path_buf();
    let overrides = repo.overrides().clone();
    let checked = repo.find_ref(CHECKED_REF)?;
    let meta = Metadata::with_repo(repo)?;
    let Some(metadata) = meta.commit else {
        eprintln!("There is no metadata to check.");
        return Ok((Status::NoMetadata, Report::default()));
    };
    let mut options = Options {
        full,
        ..Options::default()
    };
    if !commits.is_empty() {
        let mut only = HashSet::new();
        for c in commits {
            only.insert(resolve_commit(&meta, c)?);
        }
        options.only = Some(only);
    } else if !force && !full {
        if let Some(checked) = checked {
            if checked == metadata {
                return Ok((Status::Clean, Report::default()));
            }
            let repo = Repo::open_at(&git_dir, overrides.clone())?;
            if let Ok(previous) = Metadata::at(repo, Some(checked)) {
                options.skip = previous.state.git2hg.iter()?.collect();
            }
        }
    }
    let report = check(&git_dir, &overrides, &meta.state, &options)?;
    let repo = meta.store.repo();
    if !report.problems.is_empty() {
        for p in &report.problems {
            eprintln!("{p}");
        }
        eprintln!(
            "Your git-cinnabar repository appears to be corrupted ({} problems). Run `git cinnabar rollback --fsck` to go back to the last checked state.",
            report.problems.len()
        );
        update_refs(
            repo,
            &[RefUpdate::set(BROKEN_REF, Expected::Any, metadata)],
            "cinnabar fsck",
        )?;
        return Ok((Status::Corrupt, report));
    }
    if commits.is_empty() {
        update_refs(
            repo,
            &[RefUpdate::set(CHECKED_REF, Expected::Any, metadata)],
            "cinnabar fsck",
        )?;
    }
    Ok((Status::Clean, report))
}

/// A changeset commit from a changeset id (full or abbreviated) or a git
/// committish.
fn resolve_commit(meta: &Metadata, spec: &str) -> Result<ObjectId> {
    if spec.len() == 40 {
        if let Ok(node) = HgNode::from_hex(spec.as_bytes()) {
            if let Some(c) = meta.state.hg2git(&node) {
                return Ok(c);
            }
        }
    }
    let id = meta
        .store
        .repo()
        .gix()
        .rev_parse_single(format!("{spec}^{{commit}}").as_str())
        .map_err(|_| invalid(format!("Invalid commit or changeset: {spec}")))?
        .detach();
    Ok(id)
}
