//! Recently rebuilt revision texts of a delta chain, bounded in bytes, so
//! that a delta against a recent revision (not only the previous one) does
//! not have to read its base back from git.

use std::collections::VecDeque;

use crate::hg::HgNode;

/// Most recent first.
#[derive(Debug)]
pub struct TextCache {
    entries: VecDeque<(HgNode, Vec<u8>)>,
    bytes: usize,
    max_bytes: usize,
    max_entries: usize,
}

impl TextCache {
    /// A cache holding at most `max_entries` texts and `max_bytes` bytes
    /// (the most recent text is always kept).
    pub fn new(max_entries: usize, max_bytes: usize) -> TextCache {
        TextCache {
            entries: VecDeque::new(),
            bytes: 0,
            max_bytes,
            max_entries: max_entries.max(1),
        }
    }

    /// The text of `node`, if cached.
    pub fn get(&self, node: &HgNode) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, t)| t.as_slice())
    }

    /// Adds the text of `node` as the most recent. Returns a buffer evicted
    /// to make room, for reuse.
    pub fn insert(&mut self, node: HgNode, text: Vec<u8>) -> Option<Vec<u8>> {
        self.bytes += text.len();
        self.entries.push_front((node, text));
        let mut recycled = None;
        while self.entries.len() > 1
            && (self.entries.len() > self.max_entries || self.bytes > self.max_bytes)
        {
            if let Some((_, t)) = self.entries.pop_back() {
                self.bytes -= t.len();
                recycled = Some(t);
            }
        }
        recycled.map(|mut t| {
            t.clear();
            t
        })
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        let mut c = TextCache::new(3, 10);
        assert!(c.insert(HgNode([1; 20]), vec![0; 4]).is_none());
        assert!(c.insert(HgNode([2; 20]), vec![0; 4]).is_none());
        assert!(c.insert(HgNode([3; 20]), vec![0; 4]).is_some());
        assert!(c.get(&HgNode([1; 20])).is_none());
        assert_eq!(c.get(&HgNode([3; 20])).map(<[u8]>::len), Some(4));
        // The most recent text stays even when alone over the budget.
        c.insert(HgNode([4; 20]), vec![0; 50]);
        assert!(c.get(&HgNode([4; 20])).is_some());
        assert!(c.get(&HgNode([3; 20])).is_none());
    }
}
