//! The changeset graph of the metadata: parents through the git commits'
//! parents and their notes, as discovery walks it.

use super::state::State;
use crate::convert::changeset::ChangesetNote;
use crate::hg::HgNode;
use crate::store::ObjectRead;
use crate::store::Store;
use crate::wire::discovery::LocalHistory;

/// The imported changesets, seen as a graph.
pub struct ChangesetGraph<'a> {
    pub store: &'a mut Store,
    pub state: &'a State,
}

impl ChangesetGraph<'_> {
    /// The hg parents of an imported changeset, through its git commit's
    /// parents and their notes.
    fn changeset_parents(&mut self, node: &HgNode) -> Vec<HgNode> {
        let Some(commit) = self.state.hg2git(node) else {
            return Vec::new();
        };
        let mut buf = Vec::new();
        if self.store.read(&commit, &mut buf).is_err() {
            return Vec::new();
        }
        let parents = match crate::store::parse_commit(&buf) {
            Ok(c) => c.parents,
            Err(_) => return Vec::new(),
        };
        let mut result = Vec::new();
        for parent in parents {
            let parent = self.state.replace.lookup(&parent);
            let Some(note) = self.state.git2hg.get(&parent) else {
                continue;
            };
            if self.store.read(&note, &mut buf).is_err() {
                continue;
            }
            if let Ok(n) = ChangesetNote::parse(&buf) {
                result.push(n.changeset);
            }
        }
        result
    }
}

impl LocalHistory for ChangesetGraph<'_> {
    fn contains(&self, node: &HgNode) -> bool {
        self.state.hg2git(node).is_some()
    }

    fn heads(&self) -> Vec<HgNode> {
        self.state.branch_heads.iter().map(|h| h.node).collect()
    }

    fn parents(&mut self, node: &HgNode) -> Vec<HgNode> {
        self.changeset_parents(node)
    }
}
