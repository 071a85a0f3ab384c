//! Version 2 pack index (`.idx`) encoding: header, 256-entry fan-out of
//! cumulative counts by first oid byte, sorted oids, CRC-32s of the packed
//! entries, 31-bit offsets (with the top bit set, an index into the table
//! of 64-bit offsets that follows), the pack checksum, and the SHA-1 of
//! everything before it.

use std::io::{BufWriter, Write};

use sha1::{Digest, Sha1};

/// Offsets above this go to the 64-bit table (git's `off32_limit`).
const OFF32_LIMIT: u64 = 0x7fff_ffff;

/// Writes to `out` and hashes what it wrote.
struct Hashing<W> {
    out: W,
    hasher: Sha1,
}

impl<W: Write> Hashing<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)
    }
}

/// Writes to `out` the v2 index of the objects whose ids, offsets and
/// CRC-32s are `ids[i]`, `offsets[i]`, `crcs[i]`, for the pack whose
/// trailing checksum is `pack_checksum`. Streamed: beside the lists, only
/// a permutation (4 bytes an object) sorting the ids is allocated.
pub(crate) fn write_index(
    out: impl Write,
    ids: &[[u8; 20]],
    offsets: &[u64],
    crcs: &[u32],
    pack_checksum: &[u8; 20],
) -> std::io::Result<()> {
    let n = ids.len().min(offsets.len()).min(crcs.len());
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&i| ids[i as usize]);
    let mut w = Hashing {
        out: BufWriter::with_capacity(1 << 16, out),
        hasher: Sha1::new(),
    };
    w.put(&[0xff, b't', b'O', b'c'])?;
    w.put(&2u32.to_be_bytes())?;
    let mut fanout = [0u32; 256];
    for id in &ids[..n] {
        fanout[id[0] as usize] += 1;
    }
    let mut total = 0u32;
    for count in fanout {
        total += count;
        w.put(&total.to_be_bytes())?;
    }
    for &i in &order {
        w.put(&ids[i as usize])?;
    }
    for &i in &order {
        w.put(&crcs[i as usize].to_be_bytes())?;
    }
    let mut large = 0u32;
    for &i in &order {
        let offset = offsets[i as usize];
        if offset > OFF32_LIMIT {
            w.put(&(0x8000_0000 | large).to_be_bytes())?;
            large += 1;
        } else {
            w.put(&(offset as u32).to_be_bytes())?;
        }
    }
    for &i in &order {
        let offset = offsets[i as usize];
        if offset > OFF32_LIMIT {
            w.put(&offset.to_be_bytes())?;
        }
    }
    w.put(pack_checksum)?;
    let digest: [u8; 20] = w.hasher.finalize().into();
    w.out.write_all(&digest)?;
    w.out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(i: u32) -> [u8; 20] {
        Sha1::digest(i.to_be_bytes()).into()
    }

    #[test]
    fn large_offsets_read_back_with_gix() -> Result<(), Box<dyn std::error::Error>> {
        let entries: Vec<([u8; 20], u64, u32)> = (0..1000u32)
            .map(|i| {
                (
                    oid(i),
                    // Every third entry past 2 GiB, one exactly at the limit.
                    match i % 3 {
                        0 => 12 + u64::from(i) * 1000,
                        1 => (1 << 31) + u64::from(i) * 1_000_000,
                        _ => OFF32_LIMIT - u64::from(i),
                    },
                    i.wrapping_mul(2_654_435_761),
                )
            })
            .collect();
        let ids: Vec<[u8; 20]> = entries.iter().map(|e| e.0).collect();
        let offsets: Vec<u64> = entries.iter().map(|e| e.1).collect();
        let crcs: Vec<u32> = entries.iter().map(|e| e.2).collect();
        let checksum = [7u8; 20];
        let mut bytes = Vec::new();
        write_index(&mut bytes, &ids, &offsets, &crcs, &checksum)?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pack-test.idx");
        std::fs::write(&path, &bytes)?;
        let idx = gix_pack::index::File::at(&path, gix_hash::Kind::Sha1)?;
        assert_eq!(idx.version(), gix_pack::index::Version::V2);
        assert_eq!(idx.num_objects(), 1000);
        let digest: [u8; 20] = Sha1::digest(&bytes[..bytes.len() - 20]).into();
        assert_eq!(&bytes[bytes.len() - 20..], &digest);
        assert_eq!(&bytes[bytes.len() - 40..bytes.len() - 20], &checksum);
        for (oid, offset, crc32) in entries {
            let id = gix_hash::ObjectId::Sha1(oid);
            let i = idx.lookup(id).ok_or("missing oid")?;
            assert_eq!(idx.pack_offset_at_index(i), offset);
            assert_eq!(idx.crc32_at_index(i), Some(crc32));
        }
        Ok(())
    }
}
