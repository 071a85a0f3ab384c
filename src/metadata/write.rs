//! Writing the metadata state back as a new metadata commit (spec 2.2–2.5):
//! the notes commits, the heads commits, then the metadata commit.

use gix::object::Kind;
use gix_hash::ObjectId;

use super::state::{MetadataParents, PreviousMetadata, State};
use super::{Result, CINNABAR_SIG, METADATA_FLAGS, METADATA_REF, NOTES_REF};
use crate::store::commit::raw_commit;
use crate::store::notes::NotesTree;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::tree::{encode_tree, Mode, TreeEntry};
use crate::store::ObjectWrite;
use crate::store::Store;

/// Writes the metadata of `state`, finishes the pack, then moves the refs
/// in one transaction: the metadata and notes refs (compare-and-swap
/// against the metadata the state was loaded from) and `extra` updates.
pub fn commit(
    store: &mut Store,
    state: &State,
    extra: Vec<RefUpdate>,
    message: &str,
) -> Result<Written> {
    let written = write(store, state)?;
    store.finish_pack()?;
    let previous = state.previous.as_ref().map(|p| p.commit);
    let mut updates = Vec::new();
    if previous != Some(written.metadata) {
        updates.push(RefUpdate {
            name: METADATA_REF.into(),
            expected: match previous {
                Some(p) => Expected::Value(p),
                None => Expected::Absent,
            },
            new: Some(written.metadata),
        });
        updates.push(RefUpdate {
            name: NOTES_REF.into(),
            expected: Expected::Any,
            new: Some(written.git2hg),
        });
    }
    if state.replace.is_modified() {
        updates.extend(state.replace.ref_updates());
    }
    updates.extend(extra);
    store.update_refs(&updates, message)?;
    Ok(written)
}

/// What a metadata write produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub metadata: ObjectId,
    pub git2hg: ObjectId,
    /// The written metadata as a state would have loaded it, for a run
    /// that goes on after committing (see [`State::checkpointed`]).
    pub loaded: PreviousMetadata,
}

/// Writes the notes commits, the heads commits and the metadata commit for
/// `state`. Returns the previous ids when nothing changed.
pub fn write(store: &mut Store, state: &State) -> Result<Written> {
    // A lookup that could not read a notes tree answered "absent": what
    // was imported on that answer must not be recorded.
    state.check_lookups()?;
    let prev = state.previous.as_ref();
    let (hg2git, hg2git_tree) = write_notes(
        store,
        prev.map(|p| (p.parents.hg2git, p.hg2git_tree)),
        state.hg2git.added(),
        Mode::GITLINK,
    )?;
    let (git2hg, git2hg_tree) = write_notes(
        store,
        prev.map(|p| (p.parents.git2hg, p.git2hg_tree)),
        state.git2hg.added(),
        Mode::FILE,
    )?;
    let (files_meta, files_meta_tree) = write_notes(
        store,
        prev.map(|p| (p.parents.files_meta, p.files_meta_tree)),
        state.files_meta.added(),
        Mode::FILE,
    )?;
    let empty_tree = store.write(Kind::Tree, b"")?;
    let parents: Vec<ObjectId> = state.branch_heads.iter().map(|h| h.commit).collect();
    let mut message = Vec::new();
    for (i, h) in state.branch_heads.iter().enumerate() {
        if i > 0 {
            message.push(b'\n');
        }
        h.node.write_hex(&mut message);
        message.push(b' ');
        message.extend_from_slice(&h.branch);
    }
    let mut raw = raw_commit(&empty_tree, &parents, CINNABAR_SIG, CINNABAR_SIG, &message);
    if state.branch_heads.is_empty() {
        // No heads: the commit ends right after the committer line.
        raw.pop();
    }
    let changesets = store.write_owned(Kind::Commit, raw)?;
    let mut manifest_heads = state.manifest_heads.clone();
    manifest_heads.sort();
    let kept_tree = if state.kept_blobs.is_empty() {
        empty_tree
    } else {
        let mut entries: Vec<TreeEntry> = state
            .kept_blobs
            .iter()
            .map(|(node, blob)| {
                let mut name = Vec::with_capacity(40);
                node.write_hex(&mut name);
                TreeEntry {
                    mode: Mode::FILE,
                    name,
                    oid: *blob,
                }
            })
            .collect();
        store.write(Kind::Tree, &encode_tree(&mut entries))?
    };
    let raw = raw_commit(&kept_tree, &manifest_heads, CINNABAR_SIG, CINNABAR_SIG, b"");
    let manifests = store.write_owned(Kind::Commit, raw)?;
    let parents = MetadataParents {
        changesets,
        manifests,
        hg2git,
        git2hg,
        files_meta,
    };
    if let Some(p) = prev.filter(|_| !state.replace.is_modified()) {
        if p.parents == parents {
            return Ok(Written {
                metadata: p.commit,
                git2hg,
                loaded: p.clone(),
            });
        }
    }
    let mut all = vec![changesets, manifests, hg2git, git2hg, files_meta];
    if let Some(p) = prev {
        all.push(p.commit);
    }
    let tree = match prev {
        Some(p) if !state.replace.is_modified() => p.tree,
        _ if state.replace.is_empty() => empty_tree,
        _ => state.replace.write(store)?,
    };
    let raw = raw_commit(&tree, &all, CINNABAR_SIG, CINNABAR_SIG, METADATA_FLAGS);
    let metadata = store.write_owned(Kind::Commit, raw)?;
    let loaded = PreviousMetadata {
        commit: metadata,
        tree,
        parents,
        hg2git_tree,
        git2hg_tree,
        files_meta_tree,
    };
    Ok(Written {
        metadata,
        git2hg,
        loaded,
    })
}

/// Writes one notes commit: the previous one when nothing was added.
/// Returns the commit and its tree.
fn write_notes(
    store: &mut Store,
    previous: Option<(ObjectId, ObjectId)>,
    added: &[([u8; 20], [u8; 20])],
    leaf_mode: Mode,
) -> Result<(ObjectId, ObjectId)> {
    if let (Some(previous), true) = (previous, added.is_empty()) {
        return Ok(previous);
    }
    let tree = match previous {
        // No trie of every note in memory: the previous tree is read
        // where the new notes fall.
        Some((_, tree)) => NotesTree::write_merged(store, leaf_mode, &tree, added)?,
        None => NotesTree::write_new(store, leaf_mode, added)?,
    };
    let raw = raw_commit(&tree, &[], CINNABAR_SIG, CINNABAR_SIG, b"");
    Ok((store.write_owned(Kind::Commit, raw)?, tree))
}
