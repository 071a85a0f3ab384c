//! Loading the metadata state from `refs/cinnabar/metadata` and writing it
//! back as a new metadata commit (spec 2.2–2.5).

use gix::object::Kind;
use gix_hash::ObjectId;
use miette::{miette, Context};

use super::idmap::IdMap;
use super::manifests::CINNABAR_SIG;
use super::state::{oid, BranchHead, MetadataParents, PreviousMetadata, State};
use crate::hg::node::decode_hex;
use crate::hg::HgNode;
use crate::store::commit::{parse_commit, raw_commit};
use crate::store::notes::NotesTree;
use crate::store::tree::{parse_tree, Mode};
use crate::store::Store;
use crate::store::{ObjectRead, ObjectWrite};

/// The ref holding the metadata commit.
pub const METADATA_REF: &str = "refs/cinnabar/metadata";
/// The ref holding the git2hg notes commit.
pub const NOTES_REF: &str = "refs/notes/cinnabar";
/// The message of metadata commits: the format flags.
pub const METADATA_FLAGS: &[u8] = b"files-meta unified-manifests-v2";

/// Loads the state of the metadata commit `metadata` (or an empty state).
pub fn load(store: &mut Store, metadata: Option<ObjectId>) -> miette::Result<State> {
    let Some(metadata) = metadata else {
        return Ok(State::default());
    };
    let mut buf = Vec::new();
    store
        .read(&metadata, &mut buf)
        .wrap_err_with(|| format!("cannot read the metadata commit {metadata}"))?;
    let commit = parse_commit(&buf)
        .wrap_err_with(|| format!("Invalid metadata? {metadata} is not a commit"))?;
    check_flags(commit.message)?;
    if !(5..=6).contains(&commit.parents.len()) {
        return Err(miette!(
            "Invalid metadata? {metadata} has {} parents",
            commit.parents.len()
        ));
    }
    let p = &commit.parents;
    let parents = MetadataParents {
        changesets: p[0],
        manifests: p[1],
        hg2git: p[2],
        git2hg: p[3],
        files_meta: p[4],
    };
    let tree = commit.tree;
    let mut state = State::default();
    let hg2git_tree = commit_tree(store, &parents.hg2git)?;
    let git2hg_tree = commit_tree(store, &parents.git2hg)?;
    let files_meta_tree = commit_tree(store, &parents.files_meta)?;
    flatten_notes(store, &hg2git_tree, &mut Vec::new(), &mut state.hg2git)?;
    flatten_notes(store, &git2hg_tree, &mut Vec::new(), &mut state.git2hg)?;
    flatten_notes(
        store,
        &files_meta_tree,
        &mut Vec::new(),
        &mut state.files_meta,
    )?;
    load_branch_heads(store, &parents.changesets, &mut state.branch_heads)?;
    store.read(&parents.manifests, &mut buf)?;
    let manifests = parse_commit(&buf).wrap_err("Invalid metadata? bad manifests commit")?;
    state.manifest_heads = manifests.parents.clone();
    state.previous = Some(PreviousMetadata {
        commit: metadata,
        tree,
        parents,
        hg2git_tree,
        git2hg_tree,
        files_meta_tree,
    });
    Ok(state)
}

/// Checks the format flags of a metadata commit message.
pub fn check_flags(message: &[u8]) -> miette::Result<()> {
    let mut tokens: Vec<&[u8]> = message.split(|&b| b == b' ').collect();
    tokens.sort();
    if tokens.contains(&&b"unified-manifests"[..]) {
        return Err(miette!(
            "Metadata from git-cinnabar versions older than 0.5.0 is not supported. Please run `git cinnabar upgrade` with version 0.5.x first."
        ));
    }
    if tokens != [&b"files-meta"[..], &b"unified-manifests-v2"[..]] {
        return Err(miette!(
            "It looks like this repository was used with a newer version of git-cinnabar. Cannot use this version."
        ));
    }
    Ok(())
}

fn commit_tree(store: &mut Store, commit: &ObjectId) -> miette::Result<ObjectId> {
    let mut buf = Vec::new();
    store.read(commit, &mut buf)?;
    Ok(parse_commit(&buf)
        .wrap_err_with(|| format!("Invalid metadata? {commit} is not a commit"))?
        .tree)
}

/// Reads every note of a notes tree, whatever its fan-out.
fn flatten_notes(
    store: &mut Store,
    tree: &ObjectId,
    prefix: &mut Vec<u8>,
    out: &mut IdMap,
) -> miette::Result<()> {
    let mut buf = Vec::new();
    store.read(tree, &mut buf)?;
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| miette!("notes tree {tree}: {e}"))?;
        let base = prefix.len();
        prefix.extend_from_slice(entry.name);
        if entry.mode == Mode::DIR && prefix.len() < 40 {
            flatten_notes(store, &entry.oid, prefix, out)?;
        } else if prefix.len() == 40 {
            let mut key = [0u8; 20];
            if decode_hex(prefix, &mut key) {
                out.insert(key, super::state::oid_bytes(&entry.oid));
            }
        }
        prefix.truncate(base);
    }
    Ok(())
}

fn load_branch_heads(
    store: &mut Store,
    commit: &ObjectId,
    out: &mut Vec<BranchHead>,
) -> miette::Result<()> {
    let mut buf = Vec::new();
    store.read(commit, &mut buf)?;
    let parsed = parse_commit(&buf).wrap_err("Invalid metadata? bad changesets commit")?;
    let lines = parsed
        .message
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty());
    for (line, commit) in lines.zip(parsed.parents.iter()) {
        let (hex, branch) = line.split_at(line.len().min(40));
        let node = HgNode::from_hex(hex)?;
        out.push(BranchHead {
            node,
            branch: branch.strip_prefix(b" ").unwrap_or(branch).to_vec(),
            commit: *commit,
        });
    }
    Ok(())
}

/// What a metadata write produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub metadata: ObjectId,
    pub git2hg: ObjectId,
}

/// Writes the notes commits, the heads commits and the metadata commit for
/// `state`. Returns the previous ids when nothing changed.
pub fn write(store: &mut Store, state: &State) -> miette::Result<Written> {
    let prev = state.previous.as_ref();
    let hg2git = write_notes(
        store,
        prev.map(|p| (p.parents.hg2git, p.hg2git_tree)),
        &state.added_hg2git,
        Mode::GITLINK,
    )?;
    let git2hg = write_notes(
        store,
        prev.map(|p| (p.parents.git2hg, p.git2hg_tree)),
        &state.added_git2hg,
        Mode::FILE,
    )?;
    let files_meta = write_notes(
        store,
        prev.map(|p| (p.parents.files_meta, p.files_meta_tree)),
        &state.added_files_meta,
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
    let raw = raw_commit(
        &empty_tree,
        &manifest_heads,
        CINNABAR_SIG,
        CINNABAR_SIG,
        b"",
    );
    let manifests = store.write_owned(Kind::Commit, raw)?;
    let parents = MetadataParents {
        changesets,
        manifests,
        hg2git,
        git2hg,
        files_meta,
    };
    if let Some(p) = prev {
        if p.parents == parents {
            return Ok(Written {
                metadata: p.commit,
                git2hg,
            });
        }
    }
    let mut all = vec![changesets, manifests, hg2git, git2hg, files_meta];
    if let Some(p) = prev {
        all.push(p.commit);
    }
    let tree = prev.map(|p| p.tree).unwrap_or(empty_tree);
    let raw = raw_commit(&tree, &all, CINNABAR_SIG, CINNABAR_SIG, METADATA_FLAGS);
    let metadata = store.write_owned(Kind::Commit, raw)?;
    Ok(Written { metadata, git2hg })
}

/// Writes one notes commit: the previous one when nothing was added.
fn write_notes(
    store: &mut Store,
    previous: Option<(ObjectId, ObjectId)>,
    added: &[([u8; 20], [u8; 20])],
    leaf_mode: Mode,
) -> miette::Result<ObjectId> {
    if let (Some((commit, _)), true) = (previous, added.is_empty()) {
        return Ok(commit);
    }
    let mut notes = match previous {
        Some((_, tree)) => NotesTree::load(store, &tree)?,
        None => NotesTree::new(),
    };
    for (k, v) in added {
        notes.insert(store, *k, oid(v))?;
    }
    let tree = notes.write(store, leaf_mode)?;
    let raw = raw_commit(&tree, &[], CINNABAR_SIG, CINNABAR_SIG, b"");
    Ok(store.write_owned(Kind::Commit, raw)?)
}
