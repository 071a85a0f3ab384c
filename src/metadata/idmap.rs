//! Compact maps between ids: hg nodes and git object ids, each held as its
//! 20 bytes, typed at the edges.

use std::collections::HashMap;
use std::marker::PhantomData;

use gix_hash::ObjectId;

use crate::hg::HgNode;
use crate::store::{oid_bytes, oid_from_bytes};

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

/// A map from one kind of id to another, 40 bytes an entry plus the
/// table's overhead.
pub struct IdMap<K, V> {
    map: HashMap<[u8; 20], [u8; 20], ahash::RandomState>,
    _ids: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            map: HashMap::default(),
            _ids: PhantomData,
        }
    }
}

impl<K, V> std::fmt::Debug for IdMap<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdMap({} entries)", self.map.len())
    }
}

impl<K: Id20, V: Id20> IdMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks an id up.
    pub fn get(&self, key: &K) -> Option<V> {
        self.map.get(&key.to_bytes()).map(|v| V::from_bytes(*v))
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &K) -> bool {
        self.map.contains_key(&key.to_bytes())
    }

    /// Sets a value; returns the previous one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.map
            .insert(key.to_bytes(), value.to_bytes())
            .map(V::from_bytes)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        self.map
            .iter()
            .map(|(k, v)| (K::from_bytes(*k), V::from_bytes(*v)))
    }
}
