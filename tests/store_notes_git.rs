//! Our notes trees against git's own notes.c, driven through `git notes`:
//! `git notes copy --stdin` adds many notes in one process (loading the
//! existing tree lazily, then writing it once), `git notes remove --stdin`
//! removes many. The same operations on our NotesTree must give the same
//! tree ids: from scratch, then incrementally on top of an existing tree
//! (subtrees kept or consolidated), then after removals.

use std::path::Path;

use cinnabar::store::notes::{key_of, NoteKey};
use cinnabar::store::{MemoryStore, Mode, NotesTree, ObjectId};
use sha1::{Digest, Sha1};

use crate::support::*;

fn pseudo_key(seed: &str, i: usize) -> NoteKey {
    Sha1::digest(format!("{seed}-{i}")).into()
}

fn hex(key: &NoteKey) -> String {
    ObjectId::Sha1(*key).to_string()
}

/// Runs git, returning its output without the final newline.
fn git_line(repo: &Path, args: &[&str]) -> String {
    git(repo, args).trim_end().to_string()
}

fn notes_tree(repo: &Path) -> TestResult<ObjectId> {
    Ok(ObjectId::from_hex(
        git_line(repo, &["rev-parse", "refs/notes/t^{tree}"]).as_bytes(),
    )?)
}

fn check(n: usize) -> TestResult {
    let tmp = tempdir();
    let path = bare_repo(tmp.path(), "repo.git");
    let empty = git_line(&path, &["hash-object", "-t", "tree", "-w", "/dev/null"]);
    let base = git_line(&path, &["commit-tree", &empty, "-m", "base"]);
    git(&path, &["notes", "--ref=t", "add", "-m", "a note", &base]);
    let value =
        ObjectId::from_hex(git_line(&path, &["notes", "--ref=t", "list", &base]).as_bytes())?;
    let base_key = key_of(&ObjectId::from_hex(base.as_bytes())?);
    let repo = open(&path)?;

    // 1. n notes at once.
    let keys: Vec<NoteKey> = (0..n).map(|i| pseudo_key("first", i)).collect();
    let input: String = keys
        .iter()
        .map(|k| format!("{base} {}\n", hex(k)))
        .collect();
    git_stdin(
        &path,
        &["notes", "--ref=t", "copy", "--stdin"],
        input.as_bytes(),
    );
    let theirs1 = notes_tree(&path)?;
    let mut mem = MemoryStore::new();
    let mut ours = NotesTree::new();
    ours.insert(&mut mem, base_key, value)?;
    for k in &keys {
        ours.insert(&mut mem, *k, value)?;
    }
    assert_eq!(
        ours.write(&mut mem, Mode::FILE)?,
        theirs1,
        "{n} notes from scratch"
    );

    // 2. More notes on top of the stored tree: git reads it lazily.
    let more: Vec<NoteKey> = (0..n / 10 + 7).map(|i| pseudo_key("more", i)).collect();
    let input: String = more
        .iter()
        .map(|k| format!("{base} {}\n", hex(k)))
        .collect();
    git_stdin(
        &path,
        &["notes", "--ref=t", "copy", "--stdin"],
        input.as_bytes(),
    );
    let theirs2 = notes_tree(&path)?;
    let mut overlay = Overlay {
        repo: &repo,
        mem: MemoryStore::new(),
    };
    let mut ours = NotesTree::load(&mut overlay, &theirs1)?;
    for k in &more {
        // `git notes copy` looks both objects up, then adds.
        assert_eq!(ours.get(&mut overlay, &base_key)?, Some(value));
        assert_eq!(ours.get(&mut overlay, k)?, None);
        ours.insert(&mut overlay, *k, value)?;
    }
    assert_eq!(
        ours.write(&mut overlay, Mode::FILE)?,
        theirs2,
        "{n} notes, then {} more",
        more.len()
    );

    // 3. Remove most notes under a quarter of the key space, leaving the
    // other subtrees untouched (and unread).
    let removed: Vec<&NoteKey> = keys
        .iter()
        .chain(&more)
        .enumerate()
        .filter(|(i, k)| k[0] < 0x40 && i % 10 != 0)
        .map(|(_, k)| k)
        .collect();
    let input: String = removed.iter().map(|k| format!("{}\n", hex(k))).collect();
    git_stdin(
        &path,
        &["notes", "--ref=t", "remove", "--stdin"],
        input.as_bytes(),
    );
    let theirs3 = notes_tree(&path)?;
    let mut ours = NotesTree::load(&mut overlay, &theirs2)?;
    for k in &removed {
        assert_eq!(ours.remove(&mut overlay, k)?, Some(value));
    }
    let ours3 = ours.write(&mut overlay, Mode::FILE)?;
    eprintln!(
        "{n} notes: {theirs1}, +{}: {theirs2}, -{}: {theirs3}",
        more.len(),
        removed.len()
    );
    assert_eq!(
        ours3,
        theirs3,
        "{n} notes, after removing {}",
        removed.len()
    );

    // Everything reads back.
    let total = 1 + keys.len() + more.len() - removed.len();
    assert_eq!(ours.iter(&mut overlay)?.count(), total);
    git(&path, &["fsck", "--full", "--no-dangling"]);
    Ok(())
}

#[test]
fn git_notes_5() -> TestResult {
    check(5)
}

#[test]
fn git_notes_300() -> TestResult {
    check(300)
}

#[test]
fn git_notes_5000() -> TestResult {
    check(5000)
}

#[test]
fn git_notes_40000() -> TestResult {
    check(40000)
}
