//! Compact maps between 20-byte ids (hg nodes and git object ids).

use std::collections::HashMap;

/// A map from one 20-byte id to another.
#[derive(Clone, Debug, Default)]
pub struct IdMap(HashMap<[u8; 20], [u8; 20], ahash::RandomState>);

impl IdMap {
    /// An empty map.
    pub fn new() -> IdMap {
        IdMap::default()
    }

    /// Looks an id up.
    pub fn get(&self, key: &[u8; 20]) -> Option<&[u8; 20]> {
        self.0.get(key)
    }

    /// Whether the key is present.
    pub fn contains(&self, key: &[u8; 20]) -> bool {
        self.0.contains_key(key)
    }

    /// Sets a value; returns the previous one.
    pub fn insert(&mut self, key: [u8; 20], value: [u8; 20]) -> Option<[u8; 20]> {
        self.0.insert(key, value)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8; 20], &[u8; 20])> {
        self.0.iter()
    }
}
