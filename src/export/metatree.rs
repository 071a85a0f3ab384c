//! Manifest commits seen as a graph, and the changes between manifest
//! metadata trees (the file nodes that differ by path) — what the merge
//! rule and the file groups of a changegroup are computed from.

use std::collections::HashMap;

use gix_hash::ObjectId;

use super::error::{invalid, Result};
use crate::hg::manifest::lines;
use crate::hg::HgNode;
use crate::metadata::manifest::{load_manifest, meta_flag};
use crate::metadata::state::node_of;
use crate::metadata::State;
use crate::store::commit::parse_commit;
use crate::store::tree::{parse_tree, tree_order, Mode};
use crate::store::ObjectRead;
use crate::store::Store;

/// A manifest commit: its parents (manifest commits) and metadata tree.
#[derive(Clone, Debug)]
pub struct ManifestCommit {
    pub parents: Vec<ObjectId>,
    pub tree: ObjectId,
    pub node: HgNode,
}

/// Manifest commits read so far.
#[derive(Default)]
pub struct ManifestGraph {
    commits: HashMap<ObjectId, ManifestCommit>,
}

impl ManifestGraph {
    /// A manifest commit, read once.
    pub fn get(&mut self, store: &mut Store, commit: ObjectId) -> Result<&ManifestCommit> {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.commits.entry(commit) {
            let mut buf = Vec::new();
            store.read(&commit, &mut buf)?;
            let parsed = parse_commit(&buf)
                .map_err(|e| invalid(format!("manifest commit {commit}: {e}")))?;
            let node = HgNode::from_hex(parsed.message)
                .map_err(|_| invalid(format!("manifest commit {commit}: no manifest id")))?;
            let mc = ManifestCommit {
                parents: parsed.parents.clone(),
                tree: parsed.tree,
                node,
            };
            entry.insert(mc);
        }
        self.commits
            .get(&commit)
            .ok_or_else(|| invalid(format!("manifest commit {commit} vanished")))
    }

    /// All ancestors of `start`, itself included.
    fn ancestors(
        &mut self,
        store: &mut Store,
        start: ObjectId,
    ) -> Result<std::collections::HashSet<ObjectId>> {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![start];
        while let Some(c) = stack.pop() {
            if !seen.insert(c) {
                continue;
            }
            stack.extend(self.get(store, c)?.parents.iter().copied());
        }
        Ok(seen)
    }

    /// The commits reachable from exactly one of `a` and `b` (`a...b`),
    /// parents before children.
    pub fn symmetric_difference(
        &mut self,
        store: &mut Store,
        a: ObjectId,
        b: ObjectId,
    ) -> Result<Vec<ObjectId>> {
        let in_a = self.ancestors(store, a)?;
        let in_b = self.ancestors(store, b)?;
        let mut range: Vec<ObjectId> = in_a
            .symmetric_difference(&in_b)
            .copied()
            .collect::<Vec<_>>();
        range.sort();
        let set: std::collections::HashSet<ObjectId> = range.iter().copied().collect();
        // Depth-first post-order from each commit: parents come first.
        let mut done = std::collections::HashSet::new();
        let mut order = Vec::with_capacity(range.len());
        for start in range {
            let mut stack = vec![(start, false)];
            while let Some((c, expanded)) = stack.pop() {
                if expanded {
                    if done.insert(c) {
                        order.push(c);
                    }
                    continue;
                }
                if done.contains(&c) {
                    continue;
                }
                stack.push((c, true));
                let parents = self.get(store, c)?.parents.clone();
                for p in parents.into_iter().rev() {
                    if set.contains(&p) && !done.contains(&p) {
                        stack.push((p, false));
                    }
                }
            }
        }
        Ok(order)
    }
}

/// A changed path between two metadata trees: its node before and after
/// (`None` when absent).
pub type Change = (Vec<u8>, Option<HgNode>, Option<HgNode>);

/// The paths whose file node differs between metadata trees `a` (none:
/// empty) and `b`, in path order. Flag-only changes are not reported.
pub fn diff_trees(
    store: &mut Store,
    a: Option<ObjectId>,
    b: Option<ObjectId>,
) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    diff_dir(store, a, b, &mut Vec::new(), &mut out)?;
    Ok(out)
}

struct MetaEntry {
    name: Vec<u8>,
    mode: Mode,
    oid: ObjectId,
}

fn read_entries(store: &mut Store, tree: Option<ObjectId>) -> Result<Vec<MetaEntry>> {
    let Some(tree) = tree else {
        return Ok(Vec::new());
    };
    let mut buf = Vec::new();
    store.read(&tree, &mut buf)?;
    let mut out = Vec::new();
    for e in parse_tree(&buf) {
        let e = e.map_err(|e| invalid(format!("manifest tree {tree}: {e}")))?;
        out.push(MetaEntry {
            name: e.name.to_vec(),
            mode: e.mode,
            oid: e.oid,
        });
    }
    Ok(out)
}

fn diff_dir(
    store: &mut Store,
    a: Option<ObjectId>,
    b: Option<ObjectId>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<Change>,
) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let ea = read_entries(store, a)?;
    let eb = read_entries(store, b)?;
    let (mut i, mut j) = (0, 0);
    while i < ea.len() || j < eb.len() {
        let ord = match (ea.get(i), eb.get(j)) {
            (Some(x), Some(y)) => tree_order(&x.name, x.mode, &y.name, y.mode),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (x, y) = match ord {
            std::cmp::Ordering::Less => {
                i += 1;
                (ea.get(i - 1), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, eb.get(j - 1))
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (ea.get(i - 1), eb.get(j - 1))
            }
        };
        let Some(e) = x.or(y) else { break };
        let name = e.name.strip_prefix(b"_").unwrap_or(&e.name);
        let base = prefix.len();
        prefix.extend_from_slice(name);
        if e.mode.is_dir() {
            prefix.push(b'/');
            diff_dir(store, x.map(|e| e.oid), y.map(|e| e.oid), prefix, out)?;
        } else {
            let node = |e: Option<&MetaEntry>| {
                e.filter(|e| meta_flag(e.mode).is_some())
                    .map(|e| node_of(&e.oid))
            };
            let (na, nb) = (node(x), node(y));
            if na != nb {
                out.push((prefix.clone(), na, nb));
            }
        }
        prefix.truncate(base);
    }
    Ok(())
}

/// A file revision a manifest introduces: path, node, parents.
pub type FileChange = (Vec<u8>, HgNode, [HgNode; 2]);

/// The file changes a manifest commit brings (git-cinnabar's
/// `get_changes`): every file of a root; for one parent, the nodes that
/// differ (with the old node as parent; deletions are left out); for a
/// merge, only the paths differing from both parents, with both old
/// nodes as parents.
pub fn manifest_changes(
    store: &mut Store,
    graph: &mut ManifestGraph,
    commit: ObjectId,
) -> Result<Vec<FileChange>> {
    let mc = graph.get(store, commit)?.clone();
    let parent_tree =
        |graph: &mut ManifestGraph, store: &mut Store, i: usize| -> Result<Option<ObjectId>> {
            match mc.parents.get(i) {
                Some(p) => Ok(Some(graph.get(store, *p)?.tree)),
                None => Ok(None),
            }
        };
    let null = HgNode::NULL;
    match mc.parents.len() {
        0 | 1 => {
            let pa = parent_tree(graph, store, 0)?;
            Ok(diff_trees(store, pa, Some(mc.tree))?
                .into_iter()
                .filter_map(|(path, old, new)| new.map(|n| (path, n, [old.unwrap_or(null), null])))
                .collect())
        }
        _ => {
            let pa = parent_tree(graph, store, 0)?;
            let pb = parent_tree(graph, store, 1)?;
            let da = diff_trees(store, pa, Some(mc.tree))?;
            let db = diff_trees(store, pb, Some(mc.tree))?;
            let mut out = Vec::new();
            let mut j = 0;
            for (path, old_a, new) in da {
                while j < db.len() && db[j].0 < path {
                    j += 1;
                }
                if let (Some(n), Some((_, old_b, _))) = (new, db.get(j).filter(|d| d.0 == path)) {
                    out.push((path, n, [old_a.unwrap_or(null), old_b.unwrap_or(null)]));
                }
            }
            Ok(out)
        }
    }
}

/// Whether a manifest's metadata tree lacks lines (a path both a file and
/// a directory): then its git tree, or a parent's, cannot tell its file
/// changes, and [`exact_manifest_changes`] must.
pub fn is_lossy(state: &State, node: &HgNode) -> bool {
    !node.is_null() && state.files_meta.get(node).is_some()
}

/// [`manifest_changes`] computed from the exact manifest texts of `node`
/// and its `parents` (lines a metadata tree lacks included): for
/// manifests where [`is_lossy`] holds for it or a parent.
pub fn exact_manifest_changes(
    store: &mut Store,
    state: &State,
    node: HgNode,
    parents: [HgNode; 2],
) -> Result<Vec<FileChange>> {
    let mut olds: Vec<HashMap<Vec<u8>, HgNode>> = Vec::new();
    for p in parents.iter().filter(|p| !p.is_null()) {
        let text = load_manifest(store, state, *p)?.text();
        let mut map = HashMap::new();
        for line in lines(&text) {
            let line = line?;
            map.insert(line.path.to_vec(), line.node);
        }
        olds.push(map);
    }
    let text = load_manifest(store, state, node)?.text();
    let mut out = Vec::new();
    for line in lines(&text) {
        let line = line?;
        let old: Vec<Option<HgNode>> = olds.iter().map(|m| m.get(line.path).copied()).collect();
        if old.iter().all(|o| *o != Some(line.node)) {
            let parent = |i: usize| old.get(i).copied().flatten().unwrap_or(HgNode::NULL);
            out.push((line.path.to_vec(), line.node, [parent(0), parent(1)]));
        }
    }
    Ok(out)
}
