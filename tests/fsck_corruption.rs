//! `fsck --full` catching corrupted metadata (the checks of clean corpus
//! clones are in clone_corpus.rs).

use std::path::Path;

use cinnabar::store::commit::{parse_commit, raw_commit};
use cinnabar::store::tree::{encode_tree, parse_tree, Mode, TreeEntry};
use cinnabar::store::{Expected, Kind, NotesTree, ObjectId, RefUpdate, Store, WriteMode};
use cinnabar::store::{ObjectRead, ObjectWrite};

use crate::support::*;

const SIG: &[u8] = b" <cinnabar@git> 0 +0000";

/// Rewrites the metadata commit of the clone at `dir`: `edit` gets the
/// store and the five parents (changesets, manifests, hg2git, git2hg,
/// files-meta) to change.
fn rewrite_metadata(dir: &Path, edit: impl FnOnce(&mut Store, &mut Vec<ObjectId>)) {
    let repo = open(dir).unwrap();
    let metadata = repo.find_ref("refs/cinnabar/metadata").unwrap().unwrap();
    let mut store = Store::new(repo, WriteMode::Direct);
    let mut buf = Vec::new();
    store.read(&metadata, &mut buf).unwrap();
    let commit = parse_commit(&buf).unwrap();
    let mut parents = commit.parents.clone();
    let (tree, message) = (commit.tree, commit.message.to_vec());
    edit(&mut store, &mut parents);
    let raw = raw_commit(&tree, &parents, SIG, SIG, &message);
    let new = store.write(Kind::Commit, &raw).unwrap();
    store
        .update_refs(
            &[
                RefUpdate::set("refs/cinnabar/metadata", Expected::Any, new),
                RefUpdate::set("refs/notes/cinnabar", Expected::Any, parents[3]),
            ],
            "test",
        )
        .unwrap();
}

/// Replaces the notes commit `parents[index]` after `edit` changed its tree.
fn edit_notes(
    store: &mut Store,
    parents: &mut [ObjectId],
    index: usize,
    mode: Mode,
    edit: impl FnOnce(&mut Store, &mut NotesTree),
) {
    let mut buf = Vec::new();
    store.read(&parents[index], &mut buf).unwrap();
    let tree = parse_commit(&buf).unwrap().tree;
    let mut notes = NotesTree::load(store, &tree).unwrap();
    edit(store, &mut notes);
    let tree = notes.write(store, mode).unwrap();
    let raw = raw_commit(&tree, &[], SIG, SIG, b"");
    parents[index] = store.write(Kind::Commit, &raw).unwrap();
}

/// Some hg2git entries whose value is of `kind`.
fn hg2git_entries(store: &mut Store, hg2git: &ObjectId, kind: Kind) -> Vec<([u8; 20], ObjectId)> {
    let mut buf = Vec::new();
    store.read(hg2git, &mut buf).unwrap();
    let tree = parse_commit(&buf).unwrap().tree;
    let mut notes = NotesTree::load(store, &tree).unwrap();
    let all: Vec<_> = notes.iter(store).unwrap().collect();
    let mut out = Vec::new();
    for (k, v) in all {
        if store.read(&v, &mut buf).unwrap() == kind {
            out.push((k, v));
            if out.len() == 50 {
                break;
            }
        }
    }
    out
}

fn hex(bytes: &[u8; 20]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn assert_fsck_names(dir: &Path, what: &str) {
    let out = fsck_full(dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "fsck --full should fail: {stderr}"
    );
    assert!(stderr.contains(what), "{what} not named in: {stderr}");
    assert_eq!(
        git(dir, &["rev-parse", "refs/cinnabar/broken"]),
        git(dir, &["rev-parse", "refs/cinnabar/metadata"])
    );
}

#[test]
fn fsck_catches_corruption() {
    let tmp = tempdir();
    let copy = |name: &str| {
        let dest = tmp.path().join(name);
        copy_dir(&corpus_clone("ripgrep"), &dest);
        dest
    };

    // A changed git2hg note.
    let dir = copy("note.git");
    let mut victim = String::new();
    rewrite_metadata(&dir, |store, parents| {
        edit_notes(store, parents, 3, Mode::FILE, |store, notes| {
            let (commit, blob) = notes.iter(store).unwrap().nth(7).unwrap();
            let mut buf = Vec::new();
            store.read(&blob, &mut buf).unwrap();
            buf.extend_from_slice(b"\nextra foo:bar");
            let new = store.write(Kind::Blob, &buf).unwrap();
            notes.insert(store, commit, new).unwrap();
            victim = hex(&commit);
        });
    });
    assert_fsck_names(&dir, &victim);

    // A changed file blob.
    let dir = copy("blob.git");
    let mut victim = String::new();
    rewrite_metadata(&dir, |store, parents| {
        let files = hg2git_entries(store, &parents[2], Kind::Blob);
        let (node, _) = files[3];
        let other = store.write(Kind::Blob, b"corrupted\n").unwrap();
        edit_notes(store, parents, 2, Mode::GITLINK, |store, notes| {
            notes.insert(store, node, other).unwrap();
        });
        victim = hex(&node);
    });
    assert_fsck_names(&dir, &victim);

    // A missing hg2git entry.
    let dir = copy("missing.git");
    let mut victim = String::new();
    rewrite_metadata(&dir, |store, parents| {
        let files = hg2git_entries(store, &parents[2], Kind::Blob);
        let (node, _) = files[5];
        edit_notes(store, parents, 2, Mode::GITLINK, |store, notes| {
            notes.remove(store, &node).unwrap();
        });
        victim = hex(&node);
    });
    assert_fsck_names(&dir, &victim);

    // A damaged manifest tree: one entry loses its `_` prefix.
    let dir = copy("manifest.git");
    let mut victim = String::new();
    rewrite_metadata(&dir, |store, parents| {
        let mut buf = Vec::new();
        store.read(&parents[1], &mut buf).unwrap();
        let head = parse_commit(&buf).unwrap().parents[0];
        store.read(&head, &mut buf).unwrap();
        let commit = parse_commit(&buf).unwrap();
        let (tree, mparents, message) =
            (commit.tree, commit.parents.clone(), commit.message.to_vec());
        store.read(&tree, &mut buf).unwrap();
        let mut entries: Vec<TreeEntry> = parse_tree(&buf)
            .map(|e| {
                let e = e.unwrap();
                TreeEntry::new(e.mode, e.name.to_vec(), e.oid)
            })
            .collect();
        let last = entries.last_mut().unwrap();
        last.name.remove(0);
        let damaged = store.write(Kind::Tree, &encode_tree(&mut entries)).unwrap();
        let raw = raw_commit(&damaged, &mparents, SIG, SIG, &message);
        let new_commit = store.write(Kind::Commit, &raw).unwrap();
        let mut node = [0u8; 20];
        for (i, b) in node.iter_mut().enumerate() {
            *b = u8::from_str_radix(std::str::from_utf8(&message[2 * i..2 * i + 2]).unwrap(), 16)
                .unwrap();
        }
        edit_notes(store, parents, 2, Mode::GITLINK, |store, notes| {
            notes.insert(store, node, new_commit).unwrap();
        });
        victim = String::from_utf8(message).unwrap();
    });
    assert_fsck_names(&dir, &victim);

    // The clean clone passes.
    let out = fsck_full(&copy("clean.git"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
