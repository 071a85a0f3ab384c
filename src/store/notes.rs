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

use gix::object::Kind;
use gix::ObjectId;

use super::error::{Result, StoreError};
use super::object::{null_oid, oid_bytes, oid_from_bytes, ObjectRead, ObjectWrite};
use super::tree::{parse_tree, push_entry, Mode};
use crate::util::hex;

/// A 20-byte notes key: the annotated object's id (or hg node).
pub type NoteKey = [u8; 20];

/// A leaf of the trie. For a note, `key` is the full key; for a subtree,
/// `key` holds the prefix bytes, zero padded, and `key[19]` its length in
/// bytes (as notes.c does).
#[derive(Clone, Debug)]
struct Leaf {
    key: NoteKey,
    val: ObjectId,
}

#[derive(Clone, Debug, Default)]
enum Slot {
    #[default]
    Empty,
    Internal(Box<Node>),
    Note(Box<Leaf>),
    Subtree(Box<Leaf>),
}

#[derive(Clone, Debug, Default)]
struct Node {
    a: [Slot; 16],
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LeafKind {
    Note,
    Subtree,
}

/// What to do when inserting a note whose key already has a different
/// value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Combine {
    /// Replace the value.
    Overwrite,
    /// Keep the existing value.
    Ignore,
    /// Loading a tree that holds the same key twice: git concatenates the
    /// notes; we refuse.
    Refuse,
}

/// The `n`th nibble of `key` (high nibble of each byte first).
fn nibble(key: &NoteKey, n: usize) -> usize {
    ((key[n >> 1] >> ((!n & 1) << 2)) & 0x0f) as usize
}

/// Whether `key` starts with the prefix of subtree `subtree`.
fn under_subtree(key: &NoteKey, subtree: &NoteKey) -> bool {
    let len = subtree[19] as usize;
    key[..len] == subtree[..len]
}

fn is_null(oid: &ObjectId) -> bool {
    oid.as_slice().iter().all(|&b| b == 0)
}

fn make_slot(leaf: Box<Leaf>, kind: LeafKind) -> Slot {
    match kind {
        LeafKind::Note => Slot::Note(leaf),
        LeafKind::Subtree => Slot::Subtree(leaf),
    }
}

/// Outcome of an insertion that combined values.
enum Inserted {
    Done,
    /// The combined value is null: the note must be removed.
    BecameNull,
}

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

/// Loads the subtree `subtree` (whose entries fall under its prefix) into
/// `node`, which is at depth `n`, as notes.c's `load_subtree` does.
fn load_subtree(
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

fn find(
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
fn insert(
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
fn remove(
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
fn load_all(node: &mut Node, n: usize, reader: &mut (impl ObjectRead + ?Sized)) -> Result<()> {
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

/// notes.c's `determine_fanout`.
fn determine_fanout(node: &Node, n: usize, fanout: usize) -> usize {
    if n % 2 == 1 || n > 2 * fanout {
        return fanout;
    }
    if node
        .a
        .iter()
        .all(|s| matches!(s, Slot::Internal(_) | Slot::Subtree(_)))
    {
        fanout + 1
    } else {
        fanout
    }
}

/// notes.c's `for_each_note_helper` with `FOR_EACH_NOTE_DONT_UNPACK_SUBTREES
/// | FOR_EACH_NOTE_YIELD_SUBTREES`, feeding the tree writer.
fn write_node<S>(
    node: &mut Node,
    n: usize,
    fanout: usize,
    stack: &mut WriteStack,
    store: &mut S,
) -> Result<()>
where
    S: ObjectRead + ObjectWrite + ?Sized,
{
    let fanout = determine_fanout(node, n, fanout);
    for i in 0..16 {
        loop {
            match &mut node.a[i] {
                Slot::Internal(child) => {
                    write_node(child, n + 1, fanout, stack, store)?;
                    break;
                }
                Slot::Subtree(l) if n < 2 * fanout => {
                    stack.add_subtree(&l.key, fanout, &l.val, store)?;
                    break;
                }
                Slot::Subtree(_) => {
                    if let Slot::Subtree(l) = std::mem::take(&mut node.a[i]) {
                        load_subtree(node, n, &l, store)?;
                    }
                }
                Slot::Note(l) => {
                    stack.add_note(&l.key, fanout, &l.val, store)?;
                    break;
                }
                Slot::Empty => break,
            }
        }
    }
    Ok(())
}

/// Trees being written: one level per open directory (notes.c's
/// `tree_write_stack`). Entries are appended in the order they come.
struct WriteStack {
    leaf_mode: Mode,
    /// `levels[0]` is the root; each deeper level has the two hex digits
    /// it is named by in its parent.
    levels: Vec<([u8; 2], Vec<u8>)>,
}

impl WriteStack {
    fn new(leaf_mode: Mode) -> Self {
        WriteStack {
            leaf_mode,
            levels: vec![([0; 2], Vec::new())],
        }
    }

    /// Makes the open directories equal to `dirs`: closes (writes) those
    /// that differ, opens the missing ones.
    fn enter<S: ObjectWrite + ?Sized>(&mut self, dirs: &[[u8; 2]], store: &mut S) -> Result<()> {
        let mut common = 0;
        while common < dirs.len()
            && common + 1 < self.levels.len()
            && self.levels[common + 1].0 == dirs[common]
        {
            common += 1;
        }
        while self.levels.len() > common + 1 {
            self.close_top(store)?;
        }
        for d in &dirs[common..] {
            self.levels.push((*d, Vec::new()));
        }
        Ok(())
    }

    fn close_top<S: ObjectWrite + ?Sized>(&mut self, store: &mut S) -> Result<()> {
        if let Some((name, data)) = self.levels.pop() {
            let oid = store.write_owned(Kind::Tree, data)?;
            if let Some((_, parent)) = self.levels.last_mut() {
                push_entry(parent, Mode::DIR, &name, &oid);
            }
        }
        Ok(())
    }

    fn top(&mut self) -> &mut Vec<u8> {
        if self.levels.is_empty() {
            self.levels.push(([0; 2], Vec::new()));
        }
        let last = self.levels.len() - 1;
        &mut self.levels[last].1
    }

    /// notes.c's `construct_path_with_fanout`: `fanout` two-hex-digit
    /// directories, then the rest of the key in hex.
    fn path_with_fanout(key: &NoteKey, fanout: usize) -> Vec<u8> {
        let mut digits = Vec::with_capacity(40);
        hex::encode_into(&mut digits, key);
        let mut path = Vec::with_capacity(40 + fanout);
        for pair in digits.chunks_exact(2).take(fanout) {
            path.extend_from_slice(pair);
            path.push(b'/');
        }
        path.extend_from_slice(&digits[2 * fanout.min(20)..]);
        path
    }

    /// Adds an entry at `path` as notes.c's `write_each_note_helper` does:
    /// each leading `xx/` is a directory, the rest is the entry's name.
    fn add_path<S: ObjectWrite + ?Sized>(
        &mut self,
        path: &[u8],
        mode: Mode,
        oid: &ObjectId,
        store: &mut S,
    ) -> Result<()> {
        let mut dirs = Vec::new();
        let mut k = 0;
        while 3 * k + 2 < path.len() && path[3 * k + 2] == b'/' {
            dirs.push([path[3 * k], path[3 * k + 1]]);
            k += 1;
        }
        let name = &path[3 * k..];
        if name.is_empty() || name.contains(&b'/') {
            return Err(StoreError::Notes {
                tree: *oid,
                reason: format!("bad notes path {:?}", String::from_utf8_lossy(path)),
            });
        }
        self.enter(&dirs, store)?;
        push_entry(self.top(), mode, name, oid);
        Ok(())
    }

    fn add_note<S: ObjectWrite + ?Sized>(
        &mut self,
        key: &NoteKey,
        fanout: usize,
        val: &ObjectId,
        store: &mut S,
    ) -> Result<()> {
        let path = Self::path_with_fanout(key, fanout);
        let mode = self.leaf_mode;
        self.add_path(&path, mode, val, store)
    }

    /// A subtree kept as is, at the path notes.c builds for it: the key's
    /// path with fan-out, cut after the prefix (and its last `/`).
    fn add_subtree<S: ObjectWrite + ?Sized>(
        &mut self,
        prefix: &NoteKey,
        fanout: usize,
        val: &ObjectId,
        store: &mut S,
    ) -> Result<()> {
        let prefix_len = prefix[19] as usize;
        let mut path = Self::path_with_fanout(prefix, fanout);
        path.truncate(prefix_len * 2 + fanout);
        if path.last() == Some(&b'/') {
            path.pop();
        }
        self.add_path(&path, Mode::DIR, val, store)
    }

    fn finish<S: ObjectWrite + ?Sized>(mut self, store: &mut S) -> Result<ObjectId> {
        while self.levels.len() > 1 {
            self.close_top(store)?;
        }
        let root = self.levels.pop().map(|(_, d)| d).unwrap_or_default();
        store.write_owned(Kind::Tree, root)
    }
}

/// A notes tree the way git-cinnabar keeps one (its `cinnabar-notes.c`):
/// "current", read lazily from the previous notes commit's tree, and
/// "additions", where new notes go. Lookups read both. Adding a note whose
/// key is already in "current" does nothing (cinnabar's notes never change
/// value). When written, if "current" is empty the additions simply become
/// the tree; otherwise, unless notes were removed from it, "current" is
/// read afresh from the previous tree (dropping the subtrees lookups
/// loaded, which would change the layout) and the additions are inserted
/// into it in key order.
#[derive(Clone, Debug, Default)]
pub struct CinnabarNotes {
    base: Option<ObjectId>,
    current: NotesTree,
    additions: NotesTree,
}

impl CinnabarNotes {
    /// An empty tree, with no previous state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The notes of `tree` (the previous notes commit's tree).
    pub fn load(reader: &mut (impl ObjectRead + ?Sized), tree: &ObjectId) -> Result<Self> {
        Ok(CinnabarNotes {
            base: Some(*tree),
            current: NotesTree::load(reader, tree)?,
            additions: NotesTree::new(),
        })
    }

    /// Whether anything was added or removed (git-cinnabar then writes a
    /// new notes commit; otherwise it reuses the previous one).
    pub fn is_dirty(&self) -> bool {
        self.current.is_dirty() || self.additions.is_dirty()
    }

    /// The value of the note for `key`.
    pub fn get(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<Option<ObjectId>> {
        if let Some(v) = self.current.get(reader, key)? {
            return Ok(Some(v));
        }
        self.additions.get(reader, key)
    }

    /// Adds a note unless `key` already has one (its value is kept).
    pub fn add(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: NoteKey,
        value: ObjectId,
    ) -> Result<()> {
        if self.current.get(reader, &key)?.is_some() {
            return Ok(());
        }
        self.additions
            .insert_combining(reader, key, value, Combine::Ignore)
    }

    /// Removes the note for `key`; returns whether there was one.
    pub fn remove(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<bool> {
        let from_current = self.current.remove(reader, key)?.is_some();
        let from_additions = self.additions.remove(reader, key)?.is_some();
        Ok(from_current || from_additions)
    }

    /// Merges the additions into "current" (cinnabar's
    /// `consolidate_notes`).
    fn consolidate(&mut self, reader: &mut (impl ObjectRead + ?Sized)) -> Result<()> {
        if self.current.is_empty() {
            let dirty = self.current.is_dirty();
            self.current = std::mem::take(&mut self.additions);
            self.current.dirty |= dirty;
        } else if !self.additions.is_empty() {
            if !self.current.is_dirty() {
                self.current = match &self.base {
                    Some(tree) => NotesTree::load(reader, tree)?,
                    None => NotesTree::new(),
                };
            }
            let additions = std::mem::take(&mut self.additions);
            let mut additions = additions;
            let notes: Vec<(NoteKey, ObjectId)> = additions.iter(reader)?.collect();
            for (key, value) in notes {
                self.current
                    .insert_combining(reader, key, value, Combine::Overwrite)?;
            }
        }
        Ok(())
    }

    /// Loads everything and returns all notes in key order.
    pub fn iter(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
    ) -> Result<impl Iterator<Item = (NoteKey, ObjectId)> + '_> {
        self.consolidate(reader)?;
        self.current.iter(reader)
    }

    /// Writes the notes tree with notes of mode `leaf_mode` and returns its
    /// id.
    pub fn write<S>(&mut self, store: &mut S, leaf_mode: Mode) -> Result<ObjectId>
    where
        S: ObjectRead + ObjectWrite + ?Sized,
    {
        self.consolidate(store)?;
        self.current.write(store, leaf_mode)
    }
}

/// The null id, as a notes value meaning "no note".
pub fn no_note() -> ObjectId {
    null_oid()
}

/// The key of an object id.
pub fn key_of(oid: &ObjectId) -> NoteKey {
    oid_bytes(oid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::commit::raw_commit;
    use crate::store::object::{hash_object, oid_from_hex, MemoryStore};
    use crate::store::tree::parse_tree;

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
}
