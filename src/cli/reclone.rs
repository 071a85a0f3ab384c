//! `git cinnabar reclone [--rebase]`: rebuild the metadata from every
//! Mercurial remote.

use std::collections::HashMap;
use std::process::{Command, ExitCode};

use gix_hash::ObjectId;
use miette::{miette, IntoDiagnostic, WrapErr};

use crate::hg::HgNode;
use crate::metadata::history::clear;
use crate::metadata::Metadata;
use crate::query::maps::ChangesetMaps;
use crate::store::refs::{update_refs, Expected, RefUpdate};
use crate::store::Repo;

/// Rebuild the cinnabar metadata from every Mercurial remote.
///
/// The metadata is cleared, then each remote whose URL starts with `hg::`
/// is fetched again. Local branches are kept as they are; with `--rebase`,
/// local branches, tags and a detached HEAD that point to the commit of a
/// changeset are moved to that changeset's new commit (changesets give the
/// same commits unless the metadata was made by a different version).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Move local refs that point to a changeset's commit to its new commit.
    #[arg(long)]
    pub rebase: bool,
}

/// Runs `git` with `args`, failing with `what` when it fails.
fn git(args: &[&str], what: &str) -> miette::Result<String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .into_diagnostic()
        .wrap_err("cannot run git")?;
    if !out.status.success() {
        return Err(miette!("{what}"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The git commit → hg changeset map of the current metadata.
fn changesets() -> miette::Result<HashMap<ObjectId, HgNode>> {
    let mut meta = Metadata::open()?;
    let maps = ChangesetMaps::from_notes(&mut meta.store, &meta.state)?;
    Ok(maps.git2hg.iter().collect())
}

/// Rebuilds the metadata.
pub fn run(args: Args) -> super::Outcome {
    let repo = Repo::open()?;
    let git_dir = repo.git_dir().to_path_buf();
    if git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists() {
        return Err(miette!(
            help = "finish it first (`git rebase --continue` or `git rebase --abort`)",
            "cannot reclone while a rebase is in progress"
        ));
    }
    if git_dir.join("BISECT_LOG").exists() {
        return Err(miette!(
            help = "finish it first (`git bisect reset`)",
            "cannot reclone while a bisect is in progress"
        ));
    }
    let urls = git(
        &["config", "--get-regexp", r"^remote\..*\.url$"],
        "there is no Mercurial remote to reclone from",
    )
    .unwrap_or_default();
    let remotes: Vec<String> = urls
        .lines()
        .filter_map(|l| {
            let (key, url) = l.split_once(' ')?;
            let name = key.strip_prefix("remote.")?.strip_suffix(".url")?;
            (url.starts_with("hg::") && url != "hg::tags:").then(|| name.to_string())
        })
        .collect();
    if remotes.is_empty() {
        return Err(miette!("there is no Mercurial remote to reclone from"));
    }
    let old_metadata = repo.find_ref(crate::metadata::METADATA_REF)?;
    let old = if args.rebase {
        changesets()?
    } else {
        HashMap::new()
    };
    clear(&repo)?;
    for remote in &remotes {
        let status = Command::new("git")
            .args(["fetch", remote])
            .status()
            .into_diagnostic()
            .wrap_err("cannot run git fetch")?;
        if !status.success() {
            let help = match old_metadata {
                Some(m) => format!("`git cinnabar rollback {m}` restores the previous metadata"),
                None => "fix the remote and run `git cinnabar reclone` again".into(),
            };
            return Err(miette!(help = help, "cannot fetch {remote}"));
        }
    }
    if args.rebase {
        rebase_refs(&Repo::open()?, &old)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Moves local refs (and a detached HEAD) from old commits of changesets
/// to their new commits.
fn rebase_refs(repo: &Repo, old: &HashMap<ObjectId, HgNode>) -> miette::Result<()> {
    let meta = Metadata::open()?;
    let new = ChangesetMaps::from_state(&meta.state)?;
    let listing = git(
        &[
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "refs/heads/",
            "refs/tags/",
        ],
        "cannot list the local refs",
    )?;
    let mut refs: Vec<(String, ObjectId)> = listing
        .lines()
        .filter_map(|l| {
            let (oid, name) = l.split_once(' ')?;
            Some((name.to_string(), ObjectId::from_hex(oid.as_bytes()).ok()?))
        })
        .collect();
    let head = git(&["symbolic-ref", "-q", "HEAD"], "detached").is_err();
    if head {
        if let Some(oid) = repo.find_ref("HEAD")? {
            refs.push(("HEAD".into(), oid));
        }
    }
    let mut updates = Vec::new();
    for (name, oid) in refs {
        let Some(node) = old.get(&oid) else { continue };
        match new.hg2git.get(node) {
            Some(moved) if moved != oid => {
                eprintln!("{name}: {oid} -> {moved}");
                updates.push(RefUpdate::set(name, Expected::Value(oid), moved));
            }
            Some(_) => {}
            None => eprintln!("warning: {name}: changeset {node} is not on any remote any more"),
        }
    }
    if !updates.is_empty() {
        update_refs(repo, &updates, "cinnabar reclone --rebase")?;
    }
    Ok(())
}
