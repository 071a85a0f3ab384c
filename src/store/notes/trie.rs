//! The in-memory notes trie: slots and nodes, and finding, inserting,
//! removing and loading notes (see the [module](super) docs).

use gix::object::Kind;
use gix::ObjectId;

use crate::store::error::{Result, StoreError};
use crate::store::object::{oid_from_bytes, ObjectRead};
use crate::store::tree::parse_tree;
use crate::util::hex;

/// A 20-byte notes key: the annotated object's id (or hg node).
pub type NoteKey = [u8; 20];

/// A leaf of the trie. For a note, `key` is the full key; for a subtree,
/// `key` holds the prefix bytes, zero padded, and `key[19]` its length in
/// bytes (as notes.c does).
#[derive(Clone, Debug)]
pub(super) struct Leaf {
    pub(super) key: NoteKey,
    pub(super) val: ObjectId,
}

#[derive(Clone, Debug, Default)]
pub(super) enum Slot {
    #[default]
    Empty,
    Internal(Box<Node>),
    Note(Box<Leaf>),
    Subtree(Box<Leaf>),
}

#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    pub(super) a: [Slot; 16],
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum LeafKind {
    Note,
    Subtree,
}

/// What to do when inserting a note whose key already has a different
/// value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Combine {
    /// Replace the value.
    Overwrite,
    /// Keep the existing value.
    Ignore,
    /// Loading a tree that holds the same key twice: git concatenates the
    /// notes; we refuse.
    Refuse,
}

/// The `n`th nibble of `key` (high nibble of each byte first).
pub(super) fn nibble(key: &NoteKey, n: usize) -> usize {
    ((key[n >> 1] >> ((!n & 1) << 2)) & 0x0f) as usize
}

/// Whether `key` starts with the prefix of subtree `subtree`.
fn under_subtree(key: &NoteKey, subtree: &NoteKey) -> bool {
    let len = subtree[19] as usize;
    key[..len] == subtree[..len]
}

pub(super) fn is_null(oid: &ObjectId) -> bool {
    oid.as_slice().iter().all(|&b| b == 0)
}

fn make_slot(leaf: Box<Leaf>, kind: LeafKind) -> Slot {
    match kind {
        LeafKind::Note => Slot::Note(leaf),
        LeafKind::Subtree => Slot::Subtree(leaf),
    }
}

/// Outcome of an insertion that combined values.
pub(super) enum Inserted {
    Done,
    /// The combined value is null: the note must be removed.
    BecameNull,
}
/// Loads the subtree `subtree` (whose entries fall under its prefix) into
/// `node`, which is at depth `n`, as notes.c's `load_subtree` does.
pub(super) fn load_subtree(
    node: &mut Node,
    n: usize,
    subtree: &Leaf,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<()> {
    let prefix_len = subtree.key[19] as usize;
    let tree = subtree.val;
    let bad = |reason: String| StoreError::Notes { tree, reason };
    if prefix_len >= 20 || prefix_len * 2 < n {
        return Err(bad(format!(
            "subtree prefix of {prefix_len} bytes at depth {n}"
        )));
    }
    let mut data = Vec::new();
    reader.read_of_kind(&tree, Kind::Tree, &mut data)?;
    for entry in parse_tree(&data) {
        let entry = entry?;
        let mut key = [0u8; 20];
        key[..prefix_len].copy_from_slice(&subtree.key[..prefix_len]);
        let kind = if entry.name.len() == 2 * (20 - prefix_len) {
            // The rest of a key: a note, whatever its mode.
            if !hex::decode(entry.name, &mut key[prefix_len..]) {
                return Err(bad(format!(
                    "entry {:?} is not a note",
                    String::from_utf8_lossy(entry.name)
                )));
            }
            LeafKind::Note
        } else if entry.name.len() == 2 && entry.mode.is_dir() {
            if !hex::decode(entry.name, &mut key[prefix_len..prefix_len + 1]) {
                return Err(bad(format!(
                    "entry {:?} is not a notes directory",
                    String::from_utf8_lossy(entry.name)
                )));
            }
            key[19] = (prefix_len + 1) as u8;
            LeafKind::Subtree
        } else {
            return Err(bad(format!(
                "entry {:?} ({}) is not a note",
                String::from_utf8_lossy(entry.name),
                entry.mode
            )));
        };
        let leaf = Box::new(Leaf {
            key,
            val: entry.oid,
        });
        insert(node, n, leaf, kind, Combine::Refuse, reader)?;
    }
    Ok(())
}

/// notes.c's search step at `node` (depth `n`): loads a subtree found at
/// slot 0 or at the key's slot when the key falls under it (and looks
/// again), then returns the key's slot index.
fn settle(
    node: &mut Node,
    n: usize,
    key: &NoteKey,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<usize> {
    loop {
        if let Slot::Subtree(l) = &node.a[0] {
            if under_subtree(key, &l.key) {
                if let Slot::Subtree(l) = std::mem::take(&mut node.a[0]) {
                    load_subtree(node, n, &l, reader)?;
                }
                continue;
            }
        }
        let i = nibble(key, n);
        if let Slot::Subtree(l) = &node.a[i] {
            if under_subtree(key, &l.key) {
                if let Slot::Subtree(l) = std::mem::take(&mut node.a[i]) {
                    load_subtree(node, n, &l, reader)?;
                }
                continue;
            }
        }
        return Ok(i);
    }
}

pub(super) fn find(
    node: &mut Node,
    n: usize,
    key: &NoteKey,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<Option<ObjectId>> {
    let i = settle(node, n, key, reader)?;
    match &mut node.a[i] {
        Slot::Internal(child) => find(child, n + 1, key, reader),
        Slot::Note(l) if l.key == *key => Ok(Some(l.val)),
        _ => Ok(None),
    }
}

/// notes.c's `note_tree_insert`.
pub(super) fn insert(
    node: &mut Node,
    n: usize,
    entry: Box<Leaf>,
    kind: LeafKind,
    combine: Combine,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<Inserted> {
    if n >= 40 {
        return Err(StoreError::Notes {
            tree: entry.val,
            reason: "notes trie deeper than a key".into(),
        });
    }
    let i = settle(node, n, &entry.key, reader)?;
    match &mut node.a[i] {
        Slot::Internal(child) => return insert(child, n + 1, entry, kind, combine, reader),
        Slot::Empty => {
            if !is_null(&entry.val) {
                node.a[i] = make_slot(entry, kind);
            }
            return Ok(Inserted::Done);
        }
        Slot::Note(l) => match kind {
            LeafKind::Note if l.key == entry.key => {
                if l.val == entry.val {
                    return Ok(Inserted::Done);
                }
                match combine {
                    Combine::Overwrite => l.val = entry.val,
                    Combine::Ignore => {}
                    Combine::Refuse => {
                        return Err(StoreError::Notes {
                            tree: entry.val,
                            reason: format!("two notes for {}", oid_from_bytes(entry.key)),
                        })
                    }
                }
                return Ok(if is_null(&l.val) {
                    Inserted::BecameNull
                } else {
                    Inserted::Done
                });
            }
            LeafKind::Subtree if under_subtree(&l.key, &entry.key) => {
                load_subtree(node, n, &entry, reader)?;
                return Ok(Inserted::Done);
            }
            _ => {}
        },
        Slot::Subtree(l) => {
            if under_subtree(&entry.key, &l.key) {
                if let Slot::Subtree(l) = std::mem::take(&mut node.a[i]) {
                    load_subtree(node, n, &l, reader)?;
                }
                return insert(node, n, entry, kind, combine, reader);
            }
        }
    }
    // A different leaf is in the way: push both one level down.
    if is_null(&entry.val) {
        return Ok(Inserted::Done);
    }
    let mut new_node = Box::<Node>::default();
    match std::mem::take(&mut node.a[i]) {
        Slot::Note(l) => {
            insert(&mut new_node, n + 1, l, LeafKind::Note, combine, reader)?;
        }
        Slot::Subtree(l) => {
            insert(&mut new_node, n + 1, l, LeafKind::Subtree, combine, reader)?;
        }
        other => node.a[i] = other,
    }
    let result = insert(&mut new_node, n + 1, entry, kind, combine, reader);
    node.a[i] = Slot::Internal(new_node);
    result
}

/// notes.c's `note_tree_remove`: removes the note and returns its value,
/// with whether the caller should try to fold the node it came from.
pub(super) fn remove(
    node: &mut Node,
    n: usize,
    key: &NoteKey,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<Option<(ObjectId, bool)>> {
    let i = settle(node, n, key, reader)?;
    match &mut node.a[i] {
        Slot::Internal(child) => {
            let Some((val, fold)) = remove(child, n + 1, key, reader)? else {
                return Ok(None);
            };
            if !fold {
                return Ok(Some((val, false)));
            }
            // Fold `child` into its slot if it holds at most one entry,
            // and that entry is a note.
            let mut single: Option<usize> = None;
            for (j, s) in child.a.iter().enumerate() {
                if !matches!(s, Slot::Empty) {
                    if single.is_some() {
                        return Ok(Some((val, false)));
                    }
                    single = Some(j);
                }
            }
            let replacement = match single {
                None => Slot::Empty,
                Some(j) if matches!(child.a[j], Slot::Note(_)) => std::mem::take(&mut child.a[j]),
                Some(_) => return Ok(Some((val, false))),
            };
            node.a[i] = replacement;
            Ok(Some((val, n > 0)))
        }
        Slot::Note(l) if l.key == *key => {
            let val = l.val;
            node.a[i] = Slot::Empty;
            Ok(Some((val, n > 0)))
        }
        _ => Ok(None),
    }
}

/// Loads every subtree below `node`, in the order notes.c's `for_each_note`
/// does (which shapes the trie).
pub(super) fn load_all(
    node: &mut Node,
    n: usize,
    reader: &mut (impl ObjectRead + ?Sized),
) -> Result<()> {
    for i in 0..16 {
        loop {
            match &mut node.a[i] {
                Slot::Internal(child) => {
                    load_all(child, n + 1, reader)?;
                    break;
                }
                Slot::Subtree(_) => {
                    if let Slot::Subtree(l) = std::mem::take(&mut node.a[i]) {
                        load_subtree(node, n, &l, reader)?;
                    }
                }
                _ => break,
            }
        }
    }
    Ok(())
}
