//! Version 2 pack index (`.idx`) encoding: header, 256-entry fan-out of
//! cumulative counts by first oid byte, sorted oids, CRC-32s of the packed
//! entries, 31-bit offsets (with the top bit set, an index into the table
//! of 64-bit offsets that follows), the pack checksum, and the SHA-1 of
//! everything before it.

use sha1::{Digest, Sha1};

/// One object of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    /// Raw object id.
    pub oid: [u8; 20],
    /// Offset of the entry in the pack.
    pub offset: u64,
    /// CRC-32 of the entry's bytes in the pack (header and compressed data).
    pub crc32: u32,
}

/// Offsets above this go to the 64-bit table (git's `off32_limit`).
const OFF32_LIMIT: u64 = 0x7fff_ffff;

/// Encodes a v2 index of `entries` (sorted here) for the pack whose
/// trailing checksum is `pack_checksum`.
pub(crate) fn encode_index(entries: &mut [IndexEntry], pack_checksum: &[u8; 20]) -> Vec<u8> {
    entries.sort_unstable_by_key(|a| a.oid);
    let n = entries.len();
    let mut out = Vec::with_capacity(8 + 1024 + n * 28 + 40);
    out.extend_from_slice(&[0xff, b't', b'O', b'c']);
    out.extend_from_slice(&2u32.to_be_bytes());
    let mut fanout = [0u32; 256];
    for e in entries.iter() {
        fanout[e.oid[0] as usize] += 1;
    }
    let mut total = 0u32;
    for count in fanout {
        total += count;
        out.extend_from_slice(&total.to_be_bytes());
    }
    for e in entries.iter() {
        out.extend_from_slice(&e.oid);
    }
    for e in entries.iter() {
        out.extend_from_slice(&e.crc32.to_be_bytes());
    }
    let mut large = Vec::new();
    for e in entries.iter() {
        if e.offset > OFF32_LIMIT {
            let idx = large.len() as u32;
            out.extend_from_slice(&(0x8000_0000 | idx).to_be_bytes());
            large.push(e.offset);
        } else {
            out.extend_from_slice(&(e.offset as u32).to_be_bytes());
        }
    }
    for offset in large {
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out.extend_from_slice(pack_checksum);
    let digest: [u8; 20] = Sha1::digest(&out).into();
    out.extend_from_slice(&digest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(i: u32) -> [u8; 20] {
        Sha1::digest(i.to_be_bytes()).into()
    }

    #[test]
    fn large_offsets_read_back_with_gix() -> Result<(), Box<dyn std::error::Error>> {
        let mut entries: Vec<IndexEntry> = (0..1000u32)
            .map(|i| IndexEntry {
                oid: oid(i),
                // Every third entry past 2 GiB, one exactly at the limit.
                offset: match i % 3 {
                    0 => 12 + u64::from(i) * 1000,
                    1 => (1 << 31) + u64::from(i) * 1_000_000,
                    _ => OFF32_LIMIT - u64::from(i),
                },
                crc32: i.wrapping_mul(2_654_435_761),
            })
            .collect();
        let expect = entries.clone();
        let checksum = [7u8; 20];
        let bytes = encode_index(&mut entries, &checksum);
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pack-test.idx");
        std::fs::write(&path, &bytes)?;
        let idx = gix_pack::index::File::at(&path, gix_hash::Kind::Sha1)?;
        assert_eq!(idx.version(), gix_pack::index::Version::V2);
        assert_eq!(idx.num_objects(), 1000);
        let digest: [u8; 20] = Sha1::digest(&bytes[..bytes.len() - 20]).into();
        assert_eq!(&bytes[bytes.len() - 20..], &digest);
        assert_eq!(&bytes[bytes.len() - 40..bytes.len() - 20], &checksum);
        for e in expect {
            let id = gix_hash::ObjectId::Sha1(e.oid);
            let i = idx.lookup(id).ok_or("missing oid")?;
            assert_eq!(idx.pack_offset_at_index(i), e.offset);
            assert_eq!(idx.crc32_at_index(i), Some(e.crc32));
        }
        Ok(())
    }
}
