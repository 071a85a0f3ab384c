//! Ref updates as one transaction with compare-and-swap.
//!
//! Every ref is locked and its expectation checked before any is changed;
//! if one expectation fails (or a lock is held by someone else) the
//! transaction is rolled back and no ref changes.
//!
//! # Ordering
//!
//! Refs must only point at objects that are durable: finish the pack
//! holding new objects (which syncs the pack and its index and renames them
//! into `objects/pack`) **before** updating refs, as fast-import does at a
//! checkpoint. [`update_refs`] checks that every new target is in the
//! repository's object database and refuses otherwise;
//! [`Store::update_refs`](super::Store::update_refs) finishes the pack
//! first.
//!
//! # Locks left by a killed process
//!
//! A process killed in the middle of a transaction leaves `<ref>.lock`
//! files behind, and git (like gix) then refuses every later update of
//! those refs. Transactions on cinnabar's own refs (`refs/cinnabar/…`,
//! `refs/notes/cinnabar`) therefore first take an advisory lock on
//! `cinnabar/refs.lock` in the git directory, which the kernel releases
//! when its holder dies: every writer of those refs holds it, so a
//! `.lock` file of one of them found while holding it was left by a
//! killed process and is removed, and a rerun finishes the job.

use std::fs::File;
use std::path::Path;

use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};
use gix::ObjectId;

use super::error::{Result, StoreError};
use super::repo::Repo;

/// What a ref must be before the transaction for it to go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Anything, including not existing.
    Any,
    /// The ref must not exist (create only).
    Absent,
    /// The ref must exist, with any value.
    Present,
    /// The ref must exist and point at this object.
    Value(ObjectId),
}

/// One ref change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefUpdate {
    /// Full ref name (`refs/…` or `HEAD`).
    pub name: String,
    /// The required current state.
    pub expected: Expected,
    /// The new value; `None` deletes the ref.
    pub new: Option<ObjectId>,
}

impl RefUpdate {
    /// Sets `name` to `new` if its current state is `expected`.
    pub fn set(name: impl Into<String>, expected: Expected, new: ObjectId) -> Self {
        RefUpdate {
            name: name.into(),
            expected,
            new: Some(new),
        }
    }

    /// Deletes `name` if its current state is `expected`.
    pub fn delete(name: impl Into<String>, expected: Expected) -> Self {
        RefUpdate {
            name: name.into(),
            expected,
            new: None,
        }
    }
}

/// Applies all `updates` in one transaction, with `message` in the reflogs
/// (of the refs git keeps reflogs for). Fails without changing anything
/// if any expectation does not hold, a target object is missing, or a ref
/// name is invalid. Deleting a ref that does not exist, with
/// [`Expected::Any`], is not an error.
pub fn update_refs(repo: &Repo, updates: &[RefUpdate], message: &str) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let mut edits = Vec::with_capacity(updates.len());
    for u in updates {
        let name = FullName::try_from(u.name.as_str()).map_err(|e| StoreError::RefName {
            name: u.name.clone(),
            source: Box::new(e),
        })?;
        let expected = match u.expected {
            Expected::Any => PreviousValue::Any,
            Expected::Absent => PreviousValue::MustNotExist,
            Expected::Present => PreviousValue::MustExist,
            Expected::Value(oid) => PreviousValue::MustExistAndMatch(Target::Object(oid)),
        };
        let change = match u.new {
            Some(oid) => {
                if !repo.contains(&oid) {
                    return Err(StoreError::RefTargetMissing {
                        name: u.name.clone(),
                        oid,
                    });
                }
                Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: false,
                        message: message.into(),
                    },
                    expected,
                    new: Target::Object(oid),
                }
            }
            None => {
                if u.expected == Expected::Absent {
                    return Err(StoreError::RefUpdate {
                        context: u.name.clone(),
                        source: "cannot delete a ref that is expected not to exist".into(),
                    });
                }
                Change::Delete {
                    expected,
                    log: RefLog::AndReference,
                }
            }
        };
        edits.push(RefEdit {
            change,
            name,
            deref: false,
        });
    }
    let context = || {
        updates
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Reflog entries need a committer; like git, do not fail without one.
    let mut repo = repo.gix().clone();
    if let Err(e) = repo.committer_or_set_fallback("git-cinnabar", "cinnabar@git") {
        return Err(StoreError::RefUpdate {
            context: context(),
            source: Box::new(e),
        });
    }
    let ours: Vec<&str> = updates
        .iter()
        .map(|u| u.name.as_str())
        .filter(|n| is_cinnabar_ref(n))
        .collect();
    let _guard = if ours.is_empty() {
        None
    } else {
        Some(
            lock_cinnabar_refs(repo.common_dir(), &ours).map_err(|e| StoreError::RefUpdate {
                context: context(),
                source: Box::new(e),
            })?,
        )
    };
    repo.edit_references(edits)
        .map_err(|e| StoreError::RefUpdate {
            context: context(),
            source: Box::new(e),
        })?;
    Ok(())
}

/// Whether only git-cinnabar writes this ref.
fn is_cinnabar_ref(name: &str) -> bool {
    name.starts_with("refs/cinnabar/") || name == "refs/notes/cinnabar"
}

/// Takes the advisory lock of cinnabar's refs (waiting for another
/// process that holds it), then removes the `.lock` files of `names` that
/// a killed process left (see the [module](self) docs). The lock lasts as
/// long as the returned file is open.
fn lock_cinnabar_refs(common_dir: &Path, names: &[&str]) -> std::io::Result<File> {
    let dir = common_dir.join("cinnabar");
    std::fs::create_dir_all(&dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("refs.lock"))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
    for name in names {
        let stale = common_dir.join(format!("{name}.lock"));
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(file)
}
