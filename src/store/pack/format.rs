//! Byte layouts of a version 2 pack: the object entry header (type and
//! size) and the `OFS_DELTA` base distance.

use gix::object::Kind;

/// Pack object type of a commit.
pub(crate) const OBJ_COMMIT: u8 = 1;
/// Pack object type of a tree.
pub(crate) const OBJ_TREE: u8 = 2;
/// Pack object type of a blob.
pub(crate) const OBJ_BLOB: u8 = 3;
/// Pack object type of an annotated tag.
pub(crate) const OBJ_TAG: u8 = 4;
/// Pack entry type of a delta against an earlier entry of the same pack.
pub(crate) const OBJ_OFS_DELTA: u8 = 6;

/// The pack file header: `PACK`, version 2, object count.
pub(crate) fn pack_header(count: u32) -> [u8; 12] {
    let mut h = [0u8; 12];
    h[..4].copy_from_slice(b"PACK");
    h[4..8].copy_from_slice(&2u32.to_be_bytes());
    h[8..].copy_from_slice(&count.to_be_bytes());
    h
}

/// The pack type of an object kind.
pub(crate) fn kind_to_type(kind: Kind) -> u8 {
    match kind {
        Kind::Commit => OBJ_COMMIT,
        Kind::Tree => OBJ_TREE,
        Kind::Blob => OBJ_BLOB,
        Kind::Tag => OBJ_TAG,
    }
}

/// The object kind of a (non-delta) pack type.
pub(crate) fn type_to_kind(ty: u8) -> Option<Kind> {
    match ty {
        OBJ_COMMIT => Some(Kind::Commit),
        OBJ_TREE => Some(Kind::Tree),
        OBJ_BLOB => Some(Kind::Blob),
        OBJ_TAG => Some(Kind::Tag),
        _ => None,
    }
}

/// Encodes an entry header: type in bits 4–6 of the first byte, the size
/// in its low 4 bits then 7 bits per following byte, little end first, the
/// top bit of each byte saying another follows. Returns the bytes used.
pub(crate) fn encode_entry_header(ty: u8, mut size: u64, out: &mut [u8; 10]) -> usize {
    let mut byte = (ty << 4) | (size & 15) as u8;
    size >>= 4;
    let mut n = 0;
    while size != 0 {
        out[n] = byte | 0x80;
        n += 1;
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    out[n] = byte;
    n + 1
}

/// Decodes an entry header: (type, size, bytes used), or `None` when the
/// bytes end early or the size overflows.
pub(crate) fn decode_entry_header(buf: &[u8]) -> Option<(u8, u64, usize)> {
    let first = *buf.first()?;
    let ty = (first >> 4) & 7;
    let mut size = u64::from(first & 15);
    let mut shift = 4;
    let mut i = 1;
    let mut byte = first;
    while byte & 0x80 != 0 {
        byte = *buf.get(i)?;
        i += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    Some((ty, size, i))
}

/// Encodes the distance back to an `OFS_DELTA` base: big end first, 7 bits
/// per byte, each continuation adding one (so every length has its own
/// range). Returns the bytes, at the end of `out`.
pub(crate) fn encode_ofs(mut distance: u64, out: &mut [u8; 10]) -> &[u8] {
    let mut pos = out.len() - 1;
    out[pos] = (distance & 0x7f) as u8;
    distance >>= 7;
    while distance != 0 {
        distance -= 1;
        pos -= 1;
        out[pos] = 0x80 | (distance & 0x7f) as u8;
        distance >>= 7;
    }
    &out[pos..]
}

/// Decodes an `OFS_DELTA` distance: (distance, bytes used).
pub(crate) fn decode_ofs(buf: &[u8]) -> Option<(u64, usize)> {
    let mut byte = *buf.first()?;
    let mut value = u64::from(byte & 0x7f);
    let mut i = 1;
    while byte & 0x80 != 0 {
        byte = *buf.get(i)?;
        i += 1;
        value = value.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
    }
    Some((value, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_header_round_trip() {
        for size in [
            0u64,
            1,
            15,
            16,
            127,
            128,
            2047,
            2048,
            1 << 20,
            u32::MAX as u64,
            1 << 40,
        ] {
            for ty in [OBJ_COMMIT, OBJ_BLOB, OBJ_OFS_DELTA] {
                let mut buf = [0u8; 10];
                let n = encode_entry_header(ty, size, &mut buf);
                assert_eq!(decode_entry_header(&buf[..n]), Some((ty, size, n)));
            }
        }
        // A known encoding: blob of 100 bytes is 0xb4 0x06.
        let mut buf = [0u8; 10];
        let n = encode_entry_header(OBJ_BLOB, 100, &mut buf);
        assert_eq!(&buf[..n], &[0xb4, 0x06]);
        assert_eq!(decode_entry_header(&[0xb4]), None);
    }

    #[test]
    fn ofs_round_trip() {
        for d in [
            1u64,
            127,
            128,
            129,
            16383,
            16384,
            16511,
            16512,
            1 << 30,
            1 << 50,
        ] {
            let mut buf = [0u8; 10];
            let enc = encode_ofs(d, &mut buf).to_vec();
            assert_eq!(decode_ofs(&enc), Some((d, enc.len())), "{d}");
        }
        // 128 is [0x80, 0x00] in git's offset encoding.
        let mut buf = [0u8; 10];
        assert_eq!(encode_ofs(128, &mut buf), &[0x80, 0x00]);
    }
}
