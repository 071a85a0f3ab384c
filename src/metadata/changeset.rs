//! Changeset texts rebuilt from git (spec 3): the commit and its git2hg
//! note give back the exact Mercurial text.

use super::error::{MetadataError, ResultExt};
use super::state::State;
use super::Result;
use crate::convert::changeset::{ChangesetNote, CommitSignatures};
use crate::hg::HgNode;
use crate::store::commit::parse_commit;
use crate::store::ObjectRead;
use crate::store::Store;

/// Rebuilds the exact text of a known changeset from its commit and note.
pub fn rebuild_changeset(
    store: &mut Store,
    state: &State,
    node: HgNode,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    let commit = state.hg2git(&node).ok_or(MetadataError::Unknown {
        kind: "changeset",
        node,
    })?;
    let note = state.git2hg.get(&commit).ok_or_else(|| {
        super::error::invalid(format!("changeset {node}: commit {commit} has no metadata"))
    })?;
    store.read(&note, scratch)?;
    let note = ChangesetNote::parse(scratch).context_with(|| format!("changeset {node}"))?;
    store.read(&commit, scratch)?;
    let parsed = parse_commit(scratch).context_with(|| format!("commit {commit} is invalid"))?;
    let sigs = CommitSignatures {
        author: parsed.author.to_vec(),
        committer: parsed.committer.to_vec(),
    };
    *out = note.rebuild(&sigs, parsed.message)?;
    Ok(())
}
