//! The changeset of a converted commit (spec 7, "Changeset"): its note
//! (manifest, files, `branch` and `git_commit` extra), its text rebuilt from
//! the commit as any stored changeset is (spec 3.7), its node, and the
//! metadata entries that map both ways.

use gix::object::Kind;
use gix_hash::ObjectId;

use super::error::{invalid, ExportError, Result};
use crate::convert::changeset::{ChangesetNote, CommitSignatures};
use crate::hg::changeset::{parse_extra, serialize_extra, ExtraItem};
use crate::hg::HgNode;
use crate::metadata::State;
use crate::store::commit::parse_commit;
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};

/// What the conversion needs of a git commit.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub sigs: CommitSignatures,
    /// Names of headers git-cinnabar does not reproduce (`gpgsig`,
    /// `encoding`, `mergetag`…).
    pub extra_headers: Vec<String>,
    pub message: Vec<u8>,
}

impl CommitInfo {
    /// Reads and parses a commit.
    pub fn read(store: &mut Store, commit: &ObjectId, buf: &mut Vec<u8>) -> Result<CommitInfo> {
        store.read(commit, buf)?;
        let parsed =
            parse_commit(buf).map_err(|e| invalid(format!("commit {commit} is invalid: {e}")))?;
        Ok(CommitInfo {
            tree: parsed.tree,
            parents: parsed.parents.clone(),
            sigs: CommitSignatures {
                author: parsed.author.to_vec(),
                committer: parsed.committer.to_vec(),
            },
            extra_headers: parsed
                .extra_headers
                .iter()
                .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
                .collect(),
            message: parsed.message.to_vec(),
        })
    }
}

/// What the metadata says of a converted commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangesetInfo {
    pub node: HgNode,
    pub manifest: HgNode,
    /// The `branch` extra value (still escaped), if any.
    pub branch: Option<Vec<u8>>,
}

/// The changeset of a commit known to the metadata, from its note.
pub fn known_changeset(
    store: &mut Store,
    state: &State,
    commit: &ObjectId,
    buf: &mut Vec<u8>,
) -> Result<Option<ChangesetInfo>> {
    // A grafted commit stands in the metadata as its replacement.
    let commit = &state.replace.lookup(commit);
    let Some(note) = state.git2hg.get(commit) else {
        return Ok(None);
    };
    store.read(&note, buf)?;
    let note = ChangesetNote::parse(buf)?;
    let branch = note.extra.as_deref().and_then(|e| {
        parse_extra(e)
            .into_iter()
            .find(|i| i.key == b"branch")
            .map(|i| i.value.to_vec())
    });
    Ok(Some(ChangesetInfo {
        node: note.changeset,
        manifest: note.manifest,
        branch,
    }))
}

/// What a new changeset is made of.
pub struct NewChangeset<'a> {
    pub commit: ObjectId,
    pub info: &'a CommitInfo,
    pub manifest: HgNode,
    /// The files list (any order; the text lists them sorted).
    pub files: Vec<Vec<u8>>,
    pub parents: [HgNode; 2],
    /// The branch (escaped), inherited from the first parent.
    pub branch: Option<Vec<u8>>,
    /// Whether to add the `git_commit` extra.
    pub git_commit: bool,
}

/// Creates the changeset of a commit and records it: hg2git, the git2hg
/// note, and the branch heads. Returns its node.
pub fn create_changeset(
    store: &mut Store,
    state: &mut State,
    new: NewChangeset<'_>,
) -> Result<HgNode> {
    let commit_hex = new.commit.to_string();
    let mut items = Vec::new();
    if let Some(b) = &new.branch {
        items.push(ExtraItem {
            key: b"branch",
            value: b,
        });
    }
    if new.git_commit {
        items.push(ExtraItem {
            key: b"git_commit",
            value: commit_hex.as_bytes(),
        });
    }
    let extra = (!items.is_empty()).then(|| {
        let mut out = Vec::new();
        serialize_extra(&mut items, &mut out);
        out
    });
    let mut note = ChangesetNote {
        changeset: HgNode::NULL,
        manifest: new.manifest,
        author: None,
        extra,
        files: (!new.files.is_empty()).then_some(new.files),
        patch: None,
    };
    let text = note.rebuild(&new.info.sigs, &new.info.message)?;
    let node = HgNode::hash(&new.parents[0], &new.parents[1], &text);
    note.changeset = node;
    if let Some(other) = state.hg2git(&node).filter(|c| *c != new.commit) {
        // Data Mercurial does not keep (an extra header) is all that
        // differs: both commits would be the same changeset.
        return Err(ExportError::SameChangeset {
            commit: new.commit,
            other,
            node,
        });
    }
    let blob = store.write(Kind::Blob, &note.serialize())?;
    state.set_hg2git(node, new.commit);
    state.set_git2hg(new.commit, blob);
    let parents: Vec<HgNode> = new
        .parents
        .iter()
        .filter(|p| !p.is_null())
        .copied()
        .collect();
    let branch = new.branch.as_deref().unwrap_or(b"default");
    state.add_branch_head(node, &parents, branch, new.commit);
    Ok(node)
}
