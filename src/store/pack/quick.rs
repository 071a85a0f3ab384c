//! A zlib encoder for small objects, with no set-up per object: one
//! fixed-Huffman deflate block (RFC 1951 §3.2.6, the codes every inflater
//! knows, so no tree is built or sent) of greedy matches found through a
//! hash table that is never cleared, or one stored block when that is
//! smaller.
//!
//! zlib at its default level builds dynamic Huffman trees for every
//! stream and clears its 64K-entry hash table on every reset: for a
//! 40-byte tree delta that set-up is most of the work. Here the table
//! holds positions in a count of bytes that grows across objects, so an
//! entry left by an earlier object is recognised as stale by its value
//! (it is below the start of the current one) instead of being cleared.

/// Bits of the hash table index.
const HASH_BITS: u32 = 14;
/// Shortest match looked for (a 4-byte compare).
const MIN_MATCH: usize = 4;
/// Longest match deflate can say.
const MAX_MATCH: usize = 258;
/// Farthest distance deflate can say.
const MAX_DIST: usize = 32768;
/// Largest input: one stored block (the fallback) holds at most this.
pub(crate) const MAX_INPUT: usize = 65535;

/// The fixed literal/length code of `sym`, bit-reversed (deflate sends
/// Huffman codes most significant bit first), and its length.
const fn fixed_code(sym: u32) -> (u32, u32) {
    let (code, len) = match sym {
        0..=143 => (0x30 + sym, 8),
        144..=255 => (0x190 + sym - 144, 9),
        256..=279 => (sym - 256, 7),
        _ => (0xc0 + sym - 280, 8),
    };
    (reverse(code, len), len)
}

const fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// For each literal byte: its code and length.
const LITERALS: [(u32, u32); 256] = {
    let mut t = [(0, 0); 256];
    let mut i = 0;
    while i < 256 {
        t[i] = fixed_code(i as u32);
        i += 1;
    }
    t
};

/// For each match length minus 3 (0–255): the length code followed by its
/// extra bits, as one bit string, and its length.
const LENGTHS: [(u32, u32); 256] = {
    let mut t = [(0, 0); 256];
    let mut l = 0u32;
    while l < 256 {
        let (sym, extra_bits) = if l < 8 {
            (257 + l, 0)
        } else if l == 255 {
            (285, 0)
        } else {
            let nb = 31 - l.leading_zeros();
            let extra = nb - 2;
            (257 + 4 * (nb - 1) + ((l >> extra) & 3), extra)
        };
        let (code, len) = fixed_code(sym);
        let extra = if extra_bits == 0 {
            0
        } else {
            l & ((1 << extra_bits) - 1)
        };
        t[l as usize] = (code | (extra << len), len + extra_bits);
        l += 1;
    }
    t
};

/// A distance (1–32768) as its 5-bit code followed by its extra bits, and
/// the length of that bit string.
fn distance(dist: usize) -> (u32, u32) {
    let d = (dist - 1) as u32;
    let (sym, extra_bits) = if d < 4 {
        (d, 0)
    } else {
        let nb = 31 - d.leading_zeros();
        let extra = nb - 1;
        (2 * nb + ((d >> extra) & 1), extra)
    };
    let extra = d & ((1 << extra_bits) - 1);
    (reverse(sym, 5) | (extra << 5), 5 + extra_bits)
}

/// Appends bits least significant first to a byte vector.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits<'_> {
    #[inline]
    fn put(&mut self, bits: u32, len: u32) {
        self.acc |= u64::from(bits) << self.n;
        self.n += len;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }

    fn finish(self) {
        let bytes = self.n.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
    }
}

/// The Adler-32 checksum of `data` (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // Sums of at most this many bytes cannot overflow.
    const NMAX: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(NMAX) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Compresses small inputs (at most [`MAX_INPUT`] bytes) to zlib streams.
pub(crate) struct QuickDeflate {
    /// Last position + 1 (in the running count) of each 4-byte hash.
    table: Vec<u32>,
    /// The running count of bytes seen, where the current input starts.
    base: u32,
}

impl QuickDeflate {
    pub(crate) fn new() -> Self {
        QuickDeflate {
            table: vec![0; 1 << HASH_BITS],
            base: 0,
        }
    }

    #[inline]
    fn hash(word: u32) -> usize {
        (word.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)) as usize
    }

    /// Appends the zlib stream of `data` (at most [`MAX_INPUT`] bytes) to
    /// `out`.
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        debug_assert!(data.len() <= MAX_INPUT);
        let n = data.len();
        // Positions are stored + 1 (0 is empty), in a count that must not
        // wrap within this input.
        if self.base as usize + n + 1 >= u32::MAX as usize {
            self.table.fill(0);
            self.base = 0;
        }
        let base = self.base as usize + 1;
        self.base += n as u32;
        let start = out.len();
        // zlib header: deflate, 32K window, "fastest" (header % 31 == 0).
        out.extend_from_slice(&[0x78, 0x01]);
        out.reserve(n + n / 8 + 16);
        let word = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let mut bits = Bits { out, acc: 0, n: 0 };
        // BFINAL = 1, BTYPE = 01 (fixed Huffman codes).
        bits.put(0b011, 3);
        let mut i = 0;
        while i + MIN_MATCH <= n {
            let w = word(i);
            let h = Self::hash(w);
            let cand = self.table[h] as usize;
            self.table[h] = (base + i) as u32;
            if cand >= base && i - (cand - base) <= MAX_DIST && word(cand - base) == w {
                let from = cand - base;
                let max = (n - i).min(MAX_MATCH);
                let mut len = MIN_MATCH;
                while len < max && data[from + len] == data[i + len] {
                    len += 1;
                }
                let (lbits, llen) = LENGTHS[len - 3];
                let (dbits, dlen) = distance(i - from);
                bits.put(lbits, llen);
                bits.put(dbits, dlen);
                // Remember the positions inside the match too.
                let end = i + len;
                i += 1;
                while i < end && i + MIN_MATCH <= n {
                    self.table[Self::hash(word(i))] = (base + i) as u32;
                    i += 1;
                }
                i = end;
            } else {
                let (c, l) = LITERALS[data[i] as usize];
                bits.put(c, l);
                i += 1;
            }
        }
        for &x in &data[i..] {
            let (c, l) = LITERALS[x as usize];
            bits.put(c, l);
        }
        // End of block.
        let (c, l) = fixed_code(256);
        bits.put(c, l);
        bits.finish();
        // A stored block is 5 bytes plus the data: use it when smaller.
        if out.len() - start - 2 > n + 5 {
            out.truncate(start + 2);
            out.push(0b001); // BFINAL = 1, BTYPE = 00, then byte-aligned.
            let len = n as u16;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(&adler32(data).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress, Status};

    fn inflate(z: &[u8], size: usize) -> Vec<u8> {
        let mut d = Decompress::new(true);
        let mut out = Vec::with_capacity(size + 1);
        let status = d
            .decompress_vec(z, &mut out, FlushDecompress::Finish)
            .unwrap();
        assert_eq!(status, Status::StreamEnd);
        assert_eq!(d.total_in() as usize, z.len());
        out
    }

    fn roundtrip(q: &mut QuickDeflate, data: &[u8]) -> usize {
        let mut z = vec![0xaa];
        q.compress(data, &mut z);
        assert_eq!(inflate(&z[1..], data.len()), data);
        z.len() - 1
    }

    #[test]
    fn inputs_of_every_shape_round_trip() {
        let mut q = QuickDeflate::new();
        let mut seed = 12345u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        roundtrip(&mut q, b"");
        roundtrip(&mut q, b"a");
        roundtrip(&mut q, b"abcd");
        roundtrip(&mut q, &[0u8; 1000]);
        roundtrip(&mut q, &[7u8; MAX_INPUT]);
        let text: Vec<u8> = b"tree 1234\nparent 5678\nauthor A U Thor <a@b.c> 1 +0000\n"
            .iter()
            .cycle()
            .take(40_000)
            .copied()
            .collect();
        assert!(roundtrip(&mut q, &text) < 2_000);
        // Random bytes fall back to a stored block.
        let noise: Vec<u8> = (0..MAX_INPUT).map(|_| rand() as u8).collect();
        assert_eq!(roundtrip(&mut q, &noise), MAX_INPUT + 11);
        // Mixed: small alphabets and repeats at every length and distance.
        for round in 0..300 {
            let len = (rand() % 3000) as usize + round;
            let alphabet = (rand() % 20) as u8 + 1;
            let mut v: Vec<u8> = (0..len).map(|_| (rand() as u8) % alphabet).collect();
            if len > 600 && round % 2 == 0 {
                let at = (rand() as usize) % (len - 600);
                let (a, b) = v.split_at_mut(at + 280);
                a[at..at + 280].copy_from_slice(&b[..280]);
            }
            roundtrip(&mut q, &v);
        }
    }

    #[test]
    fn stale_positions_of_earlier_inputs_are_ignored() {
        let mut q = QuickDeflate::new();
        roundtrip(&mut q, b"hello hello hello");
        // Near the wrap of the running count, the table is cleared.
        q.base = u32::MAX - 10;
        roundtrip(&mut q, b"hello hello hello");
        roundtrip(&mut q, b"hello hello hello");
    }

    #[test]
    fn adler32_matches_zlib() {
        // Known values (RFC 1950 examples / zlib).
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let big = vec![0xffu8; 100_000];
        let mut z = Vec::new();
        QuickDeflate::new().compress(&big[..MAX_INPUT], &mut z);
        assert_eq!(inflate(&z, MAX_INPUT), &big[..MAX_INPUT]);
    }

    /// Compares this encoder with zlib on the objects of a pack: run with
    /// `QUICK_DUMP=FILE cargo test --release --lib quick::tests::compare
    /// -- --ignored --nocapture`, FILE holding records of a type byte, a
    /// little-endian u32 length and the bytes.
    #[test]
    #[ignore]
    fn compare() {
        use flate2::{Compress, Compression, FlushCompress};
        let Ok(path) = std::env::var("QUICK_DUMP") else {
            return;
        };
        let dump = std::fs::read(path).unwrap();
        let mut objects = Vec::new();
        let mut at = 0;
        while at < dump.len() {
            let len = u32::from_le_bytes(dump[at + 1..at + 5].try_into().unwrap()) as usize;
            objects.push(&dump[at + 5..at + 5 + len]);
            at += 5 + len;
        }
        let bounds = [64, 256, 1024, 4096, 16384, 65536, usize::MAX];
        let mut z6 = Compress::new(Compression::new(6), true);
        let mut z1 = Compress::new(Compression::new(1), true);
        let mut q = QuickDeflate::new();
        let mut out = Vec::with_capacity(1 << 24);
        println!("bucket<=  count  raw  z6  z1  quick  | ms: z6 z1 quick");
        let mut lo = 0;
        for &hi in &bounds {
            let set: Vec<&[u8]> = objects
                .iter()
                .filter(|o| o.len() >= lo && o.len() < hi)
                .copied()
                .collect();
            lo = hi;
            let raw: usize = set.iter().map(|o| o.len()).sum();
            let mut sizes = [0usize; 3];
            let mut times = [0u128; 3];
            for (k, z) in [&mut z6, &mut z1].into_iter().enumerate() {
                let t = std::time::Instant::now();
                for o in &set {
                    z.reset();
                    out.clear();
                    out.reserve(o.len() * 2 + 64);
                    z.compress_vec(o, &mut out, FlushCompress::Finish).unwrap();
                    sizes[k] += out.len();
                }
                times[k] = t.elapsed().as_millis();
            }
            let t = std::time::Instant::now();
            for o in set.iter().filter(|o| o.len() <= MAX_INPUT) {
                out.clear();
                q.compress(o, &mut out);
                sizes[2] += out.len();
            }
            times[2] = t.elapsed().as_millis();
            println!(
                "{hi:>8} {:>7} {raw:>10} {:>10} {:>10} {:>10} | {:>5} {:>5} {:>5}",
                set.len(),
                sizes[0],
                sizes[1],
                sizes[2],
                times[0],
                times[1],
                times[2]
            );
        }
    }
}
