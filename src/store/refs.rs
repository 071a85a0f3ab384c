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
    repo.edit_references(edits)
        .map_err(|e| StoreError::RefUpdate {
            context: context(),
            source: Box::new(e),
        })?;
    Ok(())
}
