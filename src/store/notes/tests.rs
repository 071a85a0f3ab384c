//! Tests of the notes trie, its fan-out writing and [`CinnabarNotes`].

use gix::object::Kind;

use super::*;
use crate::store::commit::raw_commit;
use crate::store::object::{hash_object, oid_from_hex, MemoryStore};
use crate::store::tree::{parse_tree, push_entry};

fn key(hex: &str) -> NoteKey {
    oid_from_hex(hex.as_bytes())
        .map(|o| key_of(&o))
        .unwrap_or([0; 20])
}

fn pseudo_key(i: u32) -> NoteKey {
    use sha1::{Digest, Sha1};
    Sha1::digest(i.to_be_bytes()).into()
}

/// The spec's worked example (2.9): the git2hg notes commit of a
/// two-changeset repository is 522a8fca….
///
/// The note blobs must carry the `files` line (spec 3.6: present when
/// the changeset lists files; `a` and `b` each add one file): with only
/// the `changeset` and `manifest` lines, the commit would be 2d4eea7a….
#[test]
fn appendix_a_git2hg_commit() -> Result<()> {
    let notes_commit = |with_files: bool| -> Result<String> {
        let mut store = MemoryStore::new();
        let mut notes = NotesTree::new();
        for (commit, meta, file) in [
            (
                "8b86a58578d5270969543e287634e3a2f122a338",
                "changeset f92470d7f6966a39dfbced6a525fe81ebf5c37b9\nmanifest a0c8bcbbb45c63b90b70ad007bf38961f64f2af0",
                "a",
            ),
            (
                "d04f6df4abe2870ceb759263ee6aaa9241c4f93c",
                "changeset 636e60525868096cbdc961870493510558f41d2f\nmanifest a539ce0c1a22b0ecf34498f9f5ce8ea56df9ecb7",
                "b",
            ),
        ] {
            let meta = if with_files {
                format!("{meta}\nfiles {file}")
            } else {
                meta.to_string()
            };
            let blob = store.write(Kind::Blob, meta.as_bytes())?;
            notes.insert(&mut store, key(commit), blob)?;
        }
        let tree = notes.write(&mut store, Mode::FILE)?;
        let mut data = Vec::new();
        store.read(&tree, &mut data)?;
        let entries: Vec<_> = parse_tree(&data).collect::<Result<_>>()?;
        assert_eq!(entries.len(), 2, "two flat entries");
        assert!(entries
            .iter()
            .all(|e| e.mode == Mode::FILE && e.name.len() == 40));
        let sig = b" <cinnabar@git> 0 +0000";
        let commit = raw_commit(&tree, &[], sig, sig, b"");
        Ok(hash_object(Kind::Commit, &commit).to_string())
    };
    assert_eq!(
        notes_commit(true)?,
        "522a8fcad148fe794046af5769734cdd44f3ebc4"
    );
    assert_eq!(
        notes_commit(false)?,
        "2d4eea7a2e2c0150343f850a43558164856dd17e"
    );
    Ok(())
}

#[test]
fn insert_get_remove() -> Result<()> {
    let mut store = MemoryStore::new();
    let mut notes = NotesTree::new();
    let v = hash_object(Kind::Blob, b"v");
    let w = hash_object(Kind::Blob, b"w");
    let keys: Vec<NoteKey> = (0..2000).map(pseudo_key).collect();
    for k in &keys {
        notes.insert(&mut store, *k, v)?;
    }
    notes.insert(&mut store, keys[5], w)?;
    assert_eq!(notes.get(&mut store, &keys[5])?, Some(w));
    assert_eq!(notes.get(&mut store, &keys[6])?, Some(v));
    assert_eq!(notes.get(&mut store, &pseudo_key(99999))?, None);
    assert_eq!(notes.remove(&mut store, &keys[5])?, Some(w));
    assert_eq!(notes.remove(&mut store, &keys[5])?, None);
    assert_eq!(notes.get(&mut store, &keys[5])?, None);
    let all: Vec<_> = notes.iter(&mut store)?.collect();
    assert_eq!(all.len(), 1999);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
    Ok(())
}

/// Writing, loading lazily and writing again gives the same tree; so
/// does a fresh tree with the same notes; removing everything added
/// gives the old tree back.
#[test]
fn write_load_round_trip() -> Result<()> {
    let mut store = MemoryStore::new();
    let v = hash_object(Kind::Blob, b"v");
    for count in [0u32, 1, 2, 17, 300, 5000] {
        let mut notes = NotesTree::new();
        for i in 0..count {
            notes.insert(&mut store, pseudo_key(i), v)?;
        }
        let tree = notes.write(&mut store, Mode::FILE)?;
        let mut again = NotesTree::load(&mut store, &tree)?;
        assert_eq!(again.write(&mut store, Mode::FILE)?, tree, "{count}");
        let mut fresh = NotesTree::new();
        let all: Vec<_> = again.iter(&mut store)?.collect();
        assert_eq!(all.len(), count as usize);
        for (k, v) in all {
            fresh.insert(&mut store, k, v)?;
        }
        assert_eq!(fresh.write(&mut store, Mode::FILE)?, tree, "{count}");
        let mut grown = NotesTree::load(&mut store, &tree)?;
        grown.insert(&mut store, pseudo_key(1_000_000), v)?;
        let grown_tree = grown.write(&mut store, Mode::FILE)?;
        assert_ne!(grown_tree, tree);
        let mut shrunk = NotesTree::load(&mut store, &grown_tree)?;
        shrunk.remove(&mut store, &pseudo_key(1_000_000))?;
        assert_eq!(shrunk.write(&mut store, Mode::FILE)?, tree, "{count}");
    }
    Ok(())
}

/// Fan-out: 5000 random keys fill all 256 first-byte directories.
#[test]
fn fanout_paths() -> Result<()> {
    let mut store = MemoryStore::new();
    let v = hash_object(Kind::Blob, b"v");
    let mut notes = NotesTree::new();
    for i in 0..5000 {
        notes.insert(&mut store, pseudo_key(i), v)?;
    }
    let tree = notes.write(&mut store, Mode::GITLINK)?;
    let mut data = Vec::new();
    store.read(&tree, &mut data)?;
    let root: Vec<_> = parse_tree(&data).collect::<Result<_>>()?;
    assert_eq!(root.len(), 256);
    assert!(root
        .iter()
        .all(|e| e.mode == Mode::DIR && e.name.len() == 2));
    let mut sub = Vec::new();
    store.read(&root[0].oid, &mut sub)?;
    let leaves: Vec<_> = parse_tree(&sub).collect::<Result<_>>()?;
    assert!(leaves
        .iter()
        .all(|e| e.mode == Mode::GITLINK && e.name.len() == 38));
    Ok(())
}

#[test]
fn cinnabar_notes_additions() -> Result<()> {
    let mut store = MemoryStore::new();
    let v = hash_object(Kind::Blob, b"v");
    let w = hash_object(Kind::Blob, b"w");
    let mut first = CinnabarNotes::new();
    for i in 0..3000 {
        first.add(&mut store, pseudo_key(i), v)?;
    }
    assert!(first.is_dirty());
    let tree = first.write(&mut store, Mode::FILE)?;
    let mut plain = NotesTree::new();
    for i in 0..3000 {
        plain.insert(&mut store, pseudo_key(i), v)?;
    }
    assert_eq!(plain.write(&mut store, Mode::FILE)?, tree);

    let mut next = CinnabarNotes::load(&mut store, &tree)?;
    assert!(!next.is_dirty());
    // Existing values are kept.
    next.add(&mut store, pseudo_key(7), w)?;
    assert_eq!(next.get(&mut store, &pseudo_key(7))?, Some(v));
    for i in 3000..3100 {
        next.add(&mut store, pseudo_key(i), w)?;
    }
    assert_eq!(next.get(&mut store, &pseudo_key(3050))?, Some(w));
    let tree2 = next.write(&mut store, Mode::FILE)?;
    let mut plain2 = NotesTree::load(&mut store, &tree)?;
    for i in 3000..3100 {
        plain2.insert(&mut store, pseudo_key(i), w)?;
    }
    assert_eq!(plain2.write(&mut store, Mode::FILE)?, tree2);
    Ok(())
}

#[test]
fn refuses_non_notes() -> Result<()> {
    let mut store = MemoryStore::new();
    let blob = store.write(Kind::Blob, b"x")?;
    let mut data = Vec::new();
    push_entry(&mut data, Mode::FILE, b".gitattributes", &blob);
    let tree = store.write(Kind::Tree, &data)?;
    assert!(NotesTree::load(&mut store, &tree).is_err());
    Ok(())
}

/// Writing notes without the trie gives the trees the trie gives, fan-out
/// growth, keys set twice and removals included.
#[test]
fn write_new_matches_the_trie() -> Result<()> {
    for (count, modes) in [
        (0u32, Mode::FILE),
        (1, Mode::FILE),
        (40, Mode::GITLINK),
        (6000, Mode::GITLINK),
    ] {
        let mut notes: Vec<([u8; 20], [u8; 20])> = (0..count)
            .map(|i| (pseudo_key(i), pseudo_key(i + 1_000_000)))
            .collect();
        // Some keys set again, some removed (null value).
        for i in (0..count).step_by(7) {
            notes.push((pseudo_key(i), pseudo_key(i + 2_000_000)));
        }
        for i in (0..count).step_by(11) {
            notes.push((pseudo_key(i), [0; 20]));
        }
        let mut trie_store = MemoryStore::new();
        let mut tree = NotesTree::new();
        for (k, v) in &notes {
            tree.insert(&mut trie_store, *k, crate::store::oid_from_bytes(*v))?;
        }
        let expected = tree.write(&mut trie_store, modes)?;
        let mut store = MemoryStore::new();
        let got = NotesTree::write_new(&mut store, modes, &notes)?;
        assert_eq!(got, expected, "{count} notes");
    }
    Ok(())
}

/// Adding notes to a tree already written without the trie gives the
/// trees the trie gives: trees written at once or grown step by step (the
/// fan-out's hysteresis), keys set again, a note set twice in one batch.
#[test]
fn write_merged_matches_the_trie() -> Result<()> {
    for (first, steps, step) in [
        (0u32, 1, 1u32),
        (1, 2, 1),
        (3, 4, 5),
        (40, 3, 30),
        (200, 3, 2000),
        (5000, 3, 700),
        (70_000, 2, 30_000),
    ] {
        let mut store = MemoryStore::new();
        let mut trie = NotesTree::new();
        for i in 0..first {
            trie.insert(
                &mut store,
                pseudo_key(i),
                hash_object(Kind::Blob, &i.to_be_bytes()),
            )?;
        }
        let mut tree = trie.write(&mut store, Mode::GITLINK)?;
        if first >= 5000 {
            // Shrunk: most notes removed from a tree with subtrees.
            let mut shrunk = NotesTree::load(&mut store, &tree)?;
            for i in (0..first).filter(|i| i % 10 != 0) {
                shrunk.remove(&mut store, &pseudo_key(i))?;
            }
            tree = shrunk.write(&mut store, Mode::GITLINK)?;
        }
        let mut next = first;
        for s in 0..steps {
            let mut notes: Vec<([u8; 20], [u8; 20])> = (next..next + step)
                .map(|i| (pseudo_key(i), pseudo_key(i + 1_000_000)))
                .collect();
            // Old keys set again (some to their value), one key twice.
            for i in (0..next).step_by(13) {
                notes.push((pseudo_key(i), pseudo_key(i + 3_000_000 * (i % 2))));
            }
            notes.push((pseudo_key(next), pseudo_key(next + 2_000_000)));
            next += step;
            let mut trie = NotesTree::load(&mut store, &tree)?;
            for (k, v) in &notes {
                trie.insert(&mut store, *k, crate::store::oid_from_bytes(*v))?;
            }
            let expected = trie.write(&mut store, Mode::GITLINK)?;
            // The merge itself, not the trie it falls back on.
            let order = last_of_each_key(&notes)?;
            let got = merge::write_merged(&mut store, Mode::GITLINK, &tree, &notes, order)?;
            let got = got.expect("no fallback");
            assert_eq!(got, expected, "{first} notes, step {s} of {step}");
            tree = got;
        }
    }
    Ok(())
}

/// A removal among the new notes is left to the trie.
#[test]
fn write_merged_removal() -> Result<()> {
    let mut store = MemoryStore::new();
    let mut trie = NotesTree::new();
    for i in 0..300 {
        trie.insert(
            &mut store,
            pseudo_key(i),
            hash_object(Kind::Blob, &i.to_be_bytes()),
        )?;
    }
    let tree = trie.write(&mut store, Mode::FILE)?;
    let notes = [(pseudo_key(7), [0; 20]), (pseudo_key(1000), pseudo_key(1))];
    let order = last_of_each_key(&notes)?;
    assert!(merge::write_merged(&mut store, Mode::FILE, &tree, &notes, order)?.is_none());
    let mut trie = NotesTree::load(&mut store, &tree)?;
    for (k, v) in &notes {
        trie.insert(&mut store, *k, crate::store::oid_from_bytes(*v))?;
    }
    let expected = trie.write(&mut store, Mode::FILE)?;
    let got = NotesTree::write_merged(&mut store, Mode::FILE, &tree, &notes)?;
    assert_eq!(got, expected);
    Ok(())
}
