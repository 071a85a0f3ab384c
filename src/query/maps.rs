//! Compact sorted maps between changesets and their commits, for fast
//! (and abbreviated) lookups in both directions.

use crate::hg::node::{decode_hex, Abbrev};
use crate::import::state::{oid, State};
use crate::store::ObjectRead;
use crate::store::Store;

/// A sorted list of 20-byte key → 20-byte value pairs.
#[derive(Clone, Debug, Default)]
pub struct SortedMap(Vec<([u8; 20], [u8; 20])>);

/// What an abbreviated lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    One([u8; 20], [u8; 20]),
    None,
    Ambiguous,
}

impl SortedMap {
    /// A map of the given pairs.
    pub fn new(mut pairs: Vec<([u8; 20], [u8; 20])>) -> SortedMap {
        pairs.sort_unstable();
        pairs.dedup_by(|a, b| a.0 == b.0);
        SortedMap(pairs)
    }

    /// The value of a full key.
    pub fn get(&self, key: &[u8; 20]) -> Option<&[u8; 20]> {
        self.0
            .binary_search_by(|(k, _)| k.cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// The entry whose key starts with `abbrev`, if exactly one does.
    pub fn find(&self, abbrev: &Abbrev) -> Found {
        let lower = abbrev.lower_bound();
        let start = self.0.partition_point(|(k, _)| *k < lower);
        let mut it = self.0[start..]
            .iter()
            .take_while(|(k, _)| abbrev.matches(k));
        match (it.next(), it.next()) {
            (Some((k, v)), None) => Found::One(*k, *v),
            (None, _) => Found::None,
            (Some(_), Some(_)) => Found::Ambiguous,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = &([u8; 20], [u8; 20])> {
        self.0.iter()
    }
}

/// Changeset ↔ commit, in both directions.
#[derive(Clone, Debug, Default)]
pub struct ChangesetMaps {
    /// hg changeset → git commit.
    pub hg2git: SortedMap,
    /// git commit → hg changeset.
    pub git2hg: SortedMap,
}

impl ChangesetMaps {
    /// The changesets of `state`: the hg2git entries whose commit has a
    /// git2hg note.
    pub fn from_state(state: &State) -> ChangesetMaps {
        let pairs: Vec<([u8; 20], [u8; 20])> = state
            .hg2git
            .iter()
            .filter(|(_, git)| state.git2hg.contains(git))
            .map(|(hg, git)| (*hg, *git))
            .collect();
        let reversed = pairs.iter().map(|(h, g)| (*g, *h)).collect();
        ChangesetMaps {
            hg2git: SortedMap::new(pairs),
            git2hg: SortedMap::new(reversed),
        }
    }
}

impl ChangesetMaps {
    /// Like [`ChangesetMaps::from_state`], with git → hg read from the
    /// git2hg notes themselves (their `changeset` line), as upstream's
    /// `git2hg` does. Notes that cannot be read or parsed are left out.
    pub fn from_notes(store: &mut Store, state: &State) -> ChangesetMaps {
        let mut maps = ChangesetMaps::from_state(state);
        let mut buf = Vec::new();
        let mut pairs = Vec::with_capacity(state.git2hg.len());
        for (commit, note) in state.git2hg.iter() {
            if store.read(&oid(note), &mut buf).is_err() {
                continue;
            }
            let mut node = [0u8; 20];
            let hex = buf.strip_prefix(b"changeset ").and_then(|r| r.get(..40));
            if hex.is_some_and(|h| decode_hex(h, &mut node)) {
                pairs.push((*commit, node));
            }
        }
        maps.git2hg = SortedMap::new(pairs);
        maps
    }
}

/// Writes the first `abbrev` hex digits of `id`, then a newline.
pub fn write_hex_line(id: &[u8; 20], abbrev: usize, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in id.iter().enumerate() {
        if 2 * i >= abbrev {
            break;
        }
        out.push(HEX[usize::from(b >> 4)]);
        if 2 * i + 1 < abbrev {
            out.push(HEX[usize::from(b & 0xf)]);
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviated_lookups() {
        let mut a = [0u8; 20];
        a[0] = 0x12;
        a[1] = 0x34;
        let mut b = a;
        b[1] = 0x35;
        let map = SortedMap::new(vec![(a, [1; 20]), (b, [2; 20])]);
        assert_eq!(
            map.find(&Abbrev::parse("1234").unwrap()),
            Found::One(a, [1; 20])
        );
        assert_eq!(map.find(&Abbrev::parse("123").unwrap()), Found::Ambiguous);
        assert_eq!(map.find(&Abbrev::parse("13").unwrap()), Found::None);
        assert_eq!(map.get(&b), Some(&[2; 20]));
        let mut out = Vec::new();
        write_hex_line(&a, 5, &mut out);
        assert_eq!(out, b"12340\n");
    }
}
