//! Manifest revisions into manifest commits over `_`-prefixed metadata
//! trees (spec 4.1–4.3). Deltas are applied to the tree of the delta base,
//! and only the directories they touch are written again.

use super::error::Result;
use gix_hash::ObjectId;

use crate::hg::{HgNode, RevisionChunk};
use crate::metadata::manifest::git_tree::git_tree;
use crate::metadata::manifest::{load_manifest, store_manifest, ManifestTree};
use crate::metadata::State;
use crate::store::Store;

/// How many recent manifest trees are kept as possible delta bases.
const RECENT: usize = 32;

/// Imports manifest revisions, keeping recent trees for the next deltas.
#[derive(Default)]
pub struct ManifestImporter {
    recent: Vec<(HgNode, ManifestTree)>,
}

impl ManifestImporter {
    /// Imports one manifest revision (its files must be imported) and
    /// returns the git tree of its changesets.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        rev: &RevisionChunk<'_>,
    ) -> Result<ObjectId> {
        let (node, p1, p2, delta) = (rev.node, rev.p1, rev.p2, rev.delta);
        let mut tree = self.tree_of(store, state, rev.delta_base)?;
        tree.apply_delta(node, delta)?;
        let actual = tree.node(&p1, &p2);
        if actual != node {
            return Err(crate::hg::FormatError::NodeMismatch {
                kind: "manifest",
                node,
                actual,
            }
            .into());
        }
        store_manifest(store, state, node, &mut tree, [p1, p2])?;
        let git_tree = git_tree(store, state, tree.root_mut(), rev.linknode)?;
        self.remember(node, tree);
        Ok(git_tree)
    }

    /// The git tree of a manifest imported earlier (not in this
    /// changegroup), for changeset `changeset`.
    pub fn git_tree_of(
        &mut self,
        store: &mut Store,
        state: &State,
        node: HgNode,
        changeset: HgNode,
    ) -> Result<ObjectId> {
        let mut tree = self.tree_of(store, state, node)?;
        let id = git_tree(store, state, tree.root_mut(), changeset)?;
        self.remember(node, tree);
        Ok(id)
    }

    fn remember(&mut self, node: HgNode, tree: ManifestTree) {
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push((node, tree));
    }

    /// The tree of a manifest: empty for NULL, a recent one, or loaded
    /// from git.
    fn tree_of(&mut self, store: &mut Store, state: &State, node: HgNode) -> Result<ManifestTree> {
        if node.is_null() {
            return Ok(ManifestTree::new());
        }
        if let Some((_, t)) = self.recent.iter().rev().find(|(n, _)| *n == node) {
            return Ok(t.clone());
        }
        Ok(load_manifest(store, state, node)?)
    }
}
