//! Metadata history (spec 2.8): the chain of previous metadata commits,
//! the `checked` and `broken` marks, rollback and clear.

use super::error::{invalid, ResultExt};
use super::{Result, CINNABAR_SIG, METADATA_REF, NOTES_REF};
use crate::store::commit::parse_commit;
use crate::store::refs::{update_refs, Expected, RefUpdate};
use crate::store::tree::{parse_tree, Mode};
use crate::store::Repo;
use gix_hash::ObjectId;

/// The ref marking the last state `fsck` validated.
pub const CHECKED_REF: &str = "refs/cinnabar/checked";
/// The ref marking a state known to be corrupt.
pub const BROKEN_REF: &str = "refs/cinnabar/broken";
/// Where replace refs live.
pub const REPLACE_PREFIX: &str = "refs/cinnabar/replace/";

/// The metadata state before `commit`: parent #5 when its message has the
/// `files-meta` flag (parent #4 for legacy metadata). `None` for the first
/// state, or when the commit cannot be read.
pub fn previous(repo: &Repo, commit: &ObjectId) -> Option<ObjectId> {
    let mut buf = Vec::new();
    repo.try_read_object(commit, &mut buf).ok()??;
    let parsed = parse_commit(&buf).ok()?;
    let index = if parsed
        .message
        .split(|&b| b == b' ')
        .any(|t| t == b"files-meta")
    {
        5
    } else {
        4
    };
    parsed.parents.get(index).copied()
}

/// One entry of `rollback --candidates`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub commit: ObjectId,
    /// `current`, `checked`, `broken`, in that order, as they apply.
    pub labels: Vec<&'static str>,
}

/// The metadata states reachable from the current one.
pub fn candidates(repo: &Repo) -> Result<Vec<Candidate>> {
    let checked = repo.find_ref(CHECKED_REF)?;
    let broken = repo.find_ref(BROKEN_REF)?;
    let mut out: Vec<Candidate> = Vec::new();
    let mut next = repo.find_ref(METADATA_REF)?;
    while let Some(commit) = next {
        if out.iter().any(|c| c.commit == commit) || !repo.contains(&commit) {
            break;
        }
        let mut labels = Vec::new();
        if out.is_empty() {
            labels.push("current");
        }
        if Some(commit) == checked {
            labels.push("checked");
        }
        if Some(commit) == broken {
            labels.push("broken");
        }
        out.push(Candidate { commit, labels });
        next = previous(repo, &commit);
    }
    Ok(out)
}

/// Where to roll back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The previous state.
    Previous,
    /// The last state fsck checked.
    Checked,
    /// A given commit; the null id means no metadata at all.
    Commit(ObjectId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Unknown,
    Checked,
    Broken,
}

/// Resolves a committish for rollback; "Invalid revision" when it does
/// not name an existing object.
pub fn resolve(repo: &Repo, spec: &str) -> Result<ObjectId> {
    if spec.len() == 40 && spec.bytes().all(|b| b == b'0') {
        return Ok(ObjectId::null(gix_hash::Kind::Sha1));
    }
    let invalid = || invalid(format!("Invalid revision: {spec}"));
    let id = repo
        .gix()
        .rev_parse_single(spec)
        .map_err(|_| invalid())?
        .detach();
    if !repo.contains(&id) {
        return Err(invalid());
    }
    Ok(id)
}

/// Rolls the metadata back to `target` (spec 2.8), in one ref transaction.
pub fn rollback(repo: &Repo, target: Target, force: bool) -> Result<()> {
    let current = repo.find_ref(METADATA_REF)?;
    let checked = repo.find_ref(CHECKED_REF)?;
    let broken = repo.find_ref(BROKEN_REF)?;
    let null = ObjectId::null(gix_hash::Kind::Sha1);
    let target = match target {
        Target::Previous => {
            let Some(current) = current else {
                return Err(invalid("Nothing to rollback."));
            };
            previous(repo, &current).unwrap_or(null)
        }
        Target::Checked => checked
            .ok_or_else(|| invalid("No successful fsck has been recorded. Cannot rollback."))?,
        Target::Commit(c) => c,
    };
    if target.is_null() {
        return clear(repo);
    }
    // Walk the chain: reaching `checked` makes the states below checked,
    // reaching `broken` makes the state broken until we step past it.
    let mut status = Status::Unknown;
    let mut found = false;
    let mut next = current;
    let mut seen = Vec::new();
    while let Some(commit) = next {
        if seen.contains(&commit) {
            break;
        }
        seen.push(commit);
        if Some(commit) == checked {
            status = Status::Checked;
        } else if Some(commit) == broken {
            status = Status::Broken;
        }
        if commit == target {
            found = true;
            break;
        }
        if status == Status::Broken {
            status = Status::Unknown;
        }
        next = previous(repo, &commit);
    }
    if !found && !force {
        return Err(invalid(format!(
            "Cannot rollback to {target}, it is not in the ancestry of current metadata."
        )));
    }
    let mut buf = Vec::new();
    let bad = || invalid(format!("Invalid cinnabar metadata: {target}"));
    repo.try_read_object(&target, &mut buf)?.ok_or_else(bad)?;
    let parsed = parse_commit(&buf).map_err(|_| bad())?;
    if parsed.author != CINNABAR_SIG || !(5..=6).contains(&parsed.parents.len()) {
        return Err(bad());
    }
    let notes = parsed.parents[3];
    let replace_tree = parsed.tree;
    let mut updates = vec![
        RefUpdate::set(
            METADATA_REF,
            match current {
                Some(c) => Expected::Value(c),
                None => Expected::Absent,
            },
            target,
        ),
        RefUpdate::set(NOTES_REF, Expected::Any, notes),
    ];
    if found {
        match status {
            Status::Checked => updates.push(RefUpdate::set(CHECKED_REF, Expected::Any, target)),
            Status::Broken => updates.push(RefUpdate::set(BROKEN_REF, Expected::Any, target)),
            Status::Unknown => {}
        }
    }
    let mut replaced = Vec::new();
    repo.try_read_object(&replace_tree, &mut buf)?
        .ok_or_else(bad)?;
    for entry in parse_tree(&buf) {
        let entry =
            entry.map_err(|e| invalid(format!("Invalid cinnabar metadata: {target}: {e}")))?;
        let name = String::from_utf8_lossy(entry.name).into_owned();
        if entry.mode != Mode::GITLINK || name.len() != 40 {
            return Err(bad());
        }
        replaced.push(format!("{REPLACE_PREFIX}{name}"));
        updates.push(RefUpdate::set(
            format!("{REPLACE_PREFIX}{name}"),
            Expected::Any,
            entry.oid,
        ));
    }
    for name in repo.refs_with_prefix("refs/cinnabar/")? {
        let kept = name == METADATA_REF
            || name == CHECKED_REF
            || name == BROKEN_REF
            || replaced.contains(&name);
        if !kept {
            updates.push(RefUpdate::delete(name, Expected::Any));
        }
    }
    update_refs(repo, &updates, "cinnabar rollback")
        .context_with(|| format!("cannot roll back to {target}"))?;
    Ok(())
}

/// Removes all the metadata: every `refs/cinnabar/` ref and the notes ref.
pub fn clear(repo: &Repo) -> Result<()> {
    let mut updates: Vec<RefUpdate> = repo
        .refs_with_prefix("refs/cinnabar/")?
        .into_iter()
        .map(|name| RefUpdate::delete(name, Expected::Any))
        .collect();
    if repo.find_ref(NOTES_REF)?.is_some() {
        updates.push(RefUpdate::delete(NOTES_REF, Expected::Any));
    }
    if !updates.is_empty() {
        update_refs(repo, &updates, "cinnabar clear")?;
    }
    Ok(())
}
