//! Merge commits (spec 7, "Merge"): when both parents have the same
//! manifest, the one-parent rule; otherwise each file of the merge's tree
//! gets its parents from the two parent manifests, an ancestry check in
//! the file's history deciding between them.

use std::collections::{HashMap, HashSet};

use gix_hash::ObjectId;

use super::changeset::{ChangesetInfo, CommitInfo};
use super::error::{invalid, Result};
use super::files::create_file;
use super::metatree::{manifest_changes, ManifestGraph};
use super::simple::{check_mode, tree_files, TreeFile};
use super::Exporter;
use crate::hg::manifest::Flag;
use crate::hg::HgNode;
use crate::metadata::manifest::{store_manifest, ManifestTree};
use crate::store::object::empty_blob;

/// What merges keep between commits.
#[derive(Default)]
pub struct MergeCache {
    pub graph: ManifestGraph,
}

/// The history of one path among the manifests of a merge's two sides:
/// each file node with its parents.
#[derive(Default)]
struct FileDag {
    parents: HashMap<HgNode, Vec<HgNode>>,
}

impl FileDag {
    fn add(&mut self, node: HgNode, parents: &[HgNode]) {
        for p in parents {
            self.parents.entry(*p).or_default();
        }
        self.parents.entry(node).or_insert_with(|| parents.to_vec());
    }

    /// Whether `a` is `b` or one of its ancestors.
    fn is_ancestor(&self, a: HgNode, b: HgNode) -> bool {
        if !self.parents.contains_key(&b) {
            return false;
        }
        let mut seen = HashSet::new();
        let mut stack = vec![b];
        while let Some(n) = stack.pop() {
            if n == a {
                return true;
            }
            if seen.insert(n) {
                if let Some(ps) = self.parents.get(&n) {
                    stack.extend(ps.iter().copied());
                }
            }
        }
        false
    }
}

/// A manifest entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Line {
    node: HgNode,
    flag: Flag,
}

fn lines(tree: &ManifestTree) -> Vec<(Vec<u8>, Line)> {
    let mut out = Vec::new();
    tree.for_each_line(&mut |l| {
        out.push((
            l.path.to_vec(),
            Line {
                node: l.node,
                flag: l.flag,
            },
        ))
    });
    out
}

impl Exporter {
    /// A two-parent commit.
    pub(super) fn merge_changeset(
        &mut self,
        commit: ObjectId,
        info: &CommitInfo,
        p1: ChangesetInfo,
        p2: ChangesetInfo,
    ) -> Result<HgNode> {
        let (manifest, files) = if p1.manifest == p2.manifest {
            self.simple_manifest(commit, info.parents[0], &p1)?
        } else {
            self.merge_manifest(commit, info, &p1, &p2)?
        };
        self.finish_changeset(commit, info, manifest, files, &[p1, p2])
    }

    /// The file histories of the manifests on either side of a merge.
    fn file_dags(&mut self, m1: HgNode, m2: HgNode) -> Result<HashMap<Vec<u8>, FileDag>> {
        let c1 = self.manifest_commit(m1)?;
        let c2 = self.manifest_commit(m2)?;
        let graph = &mut self.merges.graph;
        let range = graph.symmetric_difference(&mut self.store, c1, c2)?;
        let mut dags: HashMap<Vec<u8>, FileDag> = HashMap::new();
        for c in range {
            for (path, node, parents) in manifest_changes(&mut self.store, graph, c)? {
                let parents: Vec<HgNode> = parents.into_iter().filter(|p| !p.is_null()).collect();
                dags.entry(path).or_default().add(node, &parents);
            }
        }
        Ok(dags)
    }

    fn manifest_commit(&self, node: HgNode) -> Result<ObjectId> {
        self.state
            .hg2git(&node)
            .ok_or_else(|| invalid(format!("manifest {node} is unknown")))
    }

    fn merge_manifest(
        &mut self,
        commit: ObjectId,
        info: &CommitInfo,
        p1: &ChangesetInfo,
        p2: &ChangesetInfo,
    ) -> Result<(HgNode, Vec<Vec<u8>>)> {
        let mut dags = self.file_dags(p1.manifest, p2.manifest)?;
        let files = tree_files(&mut self.store, commit, info.tree)?;
        let m1_tree = self.manifest_tree(p1.manifest)?;
        let m2_tree = self.manifest_tree(p2.manifest)?;
        let l1 = lines(&m1_tree);
        let l2 = lines(&m2_tree);

        let mut tree = ManifestTree::new();
        let mut paths = Vec::new();
        let mut buf = Vec::new();
        let (mut i, mut j, mut k) = (0, 0, 0);
        loop {
            // The smallest path among the three sorted lists.
            let path = [
                files.get(i).map(|f| &f.path),
                l1.get(j).map(|l| &l.0),
                l2.get(k).map(|l| &l.0),
            ]
            .into_iter()
            .flatten()
            .min()
            .cloned();
            let Some(path) = path else { break };
            let file: Option<&TreeFile> = files.get(i).filter(|f| f.path == path);
            let a = l1.get(j).filter(|l| l.0 == path).map(|l| l.1);
            let b = l2.get(k).filter(|l| l.0 == path).map(|l| l.1);
            i += usize::from(file.is_some());
            j += usize::from(a.is_some());
            k += usize::from(b.is_some());
            let Some(file) = file else {
                // Removed: listed when it was in the first parent.
                if a.is_some() {
                    paths.push(path);
                }
                continue;
            };
            let flag = check_mode(commit, &file.path, file.mode)?;
            let parents: Vec<HgNode> = match (a, b) {
                (None, None) => Vec::new(),
                (Some(a), None) => vec![a.node],
                (None, Some(b)) => vec![b.node],
                (Some(a), Some(b)) if a.node == b.node => vec![a.node],
                (Some(a), Some(b)) => match dags.remove(&path) {
                    Some(dag) if dag.is_ancestor(a.node, b.node) => vec![b.node],
                    Some(dag) if dag.is_ancestor(b.node, a.node) => vec![a.node],
                    _ => vec![a.node, b.node],
                },
            };
            let unchanged = parents.len() == 1 && {
                let p = parents[0];
                (p == HgNode::EMPTY_FILE && file.oid == empty_blob())
                    || self.state.hg2git(&p) == Some(file.oid)
            };
            let node = if unchanged {
                parents[0]
            } else {
                create_file(
                    &mut self.store,
                    &mut self.state,
                    file.oid,
                    &parents,
                    &mut buf,
                )?
            };
            tree.insert(&path, node, flag);
            if !unchanged || a.is_some_and(|a| a.flag != flag) {
                paths.push(path);
            }
        }
        if tree.text() == m1_tree.text() {
            return Ok((p1.manifest, Vec::new()));
        }
        let node = tree.node(&p1.manifest, &p2.manifest);
        store_manifest(
            &mut self.store,
            &mut self.state,
            node,
            &mut tree,
            [p1.manifest, p2.manifest],
        )?;
        self.remember(node, tree);
        Ok((node, paths))
    }
}
