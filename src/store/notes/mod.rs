//! git notes trees, laid out exactly as git's `notes.c` lays them out, so
//! that cinnabar's metadata (hg2git, git2hg, files-meta: spec 2.5) gets
//! the same tree ids as git-cinnabar's.
//!
//! # The in-memory trie
//!
//! Keys (20 bytes) live in a 16-ary trie indexed by their successive
//! nibbles. A slot is empty, a note (key → value), an internal node, or an
//! on-disk subtree not loaded yet (a key prefix of whole bytes and the tree
//! holding the notes under it). Inserting into a slot that holds a
//! different leaf creates internal nodes until the two keys part. Searching
//! for a key that falls under an unloaded subtree first loads it, placing
//! its entries (notes, or further subtrees) into the node where the subtree
//! was; removing a note folds a node left with a single note into its
//! parent.
//!
//! # Writing: fan-out
//!
//! Writing walks the trie in nibble order. At each node at an even depth
//! `n` with `n <= 2 * fanout`, if all 16 slots are internal nodes or
//! unloaded subtrees, the fan-out of everything below that node grows by
//! one. A note is written at a path of `fanout` two-hex-digit directories
//! then the rest of its hex key (`ab/cd/<36 hex>` at fan-out 2). An unloaded
//! subtree at depth `n < 2 * fanout` is written back as the same tree
//! (hysteresis: the layout depends on what was on disk before); deeper ones
//! are loaded and their notes written at the current level. Entries come
//! out in nibble order, which is git's sorted order for these names.
//!
//! [`CinnabarNotes`] adds the way git-cinnabar uses these trees (a lazily
//! loaded "current" tree plus an "additions" tree merged at write time),
//! which matters for the ids of incrementally updated trees.
//!
//! Entries that are not notes (other names, or a non-tree entry with a
//! two-hex-digit name) are refused with an error; git would keep them
//! aside. Leaves of any mode are read as notes, as cinnabar's patched
//! `notes.c` does (hg2git's leaves are gitlinks).

use gix::ObjectId;

use crate::store::error::Result;
use crate::store::object::{null_oid, oid_bytes, oid_from_bytes, ObjectRead, ObjectWrite};
use crate::store::tree::Mode;
use trie::{find, insert, is_null, load_all, load_subtree, remove};
use trie::{Combine, Inserted, Leaf, LeafKind, Node, Slot};
use write::{write_node, write_sorted, WriteStack};

mod cinnabar;
mod merge;
#[cfg(test)]
mod tests;
mod trie;
mod write;

pub use cinnabar::CinnabarNotes;
pub use trie::NoteKey;

/// A git notes tree. See the [module](self) docs.
#[derive(Clone, Debug, Default)]
pub struct NotesTree {
    root: Node,
    dirty: bool,
}

impl NotesTree {
    /// An empty notes tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A notes tree backed by the tree object `tree`: only the root tree is
    /// read now; subtrees are read when a search needs them.
    pub fn load(reader: &mut (impl ObjectRead + ?Sized), tree: &ObjectId) -> Result<Self> {
        let mut this = Self::new();
        let root = Leaf {
            key: [0; 20],
            val: *tree,
        };
        load_subtree(&mut this.root, 0, &root, reader)?;
        Ok(this)
    }

    /// Whether the tree was changed by [`insert`](Self::insert) or a
    /// successful [`remove`](Self::remove) since it was created.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Whether the trie's root is empty (no note and no unloaded subtree).
    pub fn is_empty(&self) -> bool {
        self.root.a.iter().all(|s| matches!(s, Slot::Empty))
    }

    /// The value of the note for `key`, loading subtrees on the way.
    pub fn get(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<Option<ObjectId>> {
        find(&mut self.root, 0, key, reader)
    }

    /// Sets the note for `key` to `value`, replacing any previous value. A
    /// null `value` removes the note.
    pub fn insert(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: NoteKey,
        value: ObjectId,
    ) -> Result<()> {
        self.insert_combining(reader, key, value, Combine::Overwrite)
    }

    fn insert_combining(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: NoteKey,
        value: ObjectId,
        combine: Combine,
    ) -> Result<()> {
        self.dirty = true;
        if is_null(&value) {
            self.remove(reader, &key)?;
            self.dirty = true;
            return Ok(());
        }
        let leaf = Box::new(Leaf { key, val: value });
        match insert(&mut self.root, 0, leaf, LeafKind::Note, combine, reader)? {
            Inserted::Done => Ok(()),
            Inserted::BecameNull => {
                self.remove(reader, &key)?;
                Ok(())
            }
        }
    }

    /// Removes the note for `key`, returning its value if there was one.
    pub fn remove(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<Option<ObjectId>> {
        let removed = remove(&mut self.root, 0, key, reader)?.map(|(v, _)| v);
        if removed.is_some() {
            self.dirty = true;
        }
        Ok(removed)
    }

    /// Loads every subtree, then returns all notes in key order.
    pub fn iter(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
    ) -> Result<impl Iterator<Item = (NoteKey, ObjectId)> + '_> {
        load_all(&mut self.root, 0, reader)?;
        let mut stack: Vec<std::slice::Iter<'_, Slot>> = vec![self.root.a.iter()];
        Ok(std::iter::from_fn(move || loop {
            let top = stack.last_mut()?;
            match top.next() {
                None => {
                    stack.pop();
                }
                Some(Slot::Internal(node)) => stack.push(node.a.iter()),
                Some(Slot::Note(leaf)) => return Some((leaf.key, leaf.val)),
                Some(Slot::Empty) | Some(Slot::Subtree(_)) => {}
            }
        }))
    }

    /// Writes the tree objects of this notes tree (bottom up, with notes of
    /// mode `leaf_mode`: [`Mode::FILE`], or [`Mode::GITLINK`] for hg2git,
    /// and directories of mode `40000`) and returns the root tree's id.
    pub fn write<S>(&mut self, store: &mut S, leaf_mode: Mode) -> Result<ObjectId>
    where
        S: ObjectRead + ObjectWrite + ?Sized,
    {
        let mut stack = WriteStack::new(leaf_mode);
        write_node(&mut self.root, 0, 0, &mut stack, store)?;
        stack.finish(store)
    }
}

impl NotesTree {
    /// Writes the tree objects of the notes tree that inserting `notes`
    /// (key, value; a null value removes the key) in order into an empty
    /// tree would give, as [`write`](Self::write) would write it, without
    /// building the trie: beside the notes, 4 bytes a note are allocated,
    /// where the trie takes some 150.
    pub fn write_new<S>(
        store: &mut S,
        leaf_mode: Mode,
        notes: &[([u8; 20], [u8; 20])],
    ) -> Result<ObjectId>
    where
        S: ObjectWrite + ?Sized,
    {
        let mut order = last_of_each_key(notes)?;
        order.retain(|&i| notes[i as usize].1 != [0; 20]);
        let mut stack = WriteStack::new(leaf_mode);
        write_sorted(notes, &order, 0, 0, &mut stack, store)?;
        stack.finish(store)
    }

    /// Writes the tree objects of the notes tree that loading `old`,
    /// inserting `notes` in order (as [`insert`](Self::insert) does) and
    /// [`write`](Self::write) would give, without a trie of every note:
    /// the old tree is read subtree by subtree, only where new notes fall
    /// or the fan-out asks, beside 4 bytes a new note (see
    /// [`merge`](self::merge)).
    pub fn write_merged<S>(
        store: &mut S,
        leaf_mode: Mode,
        old: &ObjectId,
        notes: &[([u8; 20], [u8; 20])],
    ) -> Result<ObjectId>
    where
        S: ObjectRead + ObjectWrite + ?Sized,
    {
        let order = last_of_each_key(notes)?;
        if let Some(tree) = merge::write_merged(store, leaf_mode, old, notes, order)? {
            return Ok(tree);
        }
        let mut trie = Self::load(store, old)?;
        for (k, v) in notes {
            trie.insert(store, *k, oid_from_bytes(*v))?;
        }
        trie.write(store, leaf_mode)
    }
}

/// Positions in `notes` sorted by key, the last of each key only (as
/// insertions overwrite).
fn last_of_each_key(notes: &[([u8; 20], [u8; 20])]) -> Result<Vec<u32>> {
    let count = u32::try_from(notes.len()).map_err(|_| crate::store::StoreError::Notes {
        tree: null_oid(),
        reason: "more than 4 billion notes".into(),
    })?;
    let mut order: Vec<u32> = (0..count).collect();
    // Stable: the last value of a key comes last.
    order.sort_by_key(|&i| notes[i as usize].0);
    let mut kept = 0;
    for i in 0..order.len() {
        let last_of_key = order
            .get(i + 1)
            .is_none_or(|&next| notes[next as usize].0 != notes[order[i] as usize].0);
        if last_of_key {
            order[kept] = order[i];
            kept += 1;
        }
    }
    order.truncate(kept);
    Ok(order)
}

/// The null id, as a notes value meaning "no note".
pub fn no_note() -> ObjectId {
    null_oid()
}

/// The key of an object id.
pub fn key_of(oid: &ObjectId) -> NoteKey {
    oid_bytes(oid)
}
