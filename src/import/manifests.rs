//! Manifest revisions into manifest commits over `_`-prefixed metadata
//! trees (spec 4.1–4.3). Deltas are applied to the tree of the delta base,
//! and only the directories they touch are written again.
//!
//! A manifest where a path is both a file and a directory is stored the
//! way git-cinnabar stores it (its metadata tree edited with fast-import's
//! rules, which loses lines, and the git tree made from that), plus the
//! lost lines in the files-meta notes under the manifest node (see
//! [`crate::metadata::manifest`]), with a warning. Later manifests of the
//! same delta chain keep following git-cinnabar's tree until it holds
//! every line again.

use gix::object::Kind;
use gix_hash::ObjectId;

use super::error::{invalid, Result};

use crate::hg::{HgNode, RevisionChunk};
use crate::metadata::manifest::git_tree::git_tree;
use crate::metadata::manifest::{load_manifest_trees, store_manifest, ManifestTree};
use crate::metadata::State;
use crate::store::{ObjectWrite, Store};

/// How many recent manifest trees are kept as possible delta bases.
const RECENT: usize = 32;

/// Most warnings printed for one manifest.
const WARNINGS: usize = 10;

/// A manifest: its exact tree, and the tree git-cinnabar would store when
/// that lacks lines.
type Trees = (ManifestTree, Option<ManifestTree>);

/// Imports manifest revisions, keeping recent trees for the next deltas.
#[derive(Default)]
pub struct ManifestImporter {
    recent: Vec<(HgNode, Trees)>,
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
        let (mut tree, lossy_base) = self.tree_of(store, state, rev.delta_base)?;
        let following = lossy_base.is_some();
        let base = lossy_base.unwrap_or_else(|| tree.clone());
        let applied = tree.apply_delta(node, delta)?;
        let actual = tree.node(&p1, &p2);
        if actual != node {
            return Err(crate::hg::FormatError::NodeMismatch {
                kind: "manifest",
                node,
                actual,
            }
            .into());
        }
        // git-cinnabar's tree, with the lines it lacks, when it differs.
        let mut lossy = None;
        if following || applied.clash {
            let mut l = base;
            l.apply_as_fast_import(node, &applied.removed, delta)?;
            let missing = tree.lines_missing_from(&l).ok_or_else(|| {
                invalid(format!(
                    "manifest {node}: the fast-import tree holds a line the manifest lacks"
                ))
            })?;
            if !missing.is_empty() {
                lossy = Some((l, missing));
            }
        }
        if state.hg2git(&node).is_none() {
            let meta_tree = match &mut lossy {
                Some((l, _)) => l,
                None => &mut tree,
            };
            store_manifest(store, state, node, meta_tree, [p1, p2])?;
            if let Some((l, missing)) = &lossy {
                let blob = store.write(Kind::Blob, missing)?;
                state.set_files_meta(node, blob);
                for line in crate::hg::manifest::lines(missing) {
                    let line = line?;
                    if let Some(blob) = state.hg2git(&line.node) {
                        state.keep_blob(line.node, blob);
                    }
                }
                warn_lost(l, missing, rev.linknode);
            }
        }
        let lossy = lossy.map(|(l, _)| l);
        let (tree, lossy) = self.remember(node, (tree, lossy));
        let git_root = lossy.as_mut().unwrap_or(tree).root_mut();
        Ok(git_tree(store, state, git_root, rev.linknode)?)
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
        let trees = self.tree_of(store, state, node)?;
        let (tree, lossy) = self.remember(node, trees);
        let git_root = lossy.as_mut().unwrap_or(tree).root_mut();
        Ok(git_tree(store, state, git_root, changeset)?)
    }

    /// Keeps a manifest's trees as a possible delta base; returns them.
    fn remember(&mut self, node: HgNode, trees: Trees) -> &mut Trees {
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push((node, trees));
        &mut self.recent.last_mut().unwrap().1
    }

    /// The tree of a manifest: empty for NULL, a recent one, or loaded
    /// from git.
    fn tree_of(&mut self, store: &mut Store, state: &State, node: HgNode) -> Result<Trees> {
        if node.is_null() {
            return Ok((ManifestTree::new(), None));
        }
        if let Some((_, t)) = self.recent.iter().rev().find(|(n, _)| *n == node) {
            return Ok(t.clone());
        }
        Ok(load_manifest_trees(store, state, node)?)
    }
}

/// Warns of the manifest lines git's tree lacks, saying what it has
/// there instead.
fn warn_lost(lossy: &ManifestTree, missing: &[u8], changeset: HgNode) {
    let lines: Vec<&[u8]> = missing.split_inclusive(|&b| b == b'\n').collect();
    for line in lines.iter().take(WARNINGS) {
        let path = line.split(|&b| b == 0).next().unwrap_or(line);
        eprintln!(
            "warning: changeset {changeset}: file {:?} is left out of git's tree, which has {} \
             there (a path was both a file and a directory, here or in a parent manifest; the \
             Mercurial data is kept exact)",
            String::from_utf8_lossy(path),
            lossy.describe(path)
        );
    }
    if lines.len() > WARNINGS {
        eprintln!(
            "warning: changeset {changeset}: {} more paths are missing from git's tree",
            lines.len() - WARNINGS
        );
    }
}
