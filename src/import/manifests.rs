//! Manifest revisions into manifest commits over `_`-prefixed metadata
//! trees (spec 4.1–4.3). Deltas are applied to the tree of the delta base,
//! and only the directories they touch are written again. The delta bases
//! are planned while the manifests are spooled ([`ManifestImporter::plan`]):
//! a tree is kept exactly until the last delta that names it (trees share
//! their unchanged directories, git subtrees included), and a base from an
//! earlier import is loaded from git once.
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

use std::collections::HashMap;

use super::base_plan::KeptBases;
use super::error::{invalid, Result};

use crate::hg::{HgNode, RevisionChunk};
use crate::metadata::manifest::git_tree::git_tree;
use crate::metadata::manifest::{load_manifest_trees, store_manifest, ManifestTree};
use crate::metadata::State;
use crate::store::{ObjectWrite, Store};

/// Bound on remembered git trees of manifests from earlier imports.
const EARLIER_LIMIT: usize = 1 << 12;

/// Most warnings printed for one manifest.
const WARNINGS: usize = 10;

/// A manifest: its exact tree, and the tree git-cinnabar would store when
/// that lacks lines.
type Trees = (ManifestTree, Option<ManifestTree>);

/// What the manifest import read and kept, for the `stats` log target.
#[derive(Clone, Copy, Debug, Default)]
pub struct ManifestStats {
    /// Manifests whose trees were loaded from git.
    pub loaded: u64,
    /// Most trees kept at once for later deltas.
    pub peak_kept: usize,
}

/// Imports manifest revisions, keeping the trees later deltas need.
#[derive(Default)]
pub struct ManifestImporter {
    bases: KeptBases<Trees>,
    /// Git trees of manifests imported earlier, asked for by changesets.
    earlier: HashMap<HgNode, ObjectId, ahash::RandomState>,
    stats: ManifestStats,
}

impl ManifestImporter {
    /// Starts the plan of a new manifest group.
    pub fn start_group(&mut self) {
        self.bases.clear();
    }

    /// Records that the manifest at `position` of the group is a delta
    /// against `base`.
    pub fn plan(&mut self, position: u32, base: HgNode) {
        self.bases.plan(position, base);
    }

    /// What was read and kept so far.
    pub fn stats(&self) -> ManifestStats {
        self.stats
    }

    /// Imports one manifest revision, at `position` of the planned group
    /// (its files must be imported), and returns the git tree of its
    /// changesets.
    pub fn import(
        &mut self,
        store: &mut Store,
        state: &mut State,
        position: u32,
        rev: &RevisionChunk<'_>,
    ) -> Result<ObjectId> {
        let (node, p1, p2, delta) = (rev.node, rev.p1, rev.p2, rev.delta);
        let (mut tree, lossy_base) = self.base(store, state, rev.delta_base, position)?;
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
        let mut lossy = lossy.map(|(l, _)| l);
        // The git tree is made on the tree that is kept, so that the git
        // subtrees it writes are shared with the manifests built on it.
        let git_root = lossy.as_mut().unwrap_or(&mut tree).root_mut();
        let git = git_tree(store, state, git_root, rev.linknode)?;
        if self.bases.needed_after(&node, position) {
            self.bases.keep(node, (tree, lossy));
            self.stats.peak_kept = self.stats.peak_kept.max(self.bases.len());
        }
        Ok(git)
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
        if let Some(&git) = self.earlier.get(&node) {
            return Ok(git);
        }
        let (mut tree, mut lossy) = self.load(store, state, node)?;
        let git_root = lossy.as_mut().unwrap_or(&mut tree).root_mut();
        let git = git_tree(store, state, git_root, changeset)?;
        if self.earlier.len() >= EARLIER_LIMIT {
            self.earlier.clear();
        }
        self.earlier.insert(node, git);
        Ok(git)
    }

    /// The trees of the delta base of the manifest at `position`: empty
    /// for NULL, a kept one (taken out at its last use), or loaded from
    /// git (and kept when a later delta names it again).
    fn base(
        &mut self,
        store: &mut Store,
        state: &State,
        node: HgNode,
        position: u32,
    ) -> Result<Trees> {
        if node.is_null() {
            return Ok((ManifestTree::new(), None));
        }
        let needed = self.bases.needed_after(&node, position);
        if !needed {
            if let Some(t) = self.bases.take(&node) {
                return Ok(t);
            }
        } else if let Some(t) = self.bases.get(&node) {
            return Ok(t.clone());
        }
        let trees = self.load(store, state, node)?;
        if needed {
            self.bases.keep(node, trees.clone());
            self.stats.peak_kept = self.stats.peak_kept.max(self.bases.len());
        }
        Ok(trees)
    }

    /// Loads a manifest's trees from git.
    fn load(&mut self, store: &mut Store, state: &State, node: HgNode) -> Result<Trees> {
        self.stats.loaded += 1;
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
