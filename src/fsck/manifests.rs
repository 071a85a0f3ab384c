//! Manifest checks: each manifest commit is named by hg2git, its tree is a
//! valid `_`-prefixed metadata tree whose leaves are known file revisions,
//! and the text rebuilt from it hashes to its node. In full mode the
//! parents are walked too, and the file revisions each manifest introduces
//! are sent to the file checker.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use gix_hash::ObjectId;

use super::error::Result;
use super::files::FileJob;
use super::Context;
use crate::hg::node::NodeHasher;
use crate::hg::HgNode;
use crate::metadata::manifest::meta_flag;
use crate::metadata::state::node_of;
use crate::store::commit::parse_commit;
use crate::store::tree::{parse_tree, Mode};
use crate::store::ObjectRead;
use crate::store::Store;

/// What the manifest pass found.
#[derive(Default)]
pub struct Outcome {
    pub checked: usize,
    pub problems: Vec<String>,
}

/// Bytes of subtree texts kept for reuse between manifests.
const CACHE_BYTES: usize = 64 << 20;

/// Subtree texts by (tree, path prefix).
type TextCache = HashMap<(ObjectId, Box<[u8]>), Arc<[u8]>, ahash::RandomState>;

struct Checker<'a, 'c> {
    store: &'a mut Store,
    ctx: &'a Context<'c>,
    /// Text of a subtree at a path, for unchanged directories.
    cache: TextCache,
    cache_bytes: usize,
    buf: Vec<u8>,
}

/// Checks the manifest commits received, and (with `files`) their
/// ancestors and the file revisions they introduce, spread over the file
/// workers by node.
pub fn check(
    store: &mut Store,
    ctx: &Context<'_>,
    commits: Receiver<ObjectId>,
    files: Option<&[SyncSender<FileJob>]>,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    let mut checker = Checker {
        store,
        ctx,
        cache: HashMap::default(),
        cache_bytes: 0,
        buf: Vec::new(),
    };
    let mut seen: HashSet<ObjectId, ahash::RandomState> = HashSet::default();
    let mut stack = Vec::new();
    for commit in commits {
        stack.push(commit);
        while let Some(commit) = stack.pop() {
            if !seen.insert(commit) {
                continue;
            }
            out.checked += 1;
            match checker.check_one(commit, files) {
                Ok(parents) => {
                    if files.is_some() {
                        stack.extend(parents);
                    }
                }
                Err(problem) => out.problems.push(problem),
            }
        }
    }
    out.problems.sort();
    Ok(out)
}

impl Checker<'_, '_> {
    /// Checks one manifest commit; returns its parents.
    fn check_one(
        &mut self,
        commit: ObjectId,
        files: Option<&[SyncSender<FileJob>]>,
    ) -> Result<Vec<ObjectId>, String> {
        let what = |node: Option<HgNode>| match node {
            Some(n) => format!("manifest {n} (commit {commit})"),
            None => format!("manifest commit {commit}"),
        };
        let mut buf = std::mem::take(&mut self.buf);
        self.store
            .read(&commit, &mut buf)
            .map_err(|e| format!("{}: cannot read: {e}", what(None)))?;
        let parsed = parse_commit(&buf).map_err(|e| format!("{}: {e}", what(None)))?;
        let node = HgNode::from_hex(parsed.message)
            .map_err(|_| format!("{}: its message is not a manifest id", what(None)))?;
        let what = what(Some(node));
        match self.ctx.state.hg2git(&node) {
            Some(c) if c == commit => {}
            Some(c) => return Err(format!("{what}: hg2git maps it to {c}")),
            None => return Err(format!("{what}: missing from hg2git")),
        }
        let tree = parsed.tree;
        let parent_commits = parsed.parents.clone();
        self.buf = buf;
        let mut parents = [HgNode::NULL; 2];
        let mut parent_trees = [None, None];
        for (i, p) in parent_commits.iter().enumerate().take(2) {
            let Some(h) = self.ctx.git_to_hg.get(p) else {
                return Err(format!("{what}: parent commit {p} is not a known manifest"));
            };
            parents[i] = *h;
            let mut pbuf = Vec::new();
            self.store
                .read(p, &mut pbuf)
                .map_err(|e| format!("{what}: cannot read parent {p}: {e}"))?;
            parent_trees[i] = Some(
                parse_commit(&pbuf)
                    .map_err(|e| format!("{what}: parent {p}: {e}"))?
                    .tree,
            );
        }
        let mut text = Vec::new();
        self.dir_text(&tree, &mut Vec::new(), &mut text)
            .map_err(|e| format!("{what}: {e}"))?;
        let mut hasher = NodeHasher::new(&parents[0], &parents[1]);
        hasher.update(&text);
        let actual = hasher.finish();
        if actual != node {
            return Err(format!("{what}: the rebuilt text hashes to {actual}"));
        }
        if let Some(files) = files {
            let mut changed = Vec::new();
            self.diff(
                &tree,
                parent_trees[0].as_ref(),
                &mut Vec::new(),
                &mut changed,
            )
            .map_err(|e| format!("{what}: {e}"))?;
            for (path, new, old) in changed {
                let p2 = match &parent_trees[1] {
                    Some(t) => self.lookup(t, &path).unwrap_or(HgNode::NULL),
                    None => HgNode::NULL,
                };
                if new == p2 {
                    continue;
                }
                let job = FileJob {
                    node: new,
                    p1: old,
                    p2,
                    path,
                    manifest: node,
                };
                // A node always goes to the same worker.
                let worker = &files[usize::from(new.0[0]) % files.len()];
                if worker.send(job).is_err() {
                    break;
                }
            }
        }
        Ok(parent_commits)
    }

    fn read_tree(&mut self, tree: &ObjectId) -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        self.store
            .read(tree, &mut buf)
            .map_err(|e| format!("cannot read tree {tree}: {e}"))?;
        Ok(buf)
    }

    /// Appends the manifest lines of a metadata tree, validating it.
    fn dir_text(
        &mut self,
        tree: &ObjectId,
        prefix: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let data = self.read_tree(tree)?;
        for entry in parse_tree(&data) {
            let entry = entry.map_err(|e| format!("tree {tree}: {e}"))?;
            let Some(name) = entry.name.strip_prefix(b"_") else {
                return Err(format!(
                    "tree {tree}: entry {:?} lacks the `_` prefix",
                    String::from_utf8_lossy(entry.name)
                ));
            };
            let base = prefix.len();
            prefix.extend_from_slice(name);
            let flag: &[u8] = match entry.mode {
                Mode::DIR => {
                    prefix.push(b'/');
                    let key = (entry.oid, prefix.clone().into_boxed_slice());
                    if let Some(text) = self.cache.get(&key) {
                        out.extend_from_slice(text);
                    } else {
                        let mut sub = Vec::new();
                        self.dir_text(&entry.oid, prefix, &mut sub)?;
                        out.extend_from_slice(&sub);
                        if self.cache_bytes > CACHE_BYTES {
                            self.cache.clear();
                            self.cache_bytes = 0;
                        }
                        self.cache_bytes += sub.len();
                        self.cache.insert(key, sub.into());
                    }
                    prefix.truncate(base);
                    continue;
                }
                other => match meta_flag(other) {
                    Some(flag) => flag.as_bytes(),
                    None => {
                        return Err(format!(
                            "tree {tree}: entry {:?} has mode {other}",
                            String::from_utf8_lossy(prefix)
                        ))
                    }
                },
            };
            let file = node_of(&entry.oid);
            if file != HgNode::EMPTY_FILE && self.ctx.state.hg2git(&file).is_none() {
                return Err(format!(
                    "file {file} ({}) is missing from hg2git",
                    String::from_utf8_lossy(prefix)
                ));
            }
            out.extend_from_slice(prefix);
            out.push(0);
            file.write_hex(out);
            out.extend_from_slice(flag);
            out.push(b'\n');
            prefix.truncate(base);
        }
        Ok(())
    }

    /// The file entries of `new` that differ from `old`, with the node
    /// they had in `old` (NULL when absent).
    fn diff(
        &mut self,
        new: &ObjectId,
        old: Option<&ObjectId>,
        prefix: &mut Vec<u8>,
        out: &mut Vec<(Vec<u8>, HgNode, HgNode)>,
    ) -> Result<(), String> {
        if old == Some(new) {
            return Ok(());
        }
        let old_data = match old {
            Some(o) => self.read_tree(o)?,
            None => Vec::new(),
        };
        let mut old_entries: HashMap<Vec<u8>, (Mode, ObjectId)> = HashMap::new();
        for e in parse_tree(&old_data) {
            let e = e.map_err(|e| e.to_string())?;
            old_entries.insert(e.name.to_vec(), (e.mode, e.oid));
        }
        let data = self.read_tree(new)?;
        for e in parse_tree(&data) {
            let e = e.map_err(|e| e.to_string())?;
            let previous = old_entries.get(e.name).copied();
            if previous == Some((e.mode, e.oid)) {
                continue;
            }
            let base = prefix.len();
            prefix.extend_from_slice(e.name.strip_prefix(b"_").unwrap_or(e.name));
            if e.mode == Mode::DIR {
                prefix.push(b'/');
                let old_dir = previous.filter(|(m, _)| *m == Mode::DIR).map(|(_, o)| o);
                self.diff(&e.oid, old_dir.as_ref(), prefix, out)?;
            } else {
                let old_node = previous
                    .filter(|(m, _)| *m != Mode::DIR)
                    .map(|(_, o)| node_of(&o))
                    .unwrap_or(HgNode::NULL);
                out.push((prefix.clone(), node_of(&e.oid), old_node));
            }
            prefix.truncate(base);
        }
        Ok(())
    }

    /// The file node at `path` in a metadata tree.
    fn lookup(&mut self, tree: &ObjectId, path: &[u8]) -> Option<HgNode> {
        let mut current = *tree;
        let mut components = path.split(|&b| b == b'/').peekable();
        while let Some(component) = components.next() {
            let data = self.read_tree(&current).ok()?;
            let entry = parse_tree(&data)
                .filter_map(Result::ok)
                .find(|e| e.name.strip_prefix(b"_") == Some(component))?;
            let (mode, oid) = (entry.mode, entry.oid);
            if components.peek().is_none() {
                return (mode != Mode::DIR).then(|| node_of(&oid));
            }
            if mode != Mode::DIR {
                return None;
            }
            current = oid;
        }
        None
    }
}
