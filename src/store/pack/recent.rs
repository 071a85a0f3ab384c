//! The trees written last, whole, so that the next version of a directory
//! can be written as a delta against the previous one without reading it
//! back from the pack. The objects are laid end to end in one ring buffer
//! bounded in bytes, the oldest overwritten first (a directory changed
//! often keeps its latest version at the young end): no allocation per
//! object, and memory is exactly the bound once full.

use std::collections::VecDeque;

use ahash::AHashMap;
use gix::ObjectId;

/// Bytes of tree data kept at least: the trees of a small manifest many
/// times over.
pub const DEFAULT_RECENT_BYTES: usize = 1 << 20;

/// The most the bound grows to (see [`RecentObjects::grow_to`]).
pub const MAX_RECENT_BYTES: usize = 64 << 20;

/// Recently written objects by id, in a ring buffer bounded in bytes,
/// oldest evicted first.
#[derive(Debug)]
pub struct RecentObjects {
    /// Where each kept object is in `ring`: start and length.
    map: AHashMap<ObjectId, (u32, u32)>,
    /// Kept objects, oldest first, with their place in `ring`.
    order: VecDeque<(ObjectId, u32, u32)>,
    /// The objects' bytes; grows up to `max_bytes`.
    ring: Vec<u8>,
    /// Where the next object goes.
    head: usize,
    max_bytes: usize,
}

impl RecentObjects {
    /// An empty cache holding at most `max_bytes` bytes of objects (at
    /// most 4 GiB).
    pub fn new(max_bytes: usize) -> Self {
        RecentObjects {
            map: AHashMap::new(),
            order: VecDeque::new(),
            ring: Vec::new(),
            head: 0,
            max_bytes: max_bytes.min(u32::MAX as usize),
        }
    }

    /// Raises the bound to `bytes` (at most [`MAX_RECENT_BYTES`]); never
    /// lowers it. The buffer grows only as objects come.
    pub fn grow_to(&mut self, bytes: usize) {
        self.max_bytes = self.max_bytes.max(bytes.min(MAX_RECENT_BYTES));
    }

    /// The data of `oid`, if kept.
    pub fn get(&self, oid: &ObjectId) -> Option<&[u8]> {
        let (start, len) = *self.map.get(oid)?;
        self.ring.get(start as usize..(start + len) as usize)
    }

    /// Forgets every object (the buffer is kept for reuse).
    pub fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.head = 0;
    }

    /// Keeps a copy of `data` as the object `oid`, overwriting the oldest
    /// objects where it goes. An object larger than a quarter of the
    /// bound is not kept.
    pub fn put(&mut self, oid: ObjectId, data: &[u8]) {
        let len = data.len();
        if len > self.max_bytes / 4 || self.map.contains_key(&oid) {
            return;
        }
        let mut start = self.head;
        let wrapped = start + len > self.max_bytes;
        if wrapped {
            start = 0;
        }
        let end = start + len;
        // The oldest objects are those just past the head (and, when the
        // ring wraps, every one between the head and the end).
        // Objects do not overlap and the youngest ends at the head, so an
        // object in the way starts in `start..end` (empty ones included).
        while let Some(&(old, s, _)) = self.order.front() {
            let s = s as usize;
            let in_the_way = (start..end).contains(&s) || (wrapped && s >= self.head);
            if !in_the_way {
                break;
            }
            self.order.pop_front();
            self.map.remove(&old);
        }
        if self.ring.len() < end {
            self.ring.resize(end, 0);
        }
        self.ring[start..end].copy_from_slice(data);
        self.map.insert(oid, (start as u32, len as u32));
        self.order.push_back((oid, start as u32, len as u32));
        self.head = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::object::hash_object;
    use gix::object::Kind;

    #[test]
    fn bounded_oldest_first() {
        let mut cache = RecentObjects::new(90);
        let ids: Vec<ObjectId> = (0..5u8).map(|i| hash_object(Kind::Tree, &[i])).collect();
        for id in &ids {
            cache.put(*id, &[7u8; 20]);
        }
        assert!(cache.get(&ids[0]).is_none());
        assert_eq!(cache.get(&ids[4]), Some(&[7u8; 20][..]));
        assert_eq!(cache.get(&ids[1]).map(<[u8]>::len), Some(20));
        // Wrapping around overwrites the oldest.
        let more: Vec<ObjectId> = (10..20u8).map(|i| hash_object(Kind::Tree, &[i])).collect();
        for (i, id) in more.iter().enumerate() {
            cache.put(*id, &[i as u8; 20]);
            assert_eq!(cache.get(id), Some(&[i as u8; 20][..]));
        }
        assert_eq!(cache.get(&more[6]), Some(&[6u8; 20][..]));
        assert!(cache.get(&more[5]).is_none());
        assert!(cache.map.len() <= 4 && cache.ring.len() <= 90);
        cache.clear();
        assert!(cache.get(&more[9]).is_none());
        // A raised bound keeps more.
        cache.grow_to(200);
        for id in &more {
            cache.put(*id, &[1u8; 20]);
        }
        assert!(more.iter().all(|id| cache.get(id).is_some()));
        cache.grow_to(10);
        assert_eq!(cache.max_bytes, 200);
        // Too large to keep.
        cache.put(hash_object(Kind::Tree, b"big"), &[0u8; 60]);
        assert!(cache.get(&hash_object(Kind::Tree, b"big")).is_none());
    }
}
