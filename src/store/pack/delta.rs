//! git's delta format (the payload of `OFS_DELTA`/`REF_DELTA` pack entries):
//! two size varints (base size, result size; 7 bits per byte, little end
//! first) followed by instructions, each either a copy from the base
//! (`1oooossss`: flag bits say which offset and size bytes follow; a size of
//! 0 means 0x10000) or an insert of 1–127 literal bytes (`0nnnnnnn`).

use super::super::error::{Result, StoreError};

/// Largest size a single copy instruction carries in the encodings git
/// itself produces.
const MAX_COPY: usize = 0x10000;

fn bad(reason: impl Into<String>) -> StoreError {
    StoreError::BadDelta(reason.into())
}

fn read_varint(delta: &[u8], pos: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *delta
            .get(*pos)
            .ok_or_else(|| bad("truncated size header"))?;
        *pos += 1;
        if shift > 63 {
            return Err(bad("size header overflows"));
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
}

/// Appends a size varint of a delta header.
pub(crate) fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends copy instructions for `len` bytes of the base from `offset`
/// (split at 0x10000 bytes, as git does). The caller checks the range is
/// in the base; an offset at or beyond 4 GiB is an error.
pub(crate) fn push_copy(out: &mut Vec<u8>, mut offset: usize, mut len: usize) -> Result<()> {
    while len > 0 {
        if offset > u32::MAX as usize {
            return Err(bad("copy offset beyond 4 GiB"));
        }
        let chunk = len.min(MAX_COPY);
        let mut op = 0x80u8;
        let mut args = [0u8; 7];
        let mut n = 0;
        for (i, bit) in [0x01u8, 0x02, 0x04, 0x08].into_iter().enumerate() {
            let b = (offset >> (8 * i)) as u8;
            if b != 0 {
                op |= bit;
                args[n] = b;
                n += 1;
            }
        }
        // A size of 0x10000 is encoded by leaving all size bytes out.
        if chunk != MAX_COPY {
            for (i, bit) in [0x10u8, 0x20, 0x40].into_iter().enumerate() {
                let b = (chunk >> (8 * i)) as u8;
                if b != 0 {
                    op |= bit;
                    args[n] = b;
                    n += 1;
                }
            }
        }
        out.push(op);
        out.extend_from_slice(&args[..n]);
        offset += chunk;
        len -= chunk;
    }
    Ok(())
}

/// Appends insert instructions for `data` (127 bytes at most each).
pub(crate) fn push_insert(out: &mut Vec<u8>, data: &[u8]) {
    for chunk in data.chunks(0x7f) {
        out.push(chunk.len() as u8);
        out.extend_from_slice(chunk);
    }
}

/// The sizes a delta declares: (base size, result size, header length).
pub fn delta_sizes(delta: &[u8]) -> Result<(u64, u64, usize)> {
    let mut pos = 0;
    let base = read_varint(delta, &mut pos)?;
    let result = read_varint(delta, &mut pos)?;
    Ok((base, result, pos))
}

/// Applies `delta` to `base`, writing the result to `out` (replacing its
/// contents). Checks the declared sizes and every instruction's bounds.
pub fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let (base_size, result_size, mut pos) = delta_sizes(delta)?;
    if base_size != base.len() as u64 {
        return Err(bad(format!(
            "delta expects a base of {base_size} bytes, the base has {}",
            base.len()
        )));
    }
    let result_size =
        usize::try_from(result_size).map_err(|_| bad("result size does not fit in memory"))?;
    out.clear();
    out.reserve(result_size);
    while pos < delta.len() {
        let op = delta[pos];
        pos += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut size = 0usize;
            for (bit, shift) in [(0x01, 0), (0x02, 8), (0x04, 16), (0x08, 24)] {
                if op & bit != 0 {
                    let b = *delta.get(pos).ok_or_else(|| bad("truncated copy"))?;
                    pos += 1;
                    offset |= usize::from(b) << shift;
                }
            }
            for (bit, shift) in [(0x10, 0), (0x20, 8), (0x40, 16)] {
                if op & bit != 0 {
                    let b = *delta.get(pos).ok_or_else(|| bad("truncated copy"))?;
                    pos += 1;
                    size |= usize::from(b) << shift;
                }
            }
            if size == 0 {
                size = MAX_COPY;
            }
            let end = offset
                .checked_add(size)
                .filter(|&e| e <= base.len())
                .ok_or_else(|| bad("copy beyond the end of the base"))?;
            if out.len() + size > result_size {
                return Err(bad("result longer than declared"));
            }
            out.extend_from_slice(&base[offset..end]);
        } else if op != 0 {
            let n = usize::from(op);
            let data = delta
                .get(pos..pos + n)
                .ok_or_else(|| bad("truncated insert"))?;
            if out.len() + n > result_size {
                return Err(bad("result longer than declared"));
            }
            out.extend_from_slice(data);
            pos += n;
        } else {
            return Err(bad("reserved instruction 0"));
        }
    }
    if out.len() != result_size {
        return Err(bad(format!(
            "result has {} bytes, {result_size} declared",
            out.len()
        )));
    }
    Ok(())
}

/// Builds a git delta from copy and insert instructions.
///
/// ```
/// use cinnabar::store::pack::{apply_delta, DeltaBuilder};
/// let base = b"hello world";
/// let mut d = DeltaBuilder::new(base.len());
/// d.copy(0, 6).unwrap();
/// d.insert(b"there");
/// let delta = d.finish();
/// let mut out = Vec::new();
/// apply_delta(base, &delta, &mut out).unwrap();
/// assert_eq!(out, b"hello there");
/// ```
#[derive(Debug, Clone)]
pub struct DeltaBuilder {
    base_len: usize,
    result_len: usize,
    ops: Vec<u8>,
}

impl DeltaBuilder {
    /// A delta against a base of `base_len` bytes.
    pub fn new(base_len: usize) -> Self {
        DeltaBuilder {
            base_len,
            result_len: 0,
            ops: Vec::new(),
        }
    }

    /// Copies `len` bytes of the base from `offset`. The range must be in
    /// the base and the offset below 4 GiB.
    pub fn copy(&mut self, offset: usize, len: usize) -> Result<()> {
        if offset
            .checked_add(len)
            .is_none_or(|end| end > self.base_len)
        {
            return Err(bad("copy beyond the end of the base"));
        }
        push_copy(&mut self.ops, offset, len)?;
        self.result_len += len;
        Ok(())
    }

    /// Inserts literal bytes.
    pub fn insert(&mut self, data: &[u8]) {
        push_insert(&mut self.ops, data);
        self.result_len += data.len();
    }

    /// The size of the result so far.
    pub fn result_len(&self) -> usize {
        self.result_len
    }

    /// The finished delta.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.ops.len() + 20);
        push_varint(&mut out, self.base_len as u64);
        push_varint(&mut out, self.result_len as u64);
        out.extend_from_slice(&self.ops);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_apply() -> Result<()> {
        let base: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut d = DeltaBuilder::new(base.len());
        d.insert(b"prefix");
        d.copy(0, 100)?;
        d.copy(70_000, 130_000)?;
        d.insert(&[b'x'; 300]);
        d.copy(256, 1)?;
        let expect: Vec<u8> = [
            &b"prefix"[..],
            &base[..100],
            &base[70_000..],
            &[b'x'; 300][..],
            &base[256..257],
        ]
        .concat();
        assert_eq!(d.result_len(), expect.len());
        let delta = d.finish();
        let (b, r, _) = delta_sizes(&delta)?;
        assert_eq!((b, r), (base.len() as u64, expect.len() as u64));
        let mut out = Vec::new();
        apply_delta(&base, &delta, &mut out)?;
        assert_eq!(out, expect);
        Ok(())
    }

    #[test]
    fn rejects_bad_deltas() {
        let base = b"0123456789";
        let mut out = Vec::new();
        // Wrong base size.
        assert!(apply_delta(base, &[5, 1, 1, b'a'], &mut out).is_err());
        // Copy out of range: offset 8, size 5.
        assert!(apply_delta(base, &[10, 5, 0x91, 8, 5], &mut out).is_err());
        // Result longer than declared.
        assert!(apply_delta(base, &[10, 1, 2, b'a', b'b'], &mut out).is_err());
        // Result shorter than declared.
        assert!(apply_delta(base, &[10, 3, 1, b'a'], &mut out).is_err());
        // Truncated insert and reserved opcode.
        assert!(apply_delta(base, &[10, 3, 3, b'a'], &mut out).is_err());
        assert!(apply_delta(base, &[10, 0, 0], &mut out).is_err());
        let mut d = DeltaBuilder::new(10);
        assert!(d.copy(5, 6).is_err());
    }
}
