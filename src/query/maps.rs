//! Compact sorted maps between changesets and their commits, for fast
//! (and abbreviated) lookups in both directions.

use std::marker::PhantomData;

use gix_hash::ObjectId;

use super::error::Result;
use crate::hg::node::Abbrev;
use crate::hg::HgNode;
use crate::metadata::idmap::Id20;
use crate::metadata::State;
use crate::store::ObjectRead;
use crate::store::Store;

/// A sorted list of id → id pairs, each id held as its 20 bytes so that
/// abbreviated ids find their range by bytes.
#[derive(Clone, Debug)]
pub struct SortedMap<K, V> {
    pairs: Vec<([u8; 20], [u8; 20])>,
    _ids: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap {
            pairs: Vec::new(),
            _ids: PhantomData,
        }
    }
}

/// What an abbreviated lookup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found<K, V> {
    One(K, V),
    None,
    Ambiguous,
}

impl<K: Id20, V: Id20> SortedMap<K, V> {
    /// A map of the given pairs.
    pub fn new(pairs: impl Iterator<Item = (K, V)>) -> SortedMap<K, V> {
        let mut pairs: Vec<_> = pairs.map(|(k, v)| (k.to_bytes(), v.to_bytes())).collect();
        pairs.sort_unstable();
        pairs.dedup_by(|a, b| a.0 == b.0);
        SortedMap {
            pairs,
            _ids: PhantomData,
        }
    }

    /// The value of a full key.
    pub fn get(&self, key: &K) -> Option<V> {
        let key = key.to_bytes();
        self.pairs
            .binary_search_by(|(k, _)| k.cmp(&key))
            .ok()
            .map(|i| V::from_bytes(self.pairs[i].1))
    }

    /// The entry whose key starts with `abbrev`, if exactly one does.
    pub fn find(&self, abbrev: &Abbrev) -> Found<K, V> {
        let lower = abbrev.lower_bound();
        let start = self.pairs.partition_point(|(k, _)| *k < lower);
        let mut it = self.pairs[start..]
            .iter()
            .take_while(|(k, _)| abbrev.matches(k));
        match (it.next(), it.next()) {
            (Some((k, v)), None) => Found::One(K::from_bytes(*k), V::from_bytes(*v)),
            (None, _) => Found::None,
            (Some(_), Some(_)) => Found::Ambiguous,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        self.pairs
            .iter()
            .map(|(k, v)| (K::from_bytes(*k), V::from_bytes(*v)))
    }
}

/// Changeset ↔ commit, in both directions.
#[derive(Clone, Debug, Default)]
pub struct ChangesetMaps {
    /// hg changeset → git commit.
    pub hg2git: SortedMap<HgNode, ObjectId>,
    /// git commit → hg changeset.
    pub git2hg: SortedMap<ObjectId, HgNode>,
}

impl ChangesetMaps {
    /// The changesets of `state` (whose maps must be whole, not lazy):
    /// the hg2git entries whose commit has a git2hg note.
    pub fn from_state(state: &State) -> Result<ChangesetMaps> {
        let pairs: Vec<(HgNode, ObjectId)> = state
            .hg2git
            .iter()?
            .filter(|(_, git)| state.git2hg.contains(git))
            .collect();
        let git2hg: Vec<(ObjectId, HgNode)> = pairs.iter().map(|(h, g)| (*g, *h)).collect();
        let git2hg = with_replaced(state, git2hg);
        Ok(ChangesetMaps {
            hg2git: SortedMap::new(pairs.iter().copied()),
            git2hg: SortedMap::new(git2hg.into_iter()),
        })
    }
}

impl ChangesetMaps {
    /// Like [`ChangesetMaps::from_state`], with git → hg read from the
    /// git2hg notes themselves (their `changeset` line), as upstream's
    /// `git2hg` does. Notes that cannot be read or parsed are left out.
    pub fn from_notes(store: &mut Store, state: &State) -> Result<ChangesetMaps> {
        let mut maps = ChangesetMaps::from_state(state)?;
        let mut buf = Vec::new();
        let mut pairs = Vec::with_capacity(state.git2hg.len());
        for (commit, note) in state.git2hg.iter()? {
            if store.read(&note, &mut buf).is_err() {
                continue;
            }
            let hex = buf.strip_prefix(b"changeset ").and_then(|r| r.get(..40));
            if let Some(node) = hex.and_then(|h| HgNode::from_hex(h).ok()) {
                pairs.push((commit, node));
            }
        }
        maps.git2hg = SortedMap::new(with_replaced(state, pairs).into_iter());
        Ok(maps)
    }
}

/// `git2hg` with the grafted commits of the replace map (spec 2.6) added:
/// each stands for its replacement's changeset, as git-cinnabar sees
/// commits through the replace map.
fn with_replaced(state: &State, mut git2hg: Vec<(ObjectId, HgNode)>) -> Vec<(ObjectId, HgNode)> {
    for (original, replacement) in state.replace.entries() {
        let node = git2hg
            .iter()
            .find(|(c, _)| c == replacement)
            .map(|(_, n)| *n);
        if let Some(node) = node {
            git2hg.retain(|(c, _)| c != original);
            git2hg.push((*original, node));
        }
    }
    git2hg
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
        let (one, two) = (ObjectId::Sha1([1; 20]), ObjectId::Sha1([2; 20]));
        let map = SortedMap::new([(HgNode(a), one), (HgNode(b), two)].into_iter());
        assert_eq!(
            map.find(&Abbrev::parse("1234").unwrap()),
            Found::One(HgNode(a), one)
        );
        assert_eq!(map.find(&Abbrev::parse("123").unwrap()), Found::Ambiguous);
        assert_eq!(map.find(&Abbrev::parse("13").unwrap()), Found::None);
        assert_eq!(map.get(&HgNode(b)), Some(two));
        let mut out = Vec::new();
        write_hex_line(&a, 5, &mut out);
        assert_eq!(out, b"12340\n");
    }
}
