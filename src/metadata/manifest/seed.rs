//! Git trees of imported manifests, reused (spec 3.2): a manifest loaded
//! back from git for a delta takes the git trees of its directories from a
//! changeset already imported with it, so that only the directories the
//! new manifest changes are converted again. A conversion looks every
//! file of the directory up in hg2git: for a whole manifest that reads
//! most of the hg2git notes trees, a number that grows with the history.

use std::collections::HashMap;
use std::sync::Arc;

use gix_hash::ObjectId;

use super::tree::{Dir, Node};
use crate::convert::changeset::ChangesetNote;
use crate::hg::HgNode;
use crate::metadata::State;
use crate::store::tree::{parse_tree, Mode};
use crate::store::{parse_commit, ObjectRead, Store};

/// Records the git tree of the imported changeset `changeset` as that of
/// its manifest, for [`seed`]. Nothing is recorded when the changeset is
/// not imported or its commit or note cannot be read: the manifest is
/// then converted as before.
pub fn note_changeset_tree(store: &mut Store, state: &mut State, changeset: &HgNode) {
    if changeset.is_null() {
        return;
    }
    let Some(commit) = state.hg2git(changeset) else {
        return;
    };
    let Some(note) = state.git2hg.get(&commit) else {
        return;
    };
    let mut buf = Vec::new();
    if store.read(&commit, &mut buf).is_err() {
        return;
    }
    let Ok(tree) = parse_commit(&buf).map(|c| c.tree) else {
        return;
    };
    if store.read(&note, &mut buf).is_err() {
        return;
    }
    let Ok(note) = ChangesetNote::parse(&buf) else {
        return;
    };
    if !note.manifest.is_null() {
        state
            .manifest_git_trees
            .entry(note.manifest)
            .or_insert(tree);
    }
}

/// Sets `git`, the git tree of a changeset whose manifest `dir` is the
/// root of (as stored, with no lines kept apart in files-meta), as the git
/// tree of `dir`, and those of its subdirectories from it. The git tree of
/// a directory is a function of its manifest tree alone, and a directory
/// changed later forgets it. Subdirectories that git's tree lacks (the
/// empty-named ones of `//` paths, merged into their parent) stay to
/// convert.
pub fn seed(store: &mut Store, dir: &mut Dir, git: ObjectId) {
    let mut buf = Vec::new();
    if store.read(&git, &mut buf).is_err() {
        return;
    }
    let subtrees: HashMap<Vec<u8>, ObjectId> = parse_tree(&buf)
        .filter_map(Result::ok)
        .filter(|e| e.mode == Mode::DIR)
        .map(|e| (e.name.to_vec(), e.oid))
        .collect();
    for entry in dir.entries_mut() {
        if entry.name.is_empty() {
            continue;
        }
        if let (Node::Dir(sub), Some(oid)) = (&mut entry.node, subtrees.get(&*entry.name)) {
            seed(store, Arc::make_mut(sub), *oid);
        }
    }
    dir.set_git_written(git);
}
