//! A git delta between two versions of a tree, computed from their entries
//! instead of by a generic string match: both trees list their entries in
//! git's order, so one merge walk finds the entries the new version keeps
//! byte for byte (copied from the base, adjacent ones in one instruction)
//! and those it adds or changes (inserted). Linear in the two sizes, no
//! hashing, no allocation besides the output buffer.

use std::cmp::Ordering;

use super::delta::{push_copy, push_insert, push_varint};

/// One encoded entry of a tree: `<mode> <name>\0<20-byte id>`.
#[derive(Clone, Copy)]
struct RawEntry {
    /// Offset of the entry in its tree.
    start: usize,
    /// Offset just past its id.
    end: usize,
    /// Offset of its name and the name's length.
    name: usize,
    name_len: usize,
    /// Whether its mode is a directory's (it sorts as if followed by `/`).
    dir: bool,
}

/// Parses the entry of `tree` at `start`; `None` at the end or on a
/// malformed entry.
fn entry_at(tree: &[u8], start: usize) -> Option<RawEntry> {
    let rest = tree.get(start..)?;
    let space = memchr::memchr(b' ', rest)?;
    let nul = memchr::memchr(0, &rest[space..])? + space;
    let end = start + nul + 21;
    if end > tree.len() {
        return None;
    }
    Some(RawEntry {
        start,
        end,
        name: start + space + 1,
        name_len: nul - space - 1,
        dir: &rest[..space] == b"40000",
    })
}

/// Compares two entries in git's tree order.
fn order(a_tree: &[u8], a: &RawEntry, b_tree: &[u8], b: &RawEntry) -> Ordering {
    let an = &a_tree[a.name..a.name + a.name_len];
    let bn = &b_tree[b.name..b.name + b.name_len];
    let n = an.len().min(bn.len());
    match an[..n].cmp(&bn[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    let next = |name: &[u8], dir: bool| match name.get(n) {
        Some(&c) => c,
        None if dir => b'/',
        None => 0,
    };
    next(an, a.dir).cmp(&next(bn, b.dir))
}

/// What the walk has pending: a run of the base to copy, or a run of the
/// new tree to insert.
enum Run {
    None,
    Copy { offset: usize, len: usize },
    Insert { start: usize, end: usize },
}

/// The delta being written and its pending run.
struct Walk<'a> {
    out: &'a mut Vec<u8>,
    new: &'a [u8],
    run: Run,
    failed: bool,
}

impl Walk<'_> {
    /// Copies `len` bytes of the base from `offset`.
    fn copy(&mut self, offset: usize, len: usize) {
        match &mut self.run {
            Run::Copy { offset: o, len: l } if *o + *l == offset => *l += len,
            _ => {
                self.flush();
                self.run = Run::Copy { offset, len };
            }
        }
    }

    /// Inserts the bytes `start..end` of the new tree.
    fn insert(&mut self, start: usize, end: usize) {
        match &mut self.run {
            Run::Insert { end: e, .. } if *e == start => *e = end,
            _ => {
                self.flush();
                self.run = Run::Insert { start, end };
            }
        }
    }

    /// Writes the pending run's instruction.
    fn flush(&mut self) {
        match std::mem::replace(&mut self.run, Run::None) {
            Run::None => {}
            Run::Copy { offset, len } => {
                self.failed |= push_copy(self.out, offset, len).is_err();
            }
            Run::Insert { start, end } => push_insert(self.out, &self.new[start..end]),
        }
    }
}

/// Writes into `out` (replacing its contents) a git delta turning the tree
/// `base` into the tree `new`. Returns `false`, with `out` unusable, when
/// either is not a well-formed tree or when the delta is not smaller than
/// `new` (then store `new` whole). An entry kept as it was is copied; an
/// entry whose id changed has its mode and name copied and its id
/// inserted; anything else is inserted. Entries out of order only make the
/// delta larger, never wrong: every byte copied is the same in both.
pub fn tree_delta(base: &[u8], new: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    push_varint(out, base.len() as u64);
    push_varint(out, new.len() as u64);
    let mut b = entry_at(base, 0);
    if b.is_none() && !base.is_empty() {
        return false;
    }
    let mut walk = Walk {
        out,
        new,
        run: Run::None,
        failed: false,
    };
    let mut pos = 0;
    while pos < new.len() {
        let Some(e) = entry_at(new, pos) else {
            return false;
        };
        // Skip base entries that sort before this one (removed).
        let mut kept = 0;
        let mut base_start = 0;
        while let Some(be) = b {
            match order(base, &be, new, &e) {
                Ordering::Less => b = next_entry(base, &be),
                Ordering::Equal => {
                    let (head, new_head) = (be.end - 20 - be.start, e.end - 20 - e.start);
                    if base[be.start..be.end] == new[e.start..e.end] {
                        kept = be.end - be.start;
                    } else if head == new_head
                        && base[be.start..be.start + head] == new[e.start..e.start + head]
                    {
                        kept = head;
                    }
                    base_start = be.start;
                    b = next_entry(base, &be);
                    break;
                }
                Ordering::Greater => break,
            }
        }
        if kept > 0 {
            walk.copy(base_start, kept);
        }
        if e.start + kept < e.end {
            walk.insert(e.start + kept, e.end);
        }
        if walk.failed || walk.out.len() >= new.len() {
            return false;
        }
        pos = e.end;
    }
    walk.flush();
    !walk.failed && walk.out.len() < new.len()
}

fn next_entry(tree: &[u8], e: &RawEntry) -> Option<RawEntry> {
    entry_at(tree, e.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::object::hash_object;
    use crate::store::pack::apply_delta;
    use crate::store::tree::{encode_tree, Mode, TreeEntry};
    use gix::object::Kind;

    fn oid(n: u32) -> gix::ObjectId {
        hash_object(Kind::Blob, &n.to_le_bytes())
    }

    fn tree(entries: &[(&str, Mode, u32)]) -> Vec<u8> {
        let mut v: Vec<TreeEntry> = entries
            .iter()
            .map(|(n, m, o)| TreeEntry::new(*m, n.as_bytes(), oid(*o)))
            .collect();
        encode_tree(&mut v)
    }

    fn round_trip(base: &[u8], new: &[u8]) -> Option<usize> {
        let mut delta = Vec::new();
        if !tree_delta(base, new, &mut delta) {
            return None;
        }
        let mut out = Vec::new();
        apply_delta(base, &delta, &mut out).expect("delta applies");
        assert_eq!(out, new);
        Some(delta.len())
    }

    #[test]
    fn one_change_in_many_entries() {
        let names: Vec<String> = (0..200).map(|i| format!("file{i:04}")).collect();
        let entries: Vec<(&str, Mode, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), Mode::FILE, i as u32))
            .collect();
        let base = tree(&entries);
        let mut changed = entries.clone();
        changed[100].2 = 9999;
        let new = tree(&changed);
        let len = round_trip(&base, &new).expect("a delta");
        // Two copies and one inserted id.
        assert!(len < 40, "{len}");
    }

    #[test]
    fn additions_removals_and_dirs() {
        let base = tree(&[
            ("a", Mode::FILE, 1),
            ("b", Mode::DIR, 2),
            ("b.c", Mode::FILE, 3),
            ("d", Mode::EXECUTABLE, 4),
            ("e", Mode::SYMLINK, 5),
            ("f", Mode::FILE, 6),
        ]);
        let new = tree(&[
            ("a", Mode::FILE, 1),
            ("b", Mode::FILE, 7),
            ("b.c", Mode::FILE, 3),
            ("b0", Mode::DIR, 8),
            ("e", Mode::SYMLINK, 5),
            ("f", Mode::FILE, 6),
            ("g", Mode::FILE, 9),
        ]);
        round_trip(&base, &new);
        // From and to the empty tree: no delta smaller than the tree.
        assert_eq!(round_trip(b"", &new), None);
        assert_eq!(round_trip(&base, b""), None);
        // Identical trees: one copy.
        assert!(round_trip(&base, &base).expect("a delta") < 10);
    }

    #[test]
    fn cinnabar_modes_and_prefixed_names() {
        let base = tree(&[
            ("_a", Mode::CINNABAR_FILE, 1),
            ("_b", Mode::DIR, 2),
            ("_c", Mode::CINNABAR_EXECUTABLE, 3),
            ("_d", Mode::GITLINK, 4),
        ]);
        let new = tree(&[
            ("_a", Mode::CINNABAR_FILE, 1),
            ("_b", Mode::DIR, 5),
            ("_c", Mode::CINNABAR_EXECUTABLE, 3),
            ("_d", Mode::GITLINK, 4),
        ]);
        round_trip(&base, &new);
    }

    #[test]
    fn malformed_trees_are_refused() {
        let good = tree(&[("a", Mode::FILE, 1), ("b", Mode::FILE, 2)]);
        let mut out = Vec::new();
        assert!(!tree_delta(&good, &good[..good.len() - 3], &mut out));
        // A malformed base only loses copies.
        let mut new = good.clone();
        new.extend_from_slice(&tree(&[("c", Mode::FILE, 3)]));
        let _ = round_trip(b"garbage", &new);
    }

    #[test]
    fn long_runs_are_split() {
        let names: Vec<String> = (0..3000).map(|i| format!("some/long/name{i:06}")).collect();
        let entries: Vec<(&str, Mode, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), Mode::FILE, i as u32))
            .collect();
        let base = tree(&entries);
        assert!(base.len() > 0x10000 * 2);
        let mut changed = entries.clone();
        changed.push(("zzz", Mode::FILE, 1));
        let new = tree(&changed);
        assert!(round_trip(&base, &new).expect("a delta") < 80);
    }
}
