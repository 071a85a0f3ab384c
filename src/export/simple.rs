//! Root and one-parent commits (spec 7): a root's files all become new
//! file revisions; a one-parent commit's changes, found by `diff-tree` with
//! exact copy detection, edit its parent's manifest.

use gix_hash::ObjectId;

use super::changeset::{create_changeset, ChangesetInfo, CommitInfo, NewChangeset};
use super::error::{invalid, ExportError, Result};
use super::files::{create_copy, create_file, flag_of};
use super::git::{diff_tree, DiffItem, Side};
use super::Exporter;
use crate::hg::manifest::Flag;
use crate::hg::HgNode;
use crate::metadata::manifest::store_manifest;
use crate::store::object::empty_blob;
use crate::store::tree::{parse_tree, Mode};
use crate::store::ObjectRead;
use crate::store::Store;

/// A file of a git tree.
#[derive(Clone, Debug)]
pub struct TreeFile {
    pub path: Vec<u8>,
    pub mode: Mode,
    pub oid: ObjectId,
}

/// Every file of a git tree, recursively, in path order (git's tree order
/// is the bytewise order of full paths). A submodule is refused.
pub fn tree_files(store: &mut Store, commit: ObjectId, tree: ObjectId) -> Result<Vec<TreeFile>> {
    let mut out = Vec::new();
    walk(store, commit, tree, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn walk(
    store: &mut Store,
    commit: ObjectId,
    tree: ObjectId,
    prefix: &mut Vec<u8>,
    out: &mut Vec<TreeFile>,
) -> Result<()> {
    let mut buf = Vec::new();
    store.read(&tree, &mut buf)?;
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| invalid(format!("tree {tree}: {e}")))?;
        let base = prefix.len();
        prefix.extend_from_slice(entry.name);
        if entry.mode.is_dir() {
            prefix.push(b'/');
            walk(store, commit, entry.oid, prefix, out)?;
        } else {
            check_mode(commit, prefix, entry.mode)?;
            out.push(TreeFile {
                path: prefix.clone(),
                mode: entry.mode,
                oid: entry.oid,
            });
        }
        prefix.truncate(base);
    }
    Ok(())
}

/// The flag of a file of `commit`; a submodule is refused.
pub fn check_mode(commit: ObjectId, path: &[u8], mode: Mode) -> Result<Flag> {
    flag_of(mode).ok_or_else(|| {
        if mode == Mode::GITLINK {
            ExportError::Submodule {
                commit,
                path: String::from_utf8_lossy(path).into_owned(),
            }
        } else {
            invalid(format!(
                "commit {commit}: unsupported mode {mode} at {}",
                String::from_utf8_lossy(path)
            ))
        }
    })
}

impl Exporter {
    /// Records the changeset of `commit` once its manifest is known.
    pub(super) fn finish_changeset(
        &mut self,
        commit: ObjectId,
        info: &CommitInfo,
        manifest: HgNode,
        files: Vec<Vec<u8>>,
        parents: &[ChangesetInfo],
    ) -> Result<HgNode> {
        let mut hg_parents = [HgNode::NULL; 2];
        for (i, p) in parents.iter().enumerate().take(2) {
            hg_parents[i] = p.node;
        }
        create_changeset(
            &mut self.store,
            &mut self.state,
            NewChangeset {
                commit,
                info,
                manifest,
                files,
                parents: hg_parents,
                branch: parents.first().and_then(|p| p.branch.clone()),
                git_commit: self.experiments.git_commit,
            },
        )
    }

    /// A root commit: every file is a new revision without parents.
    pub(super) fn root_changeset(&mut self, commit: ObjectId, info: &CommitInfo) -> Result<HgNode> {
        let files = tree_files(&mut self.store, commit, info.tree)?;
        let mut tree = crate::metadata::manifest::ManifestTree::new();
        let mut paths = Vec::with_capacity(files.len());
        let mut buf = Vec::new();
        for f in files {
            let flag = check_mode(commit, &f.path, f.mode)?;
            let node = create_file(&mut self.store, &mut self.state, f.oid, &[], &mut buf)?;
            tree.insert(&f.path, node, flag);
            paths.push(f.path);
        }
        let node = tree.node(&HgNode::NULL, &HgNode::NULL);
        store_manifest(
            &mut self.store,
            &mut self.state,
            node,
            &mut tree,
            [HgNode::NULL; 2],
        )?;
        self.remember(node, tree);
        self.finish_changeset(commit, info, node, paths, &[])
    }

    /// A one-parent commit.
    pub(super) fn simple_changeset(
        &mut self,
        commit: ObjectId,
        info: &CommitInfo,
        parent: ChangesetInfo,
    ) -> Result<HgNode> {
        let (manifest, files) = self.simple_manifest(commit, info.parents[0], &parent)?;
        self.finish_changeset(commit, info, manifest, files, &[parent])
    }

    /// The manifest of `commit` against its parent `parent_commit`, and
    /// its files list: the parent's manifest when nothing changed.
    pub(super) fn simple_manifest(
        &mut self,
        commit: ObjectId,
        parent_commit: ObjectId,
        parent: &ChangesetInfo,
    ) -> Result<(HgNode, Vec<Vec<u8>>)> {
        let diff = diff_tree(
            &self.git_dir,
            &parent_commit,
            &commit,
            self.experiments.similarity,
        )?;
        if diff.is_empty() {
            return Ok((parent.manifest, Vec::new()));
        }
        let mut items: Vec<(Vec<u8>, DiffItem)> = Vec::with_capacity(diff.len());
        let mut sources = Vec::new();
        for (path, item) in diff {
            let item = match item {
                DiffItem::Renamed {
                    from_path,
                    from,
                    to,
                } => {
                    sources.push((from_path.clone(), DiffItem::Deleted(from.clone())));
                    copy_or_add(from_path, from, to, true)
                }
                DiffItem::Copied {
                    from_path,
                    from,
                    to,
                } => copy_or_add(from_path, from, to, false),
                item => item,
            };
            items.push((path, item));
        }
        items.append(&mut sources);
        items.sort_by(|a, b| a.0.cmp(&b.0));

        let parent_tree = self.manifest_tree(parent.manifest)?;
        let mut tree = parent_tree.clone();
        let mut paths = Vec::with_capacity(items.len());
        let mut buf = Vec::new();
        for (path, item) in items {
            let existing = parent_tree.get(&path);
            let (node, mode) = match (&item, existing) {
                (DiffItem::Deleted(_), Some(_)) => {
                    tree.remove(&path);
                    paths.push(path);
                    continue;
                }
                (DiffItem::Modified { from, to }, Some((node, _))) => {
                    let node = if from.oid != to.oid {
                        create_file(&mut self.store, &mut self.state, to.oid, &[node], &mut buf)?
                    } else {
                        node
                    };
                    (node, to.mode)
                }
                (
                    DiffItem::Renamed { from_path, to, .. }
                    | DiffItem::Copied { from_path, to, .. },
                    _,
                ) => {
                    let (source, _) = parent_tree.get(from_path).ok_or_else(|| {
                        invalid(format!(
                            "commit {commit}: copy source {} is not in the parent manifest",
                            String::from_utf8_lossy(from_path)
                        ))
                    })?;
                    let node = create_copy(
                        &mut self.store,
                        &mut self.state,
                        to.oid,
                        from_path,
                        source,
                        &mut buf,
                    )?;
                    (node, to.mode)
                }
                (DiffItem::Added(to), None) => {
                    let node =
                        create_file(&mut self.store, &mut self.state, to.oid, &[], &mut buf)?;
                    (node, to.mode)
                }
                _ => {
                    return Err(invalid(format!(
                        "commit {commit}: {} changes in a way its parent manifest does not allow",
                        String::from_utf8_lossy(&path)
                    )))
                }
            };
            let flag = check_mode(commit, &path, mode)?;
            tree.insert(&path, node, flag);
            paths.push(path);
        }
        let node = tree.node(&HgNode::NULL, &parent.manifest);
        store_manifest(
            &mut self.store,
            &mut self.state,
            node,
            &mut tree,
            [parent.manifest, HgNode::NULL],
        )?;
        self.remember(node, tree);
        Ok((node, paths))
    }
}

/// A rename or copy; one of empty content is an addition (spec 7).
fn copy_or_add(from_path: Vec<u8>, from: Side, to: Side, rename: bool) -> DiffItem {
    if to.oid == empty_blob() {
        DiffItem::Added(to)
    } else if rename {
        DiffItem::Renamed {
            from_path,
            from,
            to,
        }
    } else {
        DiffItem::Copied {
            from_path,
            from,
            to,
        }
    }
}
