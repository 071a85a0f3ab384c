//! Writing a notes trie as git trees, with notes.c's fan-out, through a
//! [`WriteStack`] of open directories.

use gix::object::Kind;
use gix::ObjectId;

use super::trie::{load_subtree, nibble, Node, NoteKey, Slot};
use crate::store::error::{Result, StoreError};
use crate::store::object::{oid_from_bytes, ObjectRead, ObjectWrite};
use crate::store::tree::{push_entry, Mode};
use crate::util::hex;

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
pub(super) fn write_node<S>(
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

/// What [`write_node`] does for the trie that inserting `notes` into an
/// empty tree builds, without building it: `order` holds positions in
/// `notes` sorted by key, one per key, all sharing their first `n`
/// nibbles. In such a trie a slot at depth `n` is empty, a note, or an
/// internal node as it has 0, 1, or more keys under it.
pub(super) fn write_sorted<S: ObjectWrite + ?Sized>(
    notes: &[([u8; 20], [u8; 20])],
    order: &[u32],
    n: usize,
    fanout: usize,
    stack: &mut WriteStack,
    store: &mut S,
) -> Result<()> {
    let key = |i: u32| &notes[i as usize].0;
    let mut groups = [(0usize, 0usize); 16];
    let mut start = 0;
    for (nib, group) in groups.iter_mut().enumerate() {
        let end = start + order[start..].partition_point(|&i| nibble(key(i), n) <= nib);
        *group = (start, end);
        start = end;
    }
    let fanout = if n % 2 == 1 || n > 2 * fanout {
        fanout
    } else if groups.iter().all(|(s, e)| e - s >= 2) {
        fanout + 1
    } else {
        fanout
    };
    for (s, e) in groups {
        match e - s {
            0 => {}
            1 => {
                let (k, v) = &notes[order[s] as usize];
                stack.add_note(k, fanout, &oid_from_bytes(*v), store)?;
            }
            _ if n + 1 < 40 => write_sorted(notes, &order[s..e], n + 1, fanout, stack, store)?,
            _ => {
                return Err(StoreError::Notes {
                    tree: oid_from_bytes([0; 20]),
                    reason: "the same key twice".into(),
                })
            }
        }
    }
    Ok(())
}

/// Trees being written: one level per open directory (notes.c's
/// `tree_write_stack`). Entries are appended in the order they come.
pub(super) struct WriteStack {
    leaf_mode: Mode,
    /// `levels[0]` is the root; each deeper level has the two hex digits
    /// it is named by in its parent.
    levels: Vec<([u8; 2], Vec<u8>)>,
}

impl WriteStack {
    pub(super) fn new(leaf_mode: Mode) -> Self {
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

    pub(super) fn add_note<S: ObjectWrite + ?Sized>(
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
    pub(super) fn add_subtree<S: ObjectWrite + ?Sized>(
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

    pub(super) fn finish<S: ObjectWrite + ?Sized>(mut self, store: &mut S) -> Result<ObjectId> {
        while self.levels.len() > 1 {
            self.close_top(store)?;
        }
        let root = self.levels.pop().map(|(_, d)| d).unwrap_or_default();
        store.write_owned(Kind::Tree, root)
    }
}
