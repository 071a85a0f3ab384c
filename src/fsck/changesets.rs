//! Changeset checks: every git2hg note maps back through hg2git, the
//! changeset text rebuilt from commit and note hashes to its node, its
//! manifest is known and the commit's tree is the one the manifest gives.

use std::sync::mpsc::Sender;

use gix_hash::ObjectId;

use super::error::Result;
use super::{Context, Options};
use crate::convert::changeset::ChangesetNote;
use crate::hg::changeset::Changeset;
use crate::hg::HgNode;
use crate::metadata::changeset::rebuild_changeset;
use crate::metadata::manifest::git_tree::MetaTreeConverter;
use crate::store::commit::parse_commit;
use crate::store::ObjectRead;
use crate::store::Store;

/// What the changeset pass found.
#[derive(Default)]
pub struct Outcome {
    pub checked: usize,
    pub problems: Vec<String>,
}

/// Checks the changesets selected by `options`, sending the manifest
/// commits they use to `manifests`.
pub fn check(
    store: &mut Store,
    ctx: &Context<'_>,
    options: &Options,
    manifests: &Sender<ObjectId>,
) -> Result<Outcome> {
    let mut out = Outcome::default();
    let mut trees = MetaTreeConverter::default();
    let mut entries: Vec<(ObjectId, ObjectId)> = ctx
        .state
        .git2hg
        .iter()?
        .filter(|e| !options.skip.contains(e))
        .filter(|(c, _)| options.only.as_ref().is_none_or(|o| o.contains(c)))
        .collect();
    entries.sort_unstable();
    let mut scratch = Vec::new();
    for (commit, note) in entries {
        out.checked += 1;
        if let Err(problem) = check_one(
            store,
            ctx,
            &mut trees,
            commit,
            note,
            manifests,
            &mut scratch,
        ) {
            out.problems.push(format!("commit {commit}: {problem}"));
        }
    }
    // The recorded branch heads must be known changesets.
    if options.only.is_none() {
        for head in &ctx.state.branch_heads {
            let known = ctx.state.hg2git(&head.node);
            if known != Some(head.commit) || !ctx.state.git2hg.contains(&head.commit) {
                out.problems.push(format!(
                    "branch head {} ({}): commit {} is not its commit in hg2git/git2hg",
                    head.node,
                    String::from_utf8_lossy(&head.branch),
                    head.commit
                ));
            }
        }
    }
    // Manifest heads are walked whatever the selection, unless restricted.
    if options.only.is_none() && options.skip.is_empty() {
        for head in &ctx.state.manifest_heads {
            let _ = manifests.send(*head);
        }
    }
    Ok(out)
}

fn check_one(
    store: &mut Store,
    ctx: &Context<'_>,
    trees: &mut MetaTreeConverter,
    commit: ObjectId,
    note_blob: ObjectId,
    manifests: &Sender<ObjectId>,
    scratch: &mut Vec<u8>,
) -> Result<(), String> {
    let state = ctx.state;
    store
        .read(&note_blob, scratch)
        .map_err(|e| format!("cannot read its git2hg note {note_blob}: {e}"))?;
    let note = ChangesetNote::parse(scratch)
        .map_err(|e| format!("invalid git2hg note {note_blob}: {e}"))?;
    let node = note.changeset;
    match state.hg2git(&node) {
        Some(c) if c == commit => {}
        Some(c) => return Err(format!("changeset {node} maps to commit {c} in hg2git")),
        None => return Err(format!("changeset {node} is missing from hg2git")),
    }
    let mut text = Vec::new();
    rebuild_changeset(store, state, node, &mut text, scratch)
        .map_err(|e| format!("changeset {node}: cannot rebuild: {e}"))?;
    store
        .read(&commit, scratch)
        .map_err(|e| format!("changeset {node}: cannot read the commit: {e}"))?;
    let parsed = parse_commit(scratch).map_err(|e| format!("changeset {node}: {e}"))?;
    let mut parents = [HgNode::NULL; 2];
    for (i, p) in parsed.parents.iter().enumerate().take(2) {
        // A grafted parent stands in the metadata as its replacement.
        let p = &state.replace.lookup(p);
        match ctx.git_to_hg.get(p) {
            Some(h) if state.git2hg.contains(p) => parents[i] = *h,
            _ => {
                return Err(format!(
                    "changeset {node}: parent commit {p} is not a known changeset"
                ))
            }
        }
    }
    let tree = parsed.tree;
    let actual = HgNode::hash(&parents[0], &parents[1], &text);
    if actual != node {
        return Err(format!(
            "changeset {node}: the rebuilt text hashes to {actual}"
        ));
    }
    let cs = Changeset::parse(node, &text).map_err(|e| format!("changeset {node}: {e}"))?;
    if cs.manifest.is_null() {
        if tree != crate::store::object::empty_tree() {
            return Err(format!(
                "changeset {node}: no manifest but tree {tree} is not empty"
            ));
        }
        return Ok(());
    }
    let Some(mc) = state.hg2git(&cs.manifest) else {
        return Err(format!(
            "changeset {node}: manifest {} is missing from hg2git",
            cs.manifest
        ));
    };
    let _ = manifests.send(mc);
    store
        .read(&mc, scratch)
        .map_err(|e| format!("manifest {}: cannot read commit {mc}: {e}", cs.manifest))?;
    let meta_tree = parse_commit(scratch)
        .map_err(|e| format!("manifest {}: commit {mc}: {e}", cs.manifest))?
        .tree;
    let expected = trees
        .convert(store, state, meta_tree, node)
        .map_err(|e| format!("changeset {node}: cannot derive its tree: {e}"))?;
    if expected != tree {
        return Err(format!(
            "changeset {node}: tree {tree} differs from {expected}, the tree of manifest {}",
            cs.manifest
        ));
    }
    Ok(())
}
