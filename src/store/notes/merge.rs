//! Adding notes to a notes tree already written, without a trie of every
//! note: what loading the tree, inserting the notes and writing it back
//! ([`NotesTree::load`](super::NotesTree::load), `insert`, `write`) gives,
//! computed by walking the old tree and the sorted new notes together.
//!
//! # Why it gives the trie's trees
//!
//! Inserting only notes (no removal) into a loaded tree leaves a trie that
//! depends only on its set of leaves: the notes, and the subtrees still
//! unloaded. A subtree is loaded exactly when a new key falls under its
//! prefix (recursively); a slot holds nothing, a single leaf, or an
//! internal node as 0, 1 or more leaves fall under it. So a node of the
//! trie is a sorted list of *items* (notes, and subtrees with the range of
//! new keys under them) sharing a prefix: items fall in slots by their
//! next nibble, and a slot's only item, when it is a subtree with new keys
//! under it, is replaced by its entries merged with those keys (as the
//! trie loads it). Every item stands for at least one leaf, so a slot of
//! two items or more is an internal node without looking further: the
//! subtrees below stay unread until a deeper node isolates them. Writing
//! then follows [`write_node`](super::write::write_node) exactly: a
//! node's fan-out grows when its 16 slots are all internal nodes or
//! unloaded subtrees, an unloaded subtree above the fan-out is written
//! back as is, a deeper one is read and its entries written in its place.
//!
//! Memory: 4 bytes a new note (their sorted order) and the entries of the
//! trees on the path being written, where the trie holds every note of the
//! loaded subtrees (some 150 bytes each).
//!
//! Trees git's notes.c would not write (an entry with a null id, the same
//! key twice, a note under a subtree of the same tree) and removals (null
//! values) are left to the trie: [`write_merged`] answers `None` (having
//! perhaps written some trees already, which nothing will refer to).

use gix::object::Kind;
use gix::ObjectId;

use super::trie::{is_null, nibble, NoteKey};
use super::write::WriteStack;
use crate::store::error::{Result, StoreError};
use crate::store::object::{oid_from_bytes, ObjectRead, ObjectWrite};
use crate::store::tree::{parse_tree, Mode};
use crate::util::hex;

/// A leaf, or a group of leaves, of the trie being written.
#[derive(Clone, Copy, Debug)]
enum Item {
    /// A note: its key and value.
    Note { key: NoteKey, val: ObjectId },
    /// An on-disk subtree: its prefix (as the trie's leaves hold it: the
    /// prefix bytes, zero padded, the length in `key[19]`), its tree, and
    /// the positions in the sorted order of the new notes under it.
    Sub {
        key: NoteKey,
        tree: ObjectId,
        new: (u32, u32),
    },
}

impl Item {
    fn key(&self) -> &NoteKey {
        match self {
            Item::Note { key, .. } | Item::Sub { key, .. } => key,
        }
    }

    /// Whether the item is a subtree the trie would have loaded.
    fn is_loaded_sub(&self) -> bool {
        matches!(self, Item::Sub { new, .. } if new.0 < new.1)
    }
}

/// Whether `key` falls under the subtree prefix `sub`.
fn under(key: &NoteKey, sub: &NoteKey) -> bool {
    let len = sub[19] as usize;
    key[..len.min(20)] == sub[..len.min(20)]
}

/// Why a merge stopped.
enum Stop {
    Store(StoreError),
    /// Something only the trie answers exactly.
    Unusual,
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

struct Merge<'a> {
    notes: &'a [([u8; 20], [u8; 20])],
    /// Positions in `notes`, sorted by key, the last of each key.
    order: Vec<u32>,
    stack: WriteStack,
    data: Vec<u8>,
}

/// The tree that loading `old`, inserting `notes` (key, value; in order, a
/// key set twice keeping its last value) and writing with leaf mode
/// `leaf_mode` gives; `None` when only the trie can tell (see the
/// [module](self) docs).
pub(super) fn write_merged<S>(
    store: &mut S,
    leaf_mode: Mode,
    old: &ObjectId,
    notes: &[([u8; 20], [u8; 20])],
    order: Vec<u32>,
) -> Result<Option<ObjectId>>
where
    S: ObjectRead + ObjectWrite + ?Sized,
{
    if order.iter().any(|&i| notes[i as usize].1 == [0; 20]) {
        return Ok(None);
    }
    let count = order.len() as u32;
    let mut merge = Merge {
        notes,
        order,
        stack: WriteStack::new(leaf_mode),
        data: Vec::new(),
    };
    let root = match merge.expand(store, &[0; 20], old, (0, count), 0) {
        Ok(items) => merge.write_items(store, &items, 0, 0),
        Err(e) => Err(e),
    };
    match root {
        Ok(()) => Ok(Some(merge.stack.finish(store)?)),
        Err(Stop::Unusual) => Ok(None),
        Err(Stop::Store(e)) => Err(e),
    }
}

impl Merge<'_> {
    fn new_key(&self, pos: u32) -> &NoteKey {
        &self.notes[self.order[pos as usize] as usize].0
    }

    fn new_note(&self, pos: u32) -> Item {
        let (key, val) = self.notes[self.order[pos as usize] as usize];
        Item::Note {
            key,
            val: oid_from_bytes(val),
        }
    }

    /// The items the trie holds once the subtree `prefix` (tree `tree`) is
    /// loaded into a node at depth `n` and the new notes `new` (all under
    /// the prefix) inserted: its entries, in key order, new notes replacing
    /// or joining them, subtrees taking the new notes under them.
    fn expand<S>(
        &mut self,
        store: &mut S,
        prefix: &NoteKey,
        tree: &ObjectId,
        new: (u32, u32),
        n: usize,
    ) -> std::result::Result<Vec<Item>, Stop>
    where
        S: ObjectRead + ?Sized,
    {
        let prefix_len = prefix[19] as usize;
        let bad = |reason: String| StoreError::Notes {
            tree: *tree,
            reason,
        };
        if prefix_len >= 20 || prefix_len * 2 < n {
            return Err(bad(format!("subtree prefix of {prefix_len} bytes at depth {n}")).into());
        }
        store.read_of_kind(tree, Kind::Tree, &mut self.data)?;
        let mut old = Vec::new();
        for entry in parse_tree(&self.data) {
            let entry = entry?;
            let mut key = [0u8; 20];
            key[..prefix_len].copy_from_slice(&prefix[..prefix_len]);
            let item = if entry.name.len() == 2 * (20 - prefix_len) {
                if !hex::decode(entry.name, &mut key[prefix_len..]) {
                    return Err(bad(format!(
                        "entry {:?} is not a note",
                        String::from_utf8_lossy(entry.name)
                    ))
                    .into());
                }
                Item::Note {
                    key,
                    val: entry.oid,
                }
            } else if entry.name.len() == 2 && entry.mode.is_dir() {
                if !hex::decode(entry.name, &mut key[prefix_len..prefix_len + 1]) {
                    return Err(bad(format!(
                        "entry {:?} is not a notes directory",
                        String::from_utf8_lossy(entry.name)
                    ))
                    .into());
                }
                key[19] = (prefix_len + 1) as u8;
                Item::Sub {
                    key,
                    tree: entry.oid,
                    new: (0, 0),
                }
            } else {
                return Err(bad(format!(
                    "entry {:?} ({}) is not a note",
                    String::from_utf8_lossy(entry.name),
                    entry.mode
                ))
                .into());
            };
            if is_null(&entry.oid) {
                return Err(Stop::Unusual);
            }
            old.push(item);
        }
        old.sort_by(|a, b| a.key().cmp(b.key()));
        // Two entries for one key, or a note under a subtree beside it,
        // are next to each other once sorted.
        for pair in old.windows(2) {
            let clash = |a: &Item, b: &Item| match a {
                Item::Sub { key, .. } => under(b.key(), key),
                Item::Note { key, .. } => b.key() == key,
            };
            if clash(&pair[0], &pair[1]) || clash(&pair[1], &pair[0]) {
                return Err(Stop::Unusual);
            }
        }
        let (mut j, end) = new;
        let mut items = Vec::with_capacity(old.len() + (end - j) as usize);
        for item in old {
            match item {
                Item::Sub { key, tree, .. } => {
                    while j < end && self.new_key(j) < &key && !under(self.new_key(j), &key) {
                        items.push(self.new_note(j));
                        j += 1;
                    }
                    let start = j;
                    while j < end && under(self.new_key(j), &key) {
                        j += 1;
                    }
                    items.push(Item::Sub {
                        key,
                        tree,
                        new: (start, j),
                    });
                }
                Item::Note { key, .. } => {
                    while j < end && self.new_key(j) < &key {
                        items.push(self.new_note(j));
                        j += 1;
                    }
                    if j < end && self.new_key(j) == &key {
                        items.push(self.new_note(j));
                        j += 1;
                    } else {
                        items.push(item);
                    }
                }
            }
        }
        items.extend((j..end).map(|p| self.new_note(p)));
        Ok(items)
    }

    /// Writes the node at depth `n` whose items (sorted, sharing their
    /// first `n` nibbles) are `items`, as [`write_node`] writes the trie's.
    ///
    /// [`write_node`]: super::write::write_node
    fn write_items<S>(
        &mut self,
        store: &mut S,
        items: &[Item],
        n: usize,
        fanout: usize,
    ) -> std::result::Result<(), Stop>
    where
        S: ObjectRead + ObjectWrite + ?Sized,
    {
        if n >= 40 {
            return Err(Stop::Unusual);
        }
        // The slots: a range of `items`, or a loaded subtree's items.
        let mut slots: [Option<Vec<Item>>; 16] = Default::default();
        let mut ranges = [(0usize, 0usize); 16];
        let mut start = 0;
        for (nib, range) in ranges.iter_mut().enumerate() {
            let mut end = start;
            while end < items.len() && slot_of(&items[end], n)? == nib {
                end += 1;
            }
            *range = (start, end);
            start = end;
        }
        if start != items.len() {
            return Err(Stop::Unusual);
        }
        for (slot, &(s, e)) in slots.iter_mut().zip(&ranges) {
            let mut only = (e - s == 1).then(|| items[s]);
            while let Some(Item::Sub { key, tree, new }) = only.filter(Item::is_loaded_sub) {
                let loaded = self.expand(store, &key, &tree, new, n)?;
                only = (loaded.len() == 1).then(|| loaded[0]);
                *slot = Some(loaded);
            }
        }
        let slot_items = |slots: &[Option<Vec<Item>>; 16], i: usize| -> usize {
            slots[i]
                .as_ref()
                .map_or(ranges[i].1 - ranges[i].0, Vec::len)
        };
        let full = (0..16).all(|i| match slot_items(&slots, i) {
            0 => false,
            1 => {
                let item = slots[i].as_ref().map_or(&items[ranges[i].0], |v| &v[0]);
                matches!(item, Item::Sub { .. })
            }
            _ => true,
        });
        let fanout = if n % 2 == 0 && n <= 2 * fanout && full {
            fanout + 1
        } else {
            fanout
        };
        for (i, slot) in slots.iter_mut().enumerate() {
            let mut owned = slot.take();
            loop {
                let group: &[Item] = match &owned {
                    Some(v) => v,
                    None => &items[ranges[i].0..ranges[i].1],
                };
                match group {
                    [] => break,
                    [Item::Note { key, val }] => {
                        self.stack.add_note(key, fanout, val, store)?;
                        break;
                    }
                    [Item::Sub { key, tree, new }] if new.0 == new.1 && n < 2 * fanout => {
                        self.stack.add_subtree(key, fanout, tree, store)?;
                        break;
                    }
                    [Item::Sub { key, tree, new }] => {
                        // Below the fan-out (or, past the loop above, not
                        // reached): read and written in place.
                        let (key, tree, new) = (*key, *tree, *new);
                        owned = Some(self.expand(store, &key, &tree, new, n)?);
                    }
                    _ => {
                        self.write_items(store, group, n + 1, fanout)?;
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The slot at depth `n` an item falls in.
fn slot_of(item: &Item, n: usize) -> std::result::Result<usize, Stop> {
    match item {
        // A subtree's prefix ends before depth `n`: only a tree git does
        // not write puts it beside other items there.
        Item::Sub { key, .. } if 2 * key[19] as usize <= n => Err(Stop::Unusual),
        _ => Ok(nibble(item.key(), n)),
    }
}
