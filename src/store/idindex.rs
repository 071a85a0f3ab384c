//! A compact index of 20-byte ids (git object ids, hg nodes): the ids live
//! in a list the caller keeps, in the order they were added, and the index
//! only holds their positions, 4 bytes each, in an open-addressing hash
//! table. With the table's load factor (at most 7/8, at least 7/16 after
//! it doubles), an id costs its 20 bytes in the list plus 4.6–9.2 bytes
//! here, and no allocation of its own: a `HashMap<[u8; 20], _>` costs 21
//! bytes plus its value per bucket, for 1.14–2.3 buckets an entry.
//!
//! The ids are hashes, but they may come from the network: the table hash
//! is keyed (ahash, random per process) so that crafted ids do not pile up
//! in one probe sequence.

use hashbrown::HashTable;

/// Where the ids of an [`IdIndex`] are kept: position → id.
pub trait IdList {
    /// The id at `pos` (which was added to the list).
    fn id_at(&self, pos: u32) -> &[u8; 20];
}

impl IdList for [[u8; 20]] {
    fn id_at(&self, pos: u32) -> &[u8; 20] {
        &self[pos as usize]
    }
}

impl IdList for Vec<[u8; 20]> {
    fn id_at(&self, pos: u32) -> &[u8; 20] {
        &self[pos as usize]
    }
}

impl IdList for [([u8; 20], [u8; 20])] {
    fn id_at(&self, pos: u32) -> &[u8; 20] {
        &self[pos as usize].0
    }
}

/// Positions of ids in an [`IdList`], found by id. See the [module](self)
/// docs.
#[derive(Clone, Default)]
pub struct IdIndex {
    table: HashTable<u32>,
    hasher: ahash::RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} ids)", self.table.len())
    }
}

impl IdIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    fn hash(hasher: &ahash::RandomState, id: &[u8; 20]) -> u64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&id[..8]);
        hasher.hash_one(u64::from_le_bytes(word))
    }

    /// The position of `id` in `ids`, if it was added.
    pub fn find<L: IdList + ?Sized>(&self, id: &[u8; 20], ids: &L) -> Option<u32> {
        let hash = Self::hash(&self.hasher, id);
        self.table.find(hash, |&pos| ids.id_at(pos) == id).copied()
    }

    /// Adds the id at `pos` of `ids` (the caller knows it was not added).
    pub fn insert<L: IdList + ?Sized>(&mut self, pos: u32, ids: &L) {
        let hasher = &self.hasher;
        let hash = Self::hash(hasher, ids.id_at(pos));
        self.table
            .insert_unique(hash, pos, |&p| Self::hash(hasher, ids.id_at(p)));
    }

    /// Makes `id`, if it was added, point to `pos` instead (an entry of
    /// the same id, added to `ids` since); returns the position it had.
    pub fn repoint<L: IdList + ?Sized>(&mut self, id: &[u8; 20], pos: u32, ids: &L) -> Option<u32> {
        let hash = Self::hash(&self.hasher, id);
        let slot = self.table.find_mut(hash, |&p| ids.id_at(p) == id)?;
        Some(std::mem::replace(slot, pos))
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no id was added.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Forgets every id, keeping the allocation.
    pub fn clear(&mut self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};

    fn id(i: u32) -> [u8; 20] {
        Sha1::digest(i.to_be_bytes()).into()
    }

    #[test]
    fn finds_what_was_added_and_nothing_else() {
        let mut ids: Vec<[u8; 20]> = Vec::new();
        let mut index = IdIndex::new();
        for i in 0..10_000u32 {
            ids.push(id(i));
            index.insert(i, &ids);
        }
        assert_eq!(index.len(), 10_000);
        for i in 0..10_000u32 {
            assert_eq!(index.find(&id(i), &ids), Some(i));
        }
        for i in 10_000..10_100u32 {
            assert_eq!(index.find(&id(i), &ids), None);
        }
        // Ids equal in their first 8 bytes are told apart.
        let mut twin = id(5);
        twin[19] ^= 1;
        assert_eq!(index.find(&twin, &ids), None);
        ids.push(twin);
        index.insert(10_000, &ids);
        assert_eq!(index.find(&twin, &ids), Some(10_000));
        assert_eq!(index.find(&id(5), &ids), Some(5));
        ids.push(id(5));
        assert_eq!(index.repoint(&id(5), 10_001, &ids), Some(5));
        assert_eq!(index.find(&id(5), &ids), Some(10_001));
        assert_eq!(index.repoint(&id(20_000), 10_001, &ids), None);
    }
}
