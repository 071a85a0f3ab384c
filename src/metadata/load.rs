//! Loading the metadata state from `refs/cinnabar/metadata` (spec 2.2–2.5).

use gix_hash::ObjectId;

use super::error::{invalid, ResultExt};
use super::notesmap::NotesMap;
use super::state::{BranchHead, MetadataParents, PreviousMetadata, State};
use super::Result;
use crate::hg::HgNode;
use crate::store::commit::parse_commit;
use crate::store::tree::parse_tree;
use crate::store::ObjectRead;
use crate::store::Store;

/// Loads the state of the metadata commit `metadata` (or an empty state)
/// with every note of its three maps read (see [`load`]): for what needs
/// whole maps (fsck, lookups in bulk).
pub fn load_full(store: &mut Store, metadata: Option<ObjectId>) -> Result<State> {
    let mut state = load(store, metadata)?;
    state.flatten()?;
    Ok(state)
}

/// Loads the state of the metadata commit `metadata` (or an empty state).
/// The hg2git, git2hg and files-meta maps are read lazily: a lookup reads
/// the notes trees on its key's path only (see [`NotesMap`]), so that the
/// work of a fetch follows what it brings, not the size of the history.
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
    state.hg2git = NotesMap::lazy(store.notes_reader(), &hg2git_tree)?;
    state.git2hg = NotesMap::lazy(store.notes_reader(), &git2hg_tree)?;
    state.files_meta = NotesMap::lazy(store.notes_reader(), &files_meta_tree)?;
    load_branch_heads(store, &parents.changesets, &mut state.branch_heads)?;
    store.read(&parents.manifests, &mut buf)?;
    let manifests =
        parse_commit(&buf).context_with(|| "Invalid metadata? bad manifests commit".into())?;
    state.manifest_heads = manifests.parents.clone();
    let kept_tree = manifests.tree;
    load_kept_blobs(store, &kept_tree, &mut state)?;
    state.replace = super::replace::ReplaceMap::load(store, &tree)?;
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

/// Reads the blobs kept reachable by the manifests commit's tree (see
/// `State::kept_blobs`); git-cinnabar leaves that tree empty.
fn load_kept_blobs(store: &mut Store, tree: &ObjectId, state: &mut State) -> Result<()> {
    if *tree == ObjectId::empty_tree(gix_hash::Kind::Sha1) {
        return Ok(());
    }
    let mut buf = Vec::new();
    store
        .read(tree, &mut buf)
        .context_with(|| format!("Invalid metadata? cannot read tree {tree}"))?;
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|e| invalid(format!("Invalid metadata? tree {tree}: {e}")))?;
        let node = HgNode::from_hex(entry.name).map_err(|_| {
            invalid(format!(
                "Invalid metadata? tree {tree}: entry {:?} is not a file node",
                String::from_utf8_lossy(entry.name)
            ))
        })?;
        state.kept_blobs.push((node, entry.oid));
    }
    Ok(())
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
