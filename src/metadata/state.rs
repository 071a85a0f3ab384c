//! The metadata state an import works on: the id maps, the branch and
//! manifest heads, and what this run added. Loaded from
//! `refs/cinnabar/metadata` and written back as a new metadata commit.

use std::collections::HashMap;

use gix_hash::ObjectId;

use super::idmap::Id20;
use super::notesmap::NotesMap;
use super::replace::ReplaceMap;
use super::Result;
use crate::hg::HgNode;

/// A branch head: a changeset with no child in its branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchHead {
    pub node: HgNode,
    pub branch: Vec<u8>,
    pub commit: ObjectId,
}

/// The parents of a metadata commit, by role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetadataParents {
    pub changesets: ObjectId,
    pub manifests: ObjectId,
    pub hg2git: ObjectId,
    pub git2hg: ObjectId,
    pub files_meta: ObjectId,
}

/// The current metadata commit and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousMetadata {
    pub commit: ObjectId,
    pub tree: ObjectId,
    pub parents: MetadataParents,
    /// The notes trees of the hg2git, git2hg and files-meta commits.
    pub hg2git_tree: ObjectId,
    pub git2hg_tree: ObjectId,
    pub files_meta_tree: ObjectId,
}

/// The state of an import run.
#[derive(Debug, Default)]
pub struct State {
    /// hg node (changeset, manifest or file) → git object.
    pub hg2git: NotesMap<HgNode>,
    /// changeset commit → note blob.
    pub git2hg: NotesMap<ObjectId>,
    /// file node → metadata blob.
    pub files_meta: NotesMap<HgNode>,
    /// Branch heads in the order they were first added.
    pub branch_heads: Vec<BranchHead>,
    /// Manifest commits that are no other manifest commit's parent.
    pub manifest_heads: Vec<ObjectId>,
    /// File blobs no git tree may reach (the file was left out of git's
    /// tree, being both a file and a directory), by file node: kept
    /// reachable as the tree of the manifests commit, which git-cinnabar
    /// always leaves empty and never reads. Empty for every other
    /// repository.
    pub kept_blobs: Vec<(HgNode, ObjectId)>,
    /// Grafted commits and the commits standing for them (spec 2.6).
    pub replace: ReplaceMap,
    /// The metadata this run started from.
    pub previous: Option<PreviousMetadata>,
    /// Manifest → the git tree of an imported changeset of it, for the
    /// parents of this run's changesets imported before: a manifest loaded
    /// back from git reuses the git trees of its unchanged directories
    /// ([`crate::metadata::manifest::seed`]). Not stored.
    pub manifest_git_trees: HashMap<HgNode, ObjectId>,
}

impl State {
    /// The git object of an hg node.
    pub fn hg2git(&self, node: &HgNode) -> Option<ObjectId> {
        self.hg2git.get(node)
    }

    /// Records hg node → git object.
    pub fn set_hg2git(&mut self, node: HgNode, oid: ObjectId) {
        self.hg2git.insert(node, oid);
    }

    /// Records commit → note blob.
    pub fn set_git2hg(&mut self, commit: ObjectId, note: ObjectId) {
        self.git2hg.insert(commit, note);
    }

    /// Keeps the blob of a file node reachable (see `kept_blobs`).
    pub fn keep_blob(&mut self, node: HgNode, blob: ObjectId) {
        if !self.kept_blobs.iter().any(|(n, _)| *n == node) {
            self.kept_blobs.push((node, blob));
        }
    }

    /// Records file node → metadata blob.
    pub fn set_files_meta(&mut self, node: HgNode, blob: ObjectId) {
        self.files_meta.insert(node, blob);
    }

    /// The state once `written` is committed, for a run that goes on (an
    /// import's checkpoint): it becomes the previous metadata, and nothing
    /// is added since.
    pub fn checkpointed(&mut self, written: PreviousMetadata) {
        self.hg2git.clear_added();
        self.git2hg.clear_added();
        self.files_meta.clear_added();
        self.replace.saved();
        self.previous = Some(written);
    }

    /// Reads every note of the three maps into memory (see
    /// [`NotesMap::flatten`]): for what needs a whole map.
    pub fn flatten(&mut self) -> Result<()> {
        self.hg2git.flatten()?;
        self.git2hg.flatten()?;
        self.files_meta.flatten()
    }

    /// Fails with the first error a lazy lookup met reading a notes tree
    /// (it answered "absent"): checked before metadata is written.
    pub fn check_lookups(&self) -> Result<()> {
        self.hg2git.check()?;
        self.git2hg.check()?;
        self.files_meta.check()
    }

    /// Whether anything was added since the state was loaded.
    pub fn is_modified(&self) -> bool {
        !self.hg2git.added().is_empty()
            || !self.git2hg.added().is_empty()
            || self.replace.is_modified()
    }

    /// Adds a changeset to the branch heads: its parents in the same branch
    /// stop being heads.
    pub fn add_branch_head(
        &mut self,
        node: HgNode,
        parents: &[HgNode],
        branch: &[u8],
        commit: ObjectId,
    ) {
        self.branch_heads
            .retain(|h| !(h.branch == branch && parents.contains(&h.node)));
        self.branch_heads.push(BranchHead {
            node,
            branch: branch.to_vec(),
            commit,
        });
    }

    /// Adds a manifest commit to the manifest heads.
    pub fn add_manifest_head(&mut self, commit: ObjectId, parents: &[ObjectId]) {
        self.manifest_heads.retain(|h| !parents.contains(h));
        self.manifest_heads.push(commit);
    }
}

/// The hg node a gitlink entry of a metadata tree stands for.
pub fn node_of(oid: &ObjectId) -> HgNode {
    HgNode(oid.to_bytes())
}

/// The gitlink entry standing for an hg node in a metadata tree.
pub fn gitlink_of(node: &HgNode) -> ObjectId {
    ObjectId::Sha1(node.0)
}
