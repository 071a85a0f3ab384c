//! Converting a Mercurial delta into a git pack delta.
//!
//! A git delta (as stored in packs) is: the base size and the result size
//! as little-endian base-128 varints, then instructions. A copy
//! instruction (`0x80 | flags`, then up to 4 offset bytes and 3 size
//! bytes, zero bytes omitted) copies a range of the base; an insert
//! instruction (a byte `n` in `1..=127`, then `n` bytes) adds new bytes.

use super::{hunks, patched_len};

/// Longest insert instruction.
const MAX_INSERT: usize = 127;
/// Longest copy instruction emitted (what git itself emits).
const MAX_COPY: usize = 0x10000;

/// Converts a Mercurial delta into a git pack delta.
///
/// `delta` turns the hg base text B (`hg_base_len` bytes) into the hg
/// result R (`result_len` bytes). The git objects are those texts minus a
/// prefix: the git base is `B[header_len_base..]` and the git result is
/// `R[header_len_result..]` (for files, the `\x01\n…\x01\n` metadata
/// header, which git blobs do not hold; pass 0 when there is none).
///
/// Unchanged ranges of B become copy instructions and hunk data becomes
/// insert instructions. Returns `None` when the delta does not apply to a
/// `hg_base_len`-byte base giving `result_len` bytes, when a header length
/// exceeds its text, when the git result needs bytes that only exist in
/// B's header (a hunk touching the header in a way git cannot express), or
/// when an offset does not fit git's 32-bit copy offsets.
pub fn git_delta(
    hg_base_len: usize,
    header_len_base: usize,
    header_len_result: usize,
    delta: &[u8],
    result_len: usize,
) -> Option<Vec<u8>> {
    if header_len_base > hg_base_len || header_len_result > result_len {
        return None;
    }
    if patched_len(hg_base_len, delta).ok()? != result_len {
        return None;
    }
    let mut w = Writer {
        out: Vec::with_capacity(16 + delta.len()),
        skip: header_len_result,
        base_header: header_len_base,
        copy: None,
        too_far: false,
    };
    write_varint(&mut w.out, (hg_base_len - header_len_base) as u64);
    write_varint(&mut w.out, (result_len - header_len_result) as u64);
    let mut last = 0usize;
    for hunk in hunks(delta) {
        // Validated by patched_len.
        let hunk = hunk.ok()?;
        w.copy(last, hunk.start as usize - last)?;
        w.insert(hunk.data);
        last = hunk.end as usize;
    }
    w.copy(last, hg_base_len - last)?;
    w.flush_copy();
    (!w.too_far).then_some(w.out)
}

struct Writer {
    out: Vec<u8>,
    /// Result bytes still to drop (the result's header).
    skip: usize,
    base_header: usize,
    /// Pending copy (offset in the hg base, length), merged with
    /// contiguous copies.
    copy: Option<(usize, usize)>,
    /// A copy offset did not fit in 32 bits.
    too_far: bool,
}

impl Writer {
    fn copy(&mut self, mut src: usize, mut len: usize) -> Option<()> {
        let k = self.skip.min(len);
        self.skip -= k;
        src += k;
        len -= k;
        if len == 0 {
            return Some(());
        }
        if src < self.base_header {
            return None;
        }
        match &mut self.copy {
            Some((s, l)) if *s + *l == src => *l += len,
            _ => {
                self.flush_copy();
                self.copy = Some((src, len));
            }
        }
        Some(())
    }

    fn flush_copy(&mut self) {
        let Some((src, len)) = self.copy.take() else {
            return;
        };
        let mut offset = src - self.base_header;
        let mut left = len;
        while left > 0 {
            let n = left.min(MAX_COPY);
            let Ok(off) = u32::try_from(offset) else {
                self.too_far = true;
                return;
            };
            let pos = self.out.len();
            self.out.push(0x80);
            let mut cmd = 0x80u8;
            for (i, b) in off.to_le_bytes().into_iter().enumerate() {
                if b != 0 {
                    cmd |= 1 << i;
                    self.out.push(b);
                }
            }
            // n <= 0x10000 fits in 3 bytes.
            for (i, b) in (n as u32).to_le_bytes()[..3].iter().enumerate() {
                if *b != 0 {
                    cmd |= 0x10 << i;
                    self.out.push(*b);
                }
            }
            self.out[pos] = cmd;
            offset += n;
            left -= n;
        }
    }

    fn insert(&mut self, data: &[u8]) {
        let k = self.skip.min(data.len());
        self.skip -= k;
        let data = &data[k..];
        if data.is_empty() {
            return;
        }
        self.flush_copy();
        for piece in data.chunks(MAX_INSERT) {
            self.out.push(piece.len() as u8);
            self.out.extend_from_slice(piece);
        }
    }
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{apply, diff, write_hunk};
    use super::*;

    fn read_varint(d: &[u8], pos: &mut usize) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = d[*pos];
            *pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                return v;
            }
        }
    }

    /// A straightforward git delta applier, as in git's patch-delta.c.
    fn apply_git_delta(base: &[u8], d: &[u8]) -> Vec<u8> {
        let mut pos = 0;
        assert_eq!(read_varint(d, &mut pos), base.len() as u64, "base size");
        let size = read_varint(d, &mut pos) as usize;
        let mut out = Vec::new();
        while pos < d.len() {
            let cmd = d[pos];
            pos += 1;
            if cmd & 0x80 != 0 {
                let mut off = 0usize;
                for i in 0..4 {
                    if cmd & (1 << i) != 0 {
                        off |= (d[pos] as usize) << (8 * i);
                        pos += 1;
                    }
                }
                let mut n = 0usize;
                for i in 0..3 {
                    if cmd & (0x10 << i) != 0 {
                        n |= (d[pos] as usize) << (8 * i);
                        pos += 1;
                    }
                }
                if n == 0 {
                    n = 0x10000;
                }
                out.extend_from_slice(&base[off..off + n]);
            } else {
                assert!(cmd != 0, "reserved instruction 0");
                out.extend_from_slice(&d[pos..pos + cmd as usize]);
                pos += cmd as usize;
            }
        }
        assert_eq!(out.len(), size, "result size");
        out
    }

    fn check(b: &[u8], hb: usize, r: &[u8], hr: usize, delta: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        apply(b, delta, &mut out).unwrap();
        assert_eq!(out, r);
        let g = git_delta(b.len(), hb, hr, delta, r.len())?;
        assert_eq!(apply_git_delta(&b[hb..], &g), &r[hr..]);
        Some(g)
    }

    #[test]
    fn plain_texts() {
        let b: Vec<u8> = (0..3000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut r = b.clone();
        r.splice(100..200, std::iter::repeat_n(b'x', 1000));
        r.extend_from_slice(b"tail\n");
        let d = diff(&b, &r);
        check(&b, 0, &r, 0, &d).unwrap();
        // Big copies are split at 0x10000 bytes.
        let big = vec![b'a'; 300_000];
        let mut big2 = big.clone();
        big2.push(b'\n');
        check(&big, 0, &big2, 0, &diff(&big, &big2)).unwrap();
        // Identity and empty texts.
        check(&b, 0, &b, 0, &[]).unwrap();
        check(b"", 0, b"abc", 0, &diff(b"", b"abc")).unwrap();
        check(b"abc", 0, b"", 0, &diff(b"abc", b"")).unwrap();
    }

    #[test]
    fn metadata_headers() {
        let hb = b"\x01\ncopy: a\ncopyrev: 0123\n\x01\n";
        let content = b"one\ntwo\nthree\n";
        let mut b = hb.to_vec();
        b.extend_from_slice(content);
        let mut r = hb.to_vec();
        r.extend_from_slice(b"one\n2\nthree\n");
        // Same header on both sides.
        check(&b, hb.len(), &r, hb.len(), &diff(&b, &r)).unwrap();
        // Header added: the inserted header is dropped from the git delta.
        check(content, 0, &r, hb.len(), &diff(content, &r)).unwrap();
        // Header removed.
        check(&b, hb.len(), b"one\n", 0, &diff(&b, b"one\n")).unwrap();
        // Result content copied out of the base's header: not expressible.
        let mut d = Vec::new();
        write_hunk(&mut d, 0, 2, b"");
        write_hunk(&mut d, 10, b.len() as u32, b"");
        let mut r2 = Vec::new();
        apply(&b, &d, &mut r2).unwrap();
        assert_eq!(r2, b"copy: a\n");
        assert!(git_delta(b.len(), hb.len(), 0, &d, r2.len()).is_none());
        // Inconsistent lengths.
        assert!(git_delta(b.len(), hb.len(), 0, &d, r2.len() + 1).is_none());
        assert!(git_delta(b.len(), b.len() + 1, 0, &d, r2.len()).is_none());
        assert!(git_delta(3, 0, 0, &d, 0).is_none());
    }

    #[test]
    fn long_inserts() {
        let data = vec![b'z'; 1000];
        let mut d = Vec::new();
        write_hunk(&mut d, 1, 2, &data);
        let g = check(b"abc", 0, &[b"a", &data[..], b"c"].concat(), 0, &d).unwrap();
        // Sizes 3 and 1002 (1 + 2 bytes), copy "a" (2), 8 insert
        // instructions (7 of 127 bytes, 1 of 111), copy "c" (3).
        assert_eq!(g.len(), 3 + 2 + 8 + 1000 + 3);
    }
}
