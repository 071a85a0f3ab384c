//! Compact maps between ids: hg nodes and git object ids, each held as its
//! 20 bytes, typed at the edges.

use std::marker::PhantomData;

use gix_hash::ObjectId;

use crate::hg::HgNode;
use crate::store::{oid_bytes, oid_from_bytes, IdIndex};

/// An id of 20 bytes: an hg node or a (SHA-1) git object id.
pub trait Id20: Copy {
    /// The id of 20 bytes.
    fn from_bytes(bytes: [u8; 20]) -> Self;
    /// The 20 bytes of the id.
    fn to_bytes(&self) -> [u8; 20];
}

impl Id20 for HgNode {
    fn from_bytes(bytes: [u8; 20]) -> Self {
        HgNode(bytes)
    }

    fn to_bytes(&self) -> [u8; 20] {
        self.0
    }
}

impl Id20 for ObjectId {
    fn from_bytes(bytes: [u8; 20]) -> Self {
        oid_from_bytes(bytes)
    }

    fn to_bytes(&self) -> [u8; 20] {
        oid_bytes(self)
    }
}

/// A map from one kind of id to another: its entries in a list, in the
/// order they were set (40 bytes each, no allocation of their own), and a
/// compact index ([`IdIndex`], 4.6–9.2 bytes an entry) of the newest entry
/// of each key. Setting a key again appends a new entry that shadows the
/// old one: the list is also the log of what was set, in order (see
/// [`set_since`](IdMap::set_since)).
pub struct IdMap<K, V> {
    entries: Vec<([u8; 20], [u8; 20])>,
    index: IdIndex,
    /// Entries shadowed by a newer one of the same key.
    shadowed: usize,
    _ids: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            entries: Vec::new(),
            index: IdIndex::new(),
            shadowed: 0,
            _ids: PhantomData,
        }
    }
}

impl<K, V> std::fmt::Debug for IdMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdMap({} entries)", self.entries.len() - self.shadowed)
    }
}

impl<K: Id20, V: Id20> IdMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, key: &[u8; 20]) -> Option<u32> {
        self.index.find(key, &self.entries[..])
    }

    /// Looks an id up.
    pub fn get(&self, key: &K) -> Option<V> {
        self.position(&key.to_bytes())
            .map(|p| V::from_bytes(self.entries[p as usize].1))
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &K) -> bool {
        self.position(&key.to_bytes()).is_some()
    }

    /// Sets a value; returns the previous one. Positions are 32-bit: past
    /// 4 billion entries (160 GB of them) only keys already present can
    /// be set.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let key = key.to_bytes();
        let Ok(pos) = u32::try_from(self.entries.len()) else {
            // More than 4 billion entries: replace in place.
            return self.replace(key, value);
        };
        self.entries.push((key, value.to_bytes()));
        match self.index.repoint(&key, pos, &self.entries[..]) {
            Some(old) => {
                self.shadowed += 1;
                Some(V::from_bytes(self.entries[old as usize].1))
            }
            None => {
                self.index.insert(pos, &self.entries[..]);
                None
            }
        }
    }

    fn replace(&mut self, key: [u8; 20], value: V) -> Option<V> {
        let pos = self.position(&key)?;
        let old = std::mem::replace(&mut self.entries[pos as usize].1, value.to_bytes());
        Some(V::from_bytes(old))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len() - self.shadowed
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(i, (k, _))| self.shadowed == 0 || self.position(k) == Some(*i as u32))
            .map(|(_, (k, v))| (K::from_bytes(*k), V::from_bytes(*v)))
    }

    /// How many entries were set so far (shadowed ones included): a mark
    /// for [`set_since`](Self::set_since).
    pub fn mark(&self) -> usize {
        self.entries.len()
    }

    /// Every entry set since `mark`, in order, shadowed ones included.
    pub fn set_since(&self, mark: usize) -> &[([u8; 20], [u8; 20])] {
        self.entries.get(mark..).unwrap_or(&[])
    }
}
