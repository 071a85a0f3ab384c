//! `git cinnabar fsck`: checking that the metadata rebuilds every
//! Mercurial revision it claims to hold (spec 2, 3.7, 4.4, 5.3).
//!
//! Changesets are checked on one thread, manifests on another, and the
//! file revisions the manifests introduce on two more (by node), each
//! with its own object store (a [`Store`] needs `&mut` to read, so it is
//! not shared between threads). Problems are collected, each naming the
//! object it concerns.

pub mod changesets;
pub mod error;
pub mod files;
pub mod manifests;
pub mod run;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc;

use error::{invalid, Result};
use gix_hash::ObjectId;

use crate::hg::HgNode;
use crate::metadata::State;
use crate::store::{ConfigOverrides, Repo, Store, WriteMode};

/// What to check.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Rebuild and hash every file revision too.
    pub full: bool,
    /// Only these changeset commits (all when `None`).
    pub only: Option<HashSet<ObjectId>>,
    /// (commit, git2hg note) pairs already checked (skipped), for
    /// incremental runs.
    pub skip: HashSet<(ObjectId, ObjectId)>,
}

/// The result of a check.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One line per problem, naming the object concerned.
    pub problems: Vec<String>,
    pub changesets: usize,
    pub manifests: usize,
    pub files: usize,
}

/// Threads rebuilding and hashing file revisions (the bulk of the work).
const FILE_WORKERS: usize = 2;

/// Shared read-only context of the checkers.
pub struct Context<'a> {
    pub state: &'a State,
    /// git object → hg node, for every hg2git entry.
    pub git_to_hg: HashMap<ObjectId, HgNode, ahash::RandomState>,
}

impl<'a> Context<'a> {
    /// The context for `state`, whose maps must be whole (not lazy: see
    /// [`State::flatten`]).
    pub fn new(state: &'a State) -> Result<Context<'a>> {
        let git_to_hg = state.hg2git.iter()?.map(|(h, g)| (g, h)).collect();
        Ok(Context { state, git_to_hg })
    }
}

fn join<T>(r: std::thread::Result<T>) -> Result<T> {
    r.map_err(|_| invalid("an fsck thread panicked"))
}

/// Opens a read-only store on the repository at `git_dir`.
pub fn reader(git_dir: &Path, overrides: &ConfigOverrides) -> Result<Store> {
    let repo = Repo::open_at(git_dir, overrides.clone())?;
    Ok(Store::new(repo, WriteMode::Direct))
}

/// Checks `state` (loaded from the repository at `git_dir`).
pub fn check(
    git_dir: &Path,
    overrides: &ConfigOverrides,
    state: &State,
    options: &Options,
) -> Result<Report> {
    let ctx = Context::new(state)?;
    let mut report = Report::default();
    let (manifests_tx, manifests_rx) = mpsc::channel::<ObjectId>();
    let (files_tx, files_rx): (Vec<_>, Vec<_>) = (0..FILE_WORKERS)
        .map(|_| mpsc::sync_channel::<files::FileJob>(1 << 12))
        .unzip();
    let outcome = std::thread::scope(|s| -> Result<()> {
        let ctx = &ctx;
        let cs = s.spawn(move || -> Result<changesets::Outcome> {
            let mut store = reader(git_dir, overrides)?;
            changesets::check(&mut store, ctx, options, &manifests_tx)
        });
        let mf = s.spawn(move || -> Result<manifests::Outcome> {
            let mut store = reader(git_dir, overrides)?;
            let files_tx = options.full.then_some(files_tx);
            manifests::check(&mut store, ctx, manifests_rx, files_tx.as_deref())
        });
        let workers: Vec<_> = files_rx
            .into_iter()
            .map(|rx| {
                s.spawn(move || -> Result<files::Outcome> {
                    let mut store = reader(git_dir, overrides)?;
                    files::check(&mut store, ctx, rx)
                })
            })
            .collect();
        let cs = join(cs.join())??;
        let mf = join(mf.join())??;
        report.changesets = cs.checked;
        report.manifests = mf.checked;
        report.problems.extend(cs.problems);
        report.problems.extend(mf.problems);
        for worker in workers {
            let fl = join(worker.join())??;
            report.files += fl.checked;
            report.problems.extend(fl.problems);
        }
        Ok(())
    });
    outcome?;
    Ok(report)
}
