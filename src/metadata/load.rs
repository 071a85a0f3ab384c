//! Loading the metadata state from `refs/cinnabar/metadata` (spec 2.2–2.5).

use gix_hash::ObjectId;

use super::error::{invalid, ResultExt};
use super::idmap::{Id20, IdMap};
use super::state::{BranchHead, MetadataParents, PreviousMetadata, State};
use super::Result;
use crate::hg::node::decode_hex;
use crate::hg::HgNode;
use crate::store::commit::parse_commit;
use crate::store::tree::{parse_tree, Mode};
use crate::store::ObjectRead;
use crate::store::Store;

/// Loads the state of the metadata commit `metadata` (or an empty state).
pub fn load(store: &mut Store, metadata: Option<ObjectId>) -> Result<State> {
    let Some(metadata) = metadata else {
        return Ok(State::default());
    };
    let mut buf = Vec::new();
    store
        .read(&metadata, &mut buf)
        .context_with(|| format!("cannot read the metadata commit {metadata}"))?;
    let commit = parse_commit(&buf)
        .context_with(|| format!("Invalid metadata? {metadata} is not a commit"))?;
    check_flags(commit.message)?;
    if !(5..=6).contains(&commit.parents.len()) {
        return Err(invalid(format!(
            "Invalid metadata? {metadata} has {} parents",
            commit.parents.len()
        )));
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
    let manifests =
        parse_commit(&buf).context_with(|| "Invalid metadata? bad manifests commit".into())?;
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
pub fn check_flags(message: &[u8]) -> Result<()> {
    let mut tokens: Vec<&[u8]> = message.split(|&b| b == b' ').collect();
    tokens.sort();
    if tokens.contains(&&b"unified-manifests"[..]) {
        return Err(invalid("Metadata from git-cinnabar versions older than 0.5.0 is not supported. Please run `git cinnabar upgrade` with version 0.5.x first."));
    }
    if tokens != [&b"files-meta"[..], &b"unified-manifests-v2"[..]] {
        return Err(invalid("It looks like this repository was used with a newer version of git-cinnabar. Cannot use this version."));
    }
    Ok(())
}

fn commit_tree(store: &mut Store, commit: &ObjectId) -> Result<ObjectId> {
    let mut buf = Vec::new();
    store.read(commit, &mut buf)?;
    Ok(parse_commit(&buf)
        .context_with(|| format!("Invalid metadata? {commit} is not a commit"))?
        .tree)
}

/// Reads every note of a notes tree, whatever its fan-out.
fn flatten_notes<K: Id20>(
    store: &mut Store,
    tree: &ObjectId,
    prefix: &mut Vec<u8>,
    out: &mut IdMap<K, ObjectId>,
) -> Result<()> {
    let mut buf = Vec::new();
    store.read(tree, &mut buf)?;
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| invalid(format!("notes tree {tree}: {e}")))?;
        let base = prefix.len();
        prefix.extend_from_slice(entry.name);
        if entry.mode == Mode::DIR && prefix.len() < 40 {
            flatten_notes(store, &entry.oid, prefix, out)?;
        } else if prefix.len() == 40 {
            let mut key = [0u8; 20];
            if decode_hex(prefix, &mut key) {
                out.insert(K::from_bytes(key), entry.oid);
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
) -> Result<()> {
    let mut buf = Vec::new();
    store.read(commit, &mut buf)?;
    let parsed =
        parse_commit(&buf).context_with(|| "Invalid metadata? bad changesets commit".into())?;
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
