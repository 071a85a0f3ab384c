//! Producing a line-based delta between two texts.
//!
//! Lines (each with its trailing LF, the last one possibly without) are
//! interned to integers, the common prefix and suffix are trimmed, and the
//! rest is compared with Myers' O(ND) algorithm in its linear-space
//! ("middle snake") form. Like xdiff, the search gives up on finding a
//! minimal diff past a cost limit (`max(256, √(N+M))` edits per
//! bisection) and over a total work budget, so pathological inputs stay
//! fast at the price of a larger delta. The output is always correct.

use std::collections::HashMap;

use super::write_hunk;

/// Produces a delta whose hunks fall on line boundaries and which
/// [`apply`](super::apply) turns `old` into `new`.
///
/// Texts longer than 4 GiB cannot be described by a Mercurial delta; they
/// are not supported.
pub fn diff(old: &[u8], new: &[u8]) -> Vec<u8> {
    let a = line_starts(old);
    let b = line_starts(new);
    let (na, nb) = (a.len() - 1, b.len() - 1);
    let line_a = |i: usize| &old[a[i]..a[i + 1]];
    let line_b = |i: usize| &new[b[i]..b[i + 1]];

    let mut pre = 0;
    while pre < na && pre < nb && line_a(pre) == line_b(pre) {
        pre += 1;
    }
    let mut suf = 0;
    while suf < na - pre && suf < nb - pre && line_a(na - 1 - suf) == line_b(nb - 1 - suf) {
        suf += 1;
    }

    let mut ids: HashMap<&[u8], u32> = HashMap::new();
    let mut intern = |line| -> u32 {
        let next = ids.len() as u32;
        *ids.entry(line).or_insert(next)
    };
    let ia: Vec<u32> = (pre..na - suf).map(|i| intern(line_a(i))).collect();
    let ib: Vec<u32> = (pre..nb - suf).map(|i| intern(line_b(i))).collect();

    let mut edits = Vec::new();
    Myers::new(&ia, &ib).run(&mut edits);

    let mut out = Vec::new();
    let mut pending: Option<Edit> = None;
    for e in edits {
        match &mut pending {
            Some(p) if p.a_hi == e.a_lo && p.b_hi == e.b_lo => {
                p.a_hi = e.a_hi;
                p.b_hi = e.b_hi;
            }
            _ => {
                if let Some(p) = pending.replace(e) {
                    emit(&mut out, &p, pre, &a, &b, new);
                }
            }
        }
    }
    if let Some(p) = pending {
        emit(&mut out, &p, pre, &a, &b, new);
    }
    out
}

fn emit(out: &mut Vec<u8>, e: &Edit, pre: usize, a: &[usize], b: &[usize], new: &[u8]) {
    let start = a[pre + e.a_lo] as u32;
    let end = a[pre + e.a_hi] as u32;
    write_hunk(out, start, end, &new[b[pre + e.b_lo]..b[pre + e.b_hi]]);
}

/// Offsets where lines start, plus the text length at the end.
fn line_starts(text: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(text.len() / 32 + 2);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
    if starts.last() != Some(&text.len()) {
        starts.push(text.len());
    }
    starts
}

/// Replace lines `a_lo..a_hi` of the old text by `b_lo..b_hi` of the new.
#[derive(Clone, Copy, Debug)]
struct Edit {
    a_lo: usize,
    a_hi: usize,
    b_lo: usize,
    b_hi: usize,
}

struct Myers<'a> {
    a: &'a [u32],
    b: &'a [u32],
    forward: Vec<isize>,
    backward: Vec<isize>,
    /// Remaining work (diagonal steps and snake steps) before giving up
    /// on minimality altogether.
    budget: i64,
}

impl<'a> Myers<'a> {
    fn new(a: &'a [u32], b: &'a [u32]) -> Self {
        let size = (a.len() + b.len()) as i64;
        Myers {
            a,
            b,
            forward: Vec::new(),
            backward: Vec::new(),
            budget: size * 256 + 10_000_000,
        }
    }

    fn run(&mut self, edits: &mut Vec<Edit>) {
        let mut stack = vec![Edit {
            a_lo: 0,
            a_hi: self.a.len(),
            b_lo: 0,
            b_hi: self.b.len(),
        }];
        while let Some(mut r) = stack.pop() {
            while r.a_lo < r.a_hi && r.b_lo < r.b_hi && self.a[r.a_lo] == self.b[r.b_lo] {
                r.a_lo += 1;
                r.b_lo += 1;
            }
            while r.a_lo < r.a_hi && r.b_lo < r.b_hi && self.a[r.a_hi - 1] == self.b[r.b_hi - 1] {
                r.a_hi -= 1;
                r.b_hi -= 1;
            }
            if r.a_lo == r.a_hi || r.b_lo == r.b_hi {
                if r.a_lo < r.a_hi || r.b_lo < r.b_hi {
                    edits.push(r);
                }
                continue;
            }
            match self.bisect(&r) {
                Some((x, y)) => {
                    // Right half first so that the left half is handled
                    // first and edits come out in order.
                    stack.push(Edit {
                        a_lo: x,
                        a_hi: r.a_hi,
                        b_lo: y,
                        b_hi: r.b_hi,
                    });
                    stack.push(Edit {
                        a_lo: r.a_lo,
                        a_hi: x,
                        b_lo: r.b_lo,
                        b_hi: y,
                    });
                }
                None => edits.push(r),
            }
        }
    }

    /// Finds a point on a shortest edit path of the region (absolute
    /// coordinates) splitting it in two smaller regions, or `None` to
    /// replace the region as a whole.
    fn bisect(&mut self, r: &Edit) -> Option<(usize, usize)> {
        if self.budget <= 0 {
            return None;
        }
        let (a_all, b_all) = (self.a, self.b);
        let a = &a_all[r.a_lo..r.a_hi];
        let b = &b_all[r.b_lo..r.b_hi];
        let (n, m) = (a.len() as isize, b.len() as isize);
        let max_d = (n + m + 1) / 2;
        let limit = max_d.min(256.max(isqrt(n + m)));
        let off = max_d;
        let vlen = (2 * max_d + 2) as usize;
        self.forward.clear();
        self.forward.resize(vlen, -1);
        self.backward.clear();
        self.backward.resize(vlen, -1);
        let (v1, v2) = (&mut self.forward, &mut self.backward);
        v1[(off + 1) as usize] = 0;
        v2[(off + 1) as usize] = 0;
        let delta = n - m;
        let front = delta % 2 != 0;
        let (mut k1start, mut k1end, mut k2start, mut k2end) = (0, 0, 0, 0);
        let mut best = (0isize, 0isize);
        let mut work: i64 = 0;
        let split = |x: isize, y: isize| {
            let (x, y) = (x as usize, y as usize);
            // Guard against a split that would not make progress.
            ((x, y) != (0, 0) && (x, y) != (a.len(), b.len())).then_some((r.a_lo + x, r.b_lo + y))
        };

        for d in 0..limit {
            let mut k1 = -d + k1start;
            while k1 <= d - k1end {
                let i = (off + k1) as usize;
                let mut x1 = if k1 == -d || (k1 != d && v1[i - 1] < v1[i + 1]) {
                    v1[i + 1]
                } else {
                    v1[i - 1] + 1
                };
                let mut y1 = x1 - k1;
                while x1 < n && y1 < m && a[x1 as usize] == b[y1 as usize] {
                    x1 += 1;
                    y1 += 1;
                    work += 1;
                }
                v1[i] = x1;
                if x1 > n {
                    k1end += 2;
                } else if y1 > m {
                    k1start += 2;
                } else {
                    if x1 + y1 > best.0 + best.1 {
                        best = (x1, y1);
                    }
                    if front {
                        let j = off + delta - k1;
                        if j >= 0 && (j as usize) < vlen && v2[j as usize] != -1 {
                            let x2 = n - v2[j as usize];
                            if x1 >= x2 {
                                self.budget -= work;
                                return split(x1, y1);
                            }
                        }
                    }
                }
                k1 += 2;
                work += 1;
            }
            let mut k2 = -d + k2start;
            while k2 <= d - k2end {
                let i = (off + k2) as usize;
                let mut x2 = if k2 == -d || (k2 != d && v2[i - 1] < v2[i + 1]) {
                    v2[i + 1]
                } else {
                    v2[i - 1] + 1
                };
                let mut y2 = x2 - k2;
                while x2 < n && y2 < m && a[(n - x2 - 1) as usize] == b[(m - y2 - 1) as usize] {
                    x2 += 1;
                    y2 += 1;
                    work += 1;
                }
                v2[i] = x2;
                if x2 > n {
                    k2end += 2;
                } else if y2 > m {
                    k2start += 2;
                } else if !front {
                    let j = off + delta - k2;
                    if j >= 0 && (j as usize) < vlen && v1[j as usize] != -1 {
                        let x1 = v1[j as usize];
                        let y1 = off + x1 - j;
                        if x1 >= n - x2 {
                            self.budget -= work;
                            return split(x1, y1);
                        }
                    }
                }
                k2 += 2;
                work += 1;
            }
            if work > self.budget {
                break;
            }
        }
        // Cost limit reached: split at the furthest point reached from the
        // start, which is on some (not necessarily shortest) path.
        self.budget -= work;
        split(best.0, best.1)
    }
}

fn isqrt(v: isize) -> isize {
    let mut r = (v as f64).sqrt() as isize;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::super::{apply, hunks};
    use super::*;

    /// xorshift64*: a small deterministic PRNG for property tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn check(old: &[u8], new: &[u8]) -> Vec<u8> {
        let d = diff(old, new);
        let mut out = Vec::new();
        apply(old, &d, &mut out).unwrap();
        assert_eq!(out, new, "diff of {old:?} -> {new:?}");
        let at_line_start = |pos: usize| pos == 0 || pos == old.len() || old[pos - 1] == b'\n';
        for h in hunks(&d) {
            let h = h.unwrap();
            assert!(at_line_start(h.start as usize) && at_line_start(h.end as usize));
        }
        d
    }

    #[test]
    fn simple_diffs() {
        assert!(check(b"", b"").is_empty());
        assert!(check(b"a\nb\n", b"a\nb\n").is_empty());
        let d = check(b"a\nb\nc\n", b"a\nx\nc\n");
        let hs: Vec<_> = hunks(&d).map(Result::unwrap).collect();
        assert_eq!(hs.len(), 1);
        assert_eq!((hs[0].start, hs[0].end, hs[0].data), (2, 4, &b"x\n"[..]));
        check(b"", b"a\nb");
        check(b"a\nb", b"");
        check(b"a\nb", b"a\nb\n");
        check(b"a\nb\n", b"a\nb");
        check(b"x\ny\nz", b"z\ny\nx");
        let d = check(b"1\n2\n3\n4\n5\n6\n", b"1\n3\n4\n5\n7\n6\n");
        assert_eq!(hunks(&d).count(), 2);
    }

    fn random_text(rng: &mut Rng, lines: usize, alphabet: usize) -> Vec<u8> {
        let mut t = Vec::new();
        for _ in 0..lines {
            let l = rng.below(alphabet);
            t.extend_from_slice(format!("line {l}").as_bytes());
            if rng.below(20) != 0 {
                t.push(b'\n');
            }
        }
        t
    }

    fn mutate(rng: &mut Rng, text: &[u8], alphabet: usize) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = text
            .split_inclusive(|&c| c == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        for _ in 0..rng.below(8) {
            let pos = rng.below(lines.len() + 1);
            match rng.below(3) {
                0 if pos < lines.len() => {
                    lines.remove(pos);
                }
                1 if pos < lines.len() => {
                    lines[pos] = format!("changed {}\n", rng.below(alphabet)).into_bytes();
                }
                _ => {
                    for _ in 0..rng.below(4) + 1 {
                        lines.insert(pos, format!("new {}\n", rng.below(alphabet)).into_bytes());
                    }
                }
            }
        }
        lines.concat()
    }

    #[test]
    fn random_round_trips() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..2000 {
            let alphabet = 1 + round % 13;
            let lines = rng.below(40);
            let old = random_text(&mut rng, lines, alphabet);
            let new = if rng.below(4) == 0 {
                let lines = rng.below(40);
                random_text(&mut rng, lines, alphabet)
            } else {
                mutate(&mut rng, &old, alphabet)
            };
            check(&old, &new);
        }
    }

    fn lcs(a: &[&[u8]], b: &[&[u8]]) -> usize {
        let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                dp[i][j] = if a[i] == b[j] {
                    dp[i + 1][j + 1] + 1
                } else {
                    dp[i + 1][j].max(dp[i][j + 1])
                };
            }
        }
        dp[0][0]
    }

    #[test]
    fn diffs_are_minimal() {
        let mut rng = Rng(7);
        for round in 0..500 {
            let alphabet = 1 + round % 7;
            let lines = rng.below(30);
            let old = random_text(&mut rng, lines, alphabet);
            let new = mutate(&mut rng, &old, alphabet);
            let d = check(&old, &new);
            let split = |t: &[u8]| -> Vec<Vec<u8>> {
                t.split_inclusive(|&c| c == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect()
            };
            let (la, lb) = (split(&old), split(&new));
            let edits: usize = hunks(&d)
                .map(|h| {
                    let h = h.unwrap();
                    split(&old[h.start as usize..h.end as usize]).len() + split(h.data).len()
                })
                .sum();
            let ra: Vec<&[u8]> = la.iter().map(Vec::as_slice).collect();
            let rb: Vec<&[u8]> = lb.iter().map(Vec::as_slice).collect();
            assert_eq!(edits, la.len() + lb.len() - 2 * lcs(&ra, &rb));
        }
    }

    #[test]
    fn small_edits_give_small_deltas() {
        let old: Vec<u8> = (0..5000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut new = old.clone();
        new.splice(70..70, b"inserted\n".iter().copied());
        let d = check(&old, &new);
        assert_eq!(d.len(), 12 + 9);
    }

    #[test]
    fn pathological_inputs_stay_correct() {
        // Two large texts with nothing in common but a few repeated lines:
        // the cost limit and work budget kick in; the delta is still right.
        let mut rng = Rng(42);
        let old = random_text(&mut rng, 20_000, 3);
        let new = random_text(&mut rng, 20_000, 3);
        check(&old, &new);
        let old: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("a{i}\n").into_bytes())
            .collect();
        let new: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("b{i}\n").into_bytes())
            .collect();
        check(&old, &new);
    }
}
