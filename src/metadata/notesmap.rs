//! A map kept as a git notes tree (hg2git, git2hg, files-meta: spec 2.5),
//! read lazily: looking a key up reads only the trees on its fan-out path
//! (`ab/cd/…`), once, as git-cinnabar's notes do; entries set by this run
//! are held in memory beside it. Loading every note (`flatten`) is kept for
//! the commands that need a whole map (fsck, lookups in bulk, `data`).

use std::sync::Mutex;

use gix_hash::ObjectId;

use super::error::invalid;
use super::idmap::{Id20, IdMap};
use super::Result;
use crate::hg::node::decode_hex;
use crate::store::tree::{parse_tree, Mode};
use crate::store::{NotesTree, ObjectRead, StoreError};

/// The notes tree a [`NotesMap`] reads from on demand, and the repository
/// it reads with.
struct Lazy {
    root: ObjectId,
    tree: NotesTree,
    reader: Box<dyn ObjectRead + Send>,
    /// The first error a lookup met (the lookup answered "absent"); kept
    /// to be reported by [`NotesMap::check`] before anything is written.
    error: Option<StoreError>,
    /// Tree objects read so far (the root included).
    reads: usize,
}

/// Counts the trees a lazy lookup reads.
struct Counting<'a> {
    reader: &'a mut dyn ObjectRead,
    reads: &'a mut usize,
}

impl ObjectRead for Counting<'_> {
    fn try_read(
        &mut self,
        oid: &ObjectId,
        out: &mut Vec<u8>,
    ) -> crate::store::Result<Option<gix::object::Kind>> {
        *self.reads += 1;
        self.reader.try_read(oid, out)
    }
}

/// A map from an id to an object id, backed by a notes tree. See the
/// [module](self) docs.
pub struct NotesMap<K> {
    /// Entries in memory: those set by this run, or every entry once the
    /// tree was flattened. They take precedence over the tree's.
    known: IdMap<K, ObjectId>,
    /// Where the entries set by this run (since the last
    /// [`clear_added`](Self::clear_added)) start in `known`'s log.
    added_from: usize,
    /// The notes tree not read yet, if any (a `Mutex` for lookups through
    /// `&self` from any thread).
    lazy: Option<Mutex<Lazy>>,
}

impl<K> Default for NotesMap<K> {
    fn default() -> Self {
        NotesMap {
            known: IdMap::default(),
            added_from: 0,
            lazy: None,
        }
    }
}

impl<K> std::fmt::Debug for NotesMap<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NotesMap({:?}{})",
            self.known,
            if self.lazy.is_some() { ", lazy" } else { "" }
        )
    }
}

impl<K: Id20> NotesMap<K> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The map of the notes tree `tree`, read on demand through `reader`
    /// (the repository, usually): only the root tree is read now.
    pub fn lazy(mut reader: Box<dyn ObjectRead + Send>, tree: &ObjectId) -> Result<Self> {
        let mut reads = 0;
        let notes = NotesTree::load(
            &mut Counting {
                reader: &mut *reader,
                reads: &mut reads,
            },
            tree,
        )?;
        Ok(NotesMap {
            known: IdMap::default(),
            added_from: 0,
            lazy: Some(Mutex::new(Lazy {
                root: *tree,
                tree: notes,
                reader,
                error: None,
                reads,
            })),
        })
    }

    /// The map of the notes tree `tree`, every note read now.
    pub fn full(reader: &mut (impl ObjectRead + ?Sized), tree: &ObjectId) -> Result<Self> {
        let mut map = Self::new();
        flatten_notes(reader, tree, &mut Vec::new(), &mut map.known)?;
        map.added_from = map.known.mark();
        Ok(map)
    }

    /// Reads every note of the tree still unread into memory, as
    /// [`full`](Self::full) does; entries set since stay.
    pub fn flatten(&mut self) -> Result<()> {
        let Some(lazy) = self.lazy.take() else {
            return Ok(());
        };
        let mut lazy = lazy.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut all = IdMap::new();
        flatten_notes(&mut *lazy.reader, &lazy.root, &mut Vec::new(), &mut all)?;
        // The entries set since, in the order set: they win, and stay the
        // log of what this run added.
        let added_from = all.mark() + self.added_from;
        for (k, v) in self.known.set_since(0) {
            all.insert(K::from_bytes(*k), ObjectId::from_bytes(*v));
        }
        self.known = all;
        self.added_from = added_from;
        Ok(())
    }

    /// Whether notes of the tree may not be in memory yet.
    pub fn is_lazy(&self) -> bool {
        self.lazy.is_some()
    }

    /// How many tree objects lookups read so far (0 when not lazy).
    pub fn trees_read(&self) -> usize {
        self.lazy.as_ref().map_or(0, |l| match l.lock() {
            Ok(l) => l.reads,
            Err(e) => e.into_inner().reads,
        })
    }

    /// Looks an id up. A tree that cannot be read answers "absent", and
    /// the error is kept for [`check`](Self::check).
    pub fn get(&self, key: &K) -> Option<ObjectId> {
        if let Some(v) = self.known.get(key) {
            return Some(v);
        }
        let lazy = self.lazy.as_ref()?;
        let mut guard = lazy.lock().unwrap_or_else(|e| e.into_inner());
        let Lazy {
            tree,
            reader,
            error,
            reads,
            ..
        } = &mut *guard;
        let mut counting = Counting {
            reader: &mut **reader,
            reads,
        };
        match tree.get(&mut counting, &key.to_bytes()) {
            Ok(v) => v,
            Err(e) => {
                error.get_or_insert(e);
                None
            }
        }
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Sets a value.
    pub fn insert(&mut self, key: K, value: ObjectId) {
        self.known.insert(key, value);
    }

    /// The entries set since the map was loaded or
    /// [`clear_added`](Self::clear_added) was last called, in the order
    /// set (a key set twice is there twice), as raw ids.
    pub fn added(&self) -> &[([u8; 20], [u8; 20])] {
        self.known.set_since(self.added_from)
    }

    /// Forgets which entries were set by this run: they were written.
    pub fn clear_added(&mut self) {
        self.added_from = self.known.mark();
    }

    /// Fails with the first error a lookup met reading the notes tree.
    pub fn check(&self) -> Result<()> {
        let Some(lazy) = &self.lazy else {
            return Ok(());
        };
        let mut guard = lazy.lock().unwrap_or_else(|e| e.into_inner());
        match guard.error.take() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Every entry, in no particular order. A lazy map is flattened first
    /// (and stays so): only the entries of a map that is not lazy are
    /// given without reading anything.
    pub fn entries(&mut self) -> Result<impl Iterator<Item = (K, ObjectId)> + '_> {
        self.flatten()?;
        Ok(self.known.iter())
    }

    /// Every entry of a map that is not lazy (see [`is_lazy`]); an error
    /// otherwise, as a whole map must be loaded on purpose.
    ///
    /// [`is_lazy`]: Self::is_lazy
    pub fn iter(&self) -> Result<impl Iterator<Item = (K, ObjectId)> + '_> {
        if self.is_lazy() {
            return Err(invalid("internal: a lazy notes map cannot be iterated"));
        }
        Ok(self.known.iter())
    }

    /// Number of entries of a map that is not lazy (the entries in memory
    /// otherwise).
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether the map has no entry in memory and no tree to read.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.lazy.is_none()
    }
}

/// Reads every note of a notes tree, whatever its fan-out.
fn flatten_notes<K: Id20>(
    store: &mut (impl ObjectRead + ?Sized),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hg::HgNode;
    use crate::store::object::hash_object;
    use crate::store::{Kind, MemoryStore, ObjectWrite};

    fn node(i: u32) -> HgNode {
        HgNode(hash_object(Kind::Blob, &i.to_be_bytes()).to_bytes())
    }

    fn value(i: u32) -> ObjectId {
        hash_object(Kind::Commit, &i.to_be_bytes())
    }

    /// A notes tree of `n` notes, written as cinnabar writes them (with
    /// fan-out once it is large enough).
    fn notes_tree(store: &mut MemoryStore, n: u32) -> ObjectId {
        let mut notes = NotesTree::new();
        for i in 0..n {
            notes
                .insert(store, node(i).to_bytes(), value(i))
                .expect("insert");
        }
        notes.write(store, Mode::GITLINK).expect("write")
    }

    #[test]
    fn lazy_lookups_match_the_flattened_map() -> Result<()> {
        let mut store = MemoryStore::new();
        let root = notes_tree(&mut store, 3000);
        let full = NotesMap::<HgNode>::full(&mut store, &root)?;
        assert_eq!(full.len(), 3000);
        let lazy = NotesMap::<HgNode>::lazy(Box::new(store.clone()), &root)?;
        assert!(lazy.is_lazy());
        assert_eq!(lazy.trees_read(), 1);
        // One lookup reads the trees on its path only (root, then one
        // directory per level of fan-out).
        assert_eq!(lazy.get(&node(7)), Some(value(7)));
        let after_one = lazy.trees_read();
        assert!((2..=3).contains(&after_one), "{after_one} trees read");
        for i in 0..3000 {
            assert_eq!(lazy.get(&node(i)), full.get(&node(i)));
        }
        for i in 3000..3100 {
            assert_eq!(lazy.get(&node(i)), None);
        }
        lazy.check()?;
        Ok(())
    }

    #[test]
    fn entries_set_this_run_win_and_survive_flattening() -> Result<()> {
        let mut store = MemoryStore::new();
        let root = notes_tree(&mut store, 600);
        let mut map = NotesMap::<HgNode>::lazy(Box::new(store.clone()), &root)?;
        map.insert(node(1), value(9999));
        map.insert(node(600), value(600));
        assert_eq!(map.get(&node(1)), Some(value(9999)));
        assert_eq!(map.get(&node(600)), Some(value(600)));
        assert!(map.iter().is_err());
        let all: Vec<_> = map.entries()?.collect();
        assert_eq!(all.len(), 601);
        assert!(!map.is_lazy());
        assert_eq!(map.get(&node(1)), Some(value(9999)));
        assert_eq!(map.get(&node(2)), Some(value(2)));
        assert_eq!(map.iter()?.count(), 601);
        Ok(())
    }

    #[test]
    fn an_unreadable_subtree_is_reported_by_check() -> Result<()> {
        let mut store = MemoryStore::new();
        let missing = hash_object(Kind::Tree, b"not stored");
        let mut root = Vec::new();
        crate::store::tree::push_entry(&mut root, Mode::DIR, b"ab", &missing);
        let root = store.write(Kind::Tree, &root)?;
        let map = NotesMap::<HgNode>::lazy(Box::new(store), &root)?;
        let mut key = [0u8; 20];
        key[0] = 0xab;
        assert_eq!(map.get(&HgNode(key)), None);
        assert!(map.check().is_err());
        // Keys elsewhere need no subtree.
        assert_eq!(map.get(&HgNode([0x12; 20])), None);
        Ok(())
    }
}
