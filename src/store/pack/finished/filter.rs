//! A blocked Bloom filter over object ids: "certainly not there" in one
//! cache line, for about 1.5 bytes an id. Object ids are SHA-1 digests, so
//! their bytes serve as the hash: the first eight pick the block, the
//! next twelve the bits in it.

/// Bits set per id, each within the id's block.
const BITS_PER_ID: u32 = 8;
/// Bits of filter per id of the capacity: about 0.5% of false positives
/// at capacity.
const BITS_PER_CAPACITY: usize = 12;

/// One 512-bit block: a cache line.
#[derive(Clone, Copy, Default)]
#[repr(align(64))]
struct Block([u64; 8]);

/// Ids that may have been added; none that was added is ever missed.
pub(super) struct IdFilter {
    blocks: Vec<Block>,
    capacity: usize,
}

impl IdFilter {
    /// An empty filter sized for `capacity` ids.
    pub(super) fn with_capacity(capacity: usize) -> IdFilter {
        let capacity = capacity.max(1 << 12);
        let blocks = (capacity * BITS_PER_CAPACITY).div_ceil(512);
        IdFilter {
            blocks: vec![Block::default(); blocks],
            capacity,
        }
    }

    /// The number of ids it was sized for.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The block of `id` and its bits there (word, mask) in turn.
    fn bits(&self, id: &[u8; 20]) -> (usize, impl Iterator<Item = (usize, u64)>) {
        let mut head = [0u8; 8];
        head.copy_from_slice(&id[..8]);
        let h = u64::from_le_bytes(head);
        let block = ((u128::from(h) * self.blocks.len() as u128) >> 64) as usize;
        let mut tail = [0u8; 16];
        tail[..12].copy_from_slice(&id[8..]);
        let mut rest = u128::from_le_bytes(tail);
        let bits = (0..BITS_PER_ID).map(move |_| {
            let bit = (rest & 511) as usize;
            rest >>= 9;
            (bit / 64, 1u64 << (bit % 64))
        });
        (block, bits)
    }

    /// Adds `id`.
    pub(super) fn insert(&mut self, id: &[u8; 20]) {
        let (block, bits) = self.bits(id);
        let words = &mut self.blocks[block].0;
        for (word, mask) in bits {
            words[word] |= mask;
        }
    }

    /// Whether `id` may have been added (false: it certainly was not).
    pub(super) fn may_contain(&self, id: &[u8; 20]) -> bool {
        let (block, mut bits) = self.bits(id);
        let words = &self.blocks[block].0;
        bits.all(|(word, mask)| words[word] & mask != 0)
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
    fn added_ids_are_found_and_few_others() {
        let mut f = IdFilter::with_capacity(100_000);
        for i in 0..100_000 {
            f.insert(&id(i));
        }
        assert!((0..100_000).all(|i| f.may_contain(&id(i))));
        let false_positives = (100_000..300_000)
            .filter(|&i| f.may_contain(&id(i)))
            .count();
        // About 0.5% expected at capacity.
        assert!(false_positives < 2_000, "{false_positives}");
    }
}
