//! The generated repository's data: paths, file revisions and their texts,
//! and manifests kept as sorted entries plus their text, so that a change
//! list yields the new text and its delta against the old one directly.

use std::rc::Rc;

use cinnabar::hg::mdiff::write_hunk;
use cinnabar::hg::HgNode;

/// "No revision" in a `u32` revision index.
pub const NONE: u32 = u32::MAX;

/// A deterministic pseudo-random generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5eed_cafe_f00d_d00d)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The splitmix64 finalizer: a hash of one number.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Manifest flag of a path, fixed for its life.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Regular,
    Exec,
    Symlink,
}

/// Every path the history may use, sorted: a path's id is its rank, so
/// manifests sorted by id are sorted by name.
pub struct Paths {
    pub names: Vec<Vec<u8>>,
    pub flags: Vec<Flag>,
}

impl Paths {
    /// `count` file paths spread over `dirs` directories (nested up to 4
    /// deep); about one in `symlink_every` is a symlink.
    pub fn generate(rng: &mut Rng, count: usize, dirs: usize, symlink_every: usize) -> Paths {
        let mut dir_names: Vec<String> = Vec::with_capacity(dirs.max(1));
        let mut depth = Vec::with_capacity(dirs.max(1));
        for i in 0..dirs.max(1) {
            let parent = if i < 4 { None } else { Some(rng.below(i)) };
            match parent.filter(|&p| depth[p] < 4) {
                Some(p) => {
                    dir_names.push(format!("{}/d{i:x}", dir_names[p]));
                    depth.push(depth[p] + 1);
                }
                None => {
                    dir_names.push(format!("d{i:x}"));
                    depth.push(1);
                }
            }
        }
        let exts = ["c", "h", "rs", "py", "txt", "md"];
        let mut named: Vec<(Vec<u8>, Flag)> = (0..count)
            .map(|i| {
                let dir = &dir_names[rng.below(dir_names.len())];
                let h = mix(i as u64 ^ 0xf11e);
                let flag = if symlink_every > 0 && h % symlink_every as u64 == 0 {
                    Flag::Symlink
                } else if h % 23 == 1 {
                    Flag::Exec
                } else {
                    Flag::Regular
                };
                let ext = exts[(h >> 8) as usize % exts.len()];
                (format!("{dir}/f{i:x}.{ext}").into_bytes(), flag)
            })
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, flags) = named.into_iter().unzip();
        Paths { names, flags }
    }
}

/// A file revision. Its text is `[copy metadata] + body`, the body made of
/// lines derived from `lineage` (the path whose lines it carries) with one
/// line naming `marker` (the revision's own index), so that a revision
/// differs from its parent by a line or two and no two texts are equal.
pub struct FileRev {
    pub node: HgNode,
    pub path: u32,
    pub p1: u32,
    pub p2: u32,
    pub lineage: u32,
    pub marker: u32,
    pub copy_src: u32,
}

/// Writes a file revision's text into `out`.
pub fn file_text(paths: &Paths, revs: &[FileRev], rev: u32, out: &mut Vec<u8>) {
    out.clear();
    let r = &revs[rev as usize];
    if r.copy_src != NONE {
        let src = &revs[r.copy_src as usize];
        out.extend_from_slice(b"\x01\ncopy: ");
        out.extend_from_slice(&paths.names[src.path as usize]);
        out.extend_from_slice(b"\ncopyrev: ");
        src.node.write_hex(out);
        out.extend_from_slice(b"\n\x01\n");
    }
    if paths.flags[r.path as usize] == Flag::Symlink {
        out.extend_from_slice(format!("../target-{:x}/v{}", r.lineage, r.marker).as_bytes());
        return;
    }
    let h = mix(r.lineage as u64);
    let lines = 6 + (h % 40) as u32;
    let words = [
        "alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta",
    ];
    for j in 0..lines {
        if j == r.marker % lines {
            out.extend_from_slice(format!("revision {}\n", r.marker).as_bytes());
            continue;
        }
        let w = mix(h ^ j as u64);
        out.extend_from_slice(
            format!(
                "{:x}:{j} {} {} {} {}\n",
                r.lineage,
                words[w as usize % 8],
                words[(w >> 8) as usize % 8],
                w >> 40,
                words[(w >> 16) as usize % 8]
            )
            .as_bytes(),
        );
    }
}

/// A manifest: entries (path id, file revision) sorted by path, its text,
/// and where each entry's line starts.
pub struct Manifest {
    pub node: HgNode,
    pub entries: Vec<(u32, u32)>,
    pub text: Vec<u8>,
    pub offsets: Vec<u32>,
}

impl Manifest {
    pub fn empty() -> Rc<Manifest> {
        Rc::new(Manifest {
            node: HgNode::NULL,
            entries: Vec::new(),
            text: Vec::new(),
            offsets: Vec::new(),
        })
    }

    /// The revision of `path`, if present.
    pub fn get(&self, path: u32) -> Option<u32> {
        self.entries
            .binary_search_by_key(&path, |e| e.0)
            .ok()
            .map(|i| self.entries[i].1)
    }

    fn offset(&self, i: usize) -> u32 {
        self.offsets
            .get(i)
            .copied()
            .unwrap_or(self.text.len() as u32)
    }

    /// The manifest with `changes` (sorted by path; `NONE` removes)
    /// applied, with parents `p1` (this one) and `p2`, and the delta from
    /// this manifest's text to the new one.
    pub fn apply(
        &self,
        changes: &[(u32, u32)],
        p2: HgNode,
        paths: &Paths,
        revs: &[FileRev],
    ) -> (Manifest, Vec<u8>) {
        let mut out = Manifest {
            node: HgNode::NULL,
            entries: Vec::with_capacity(self.entries.len() + changes.len()),
            text: Vec::with_capacity(self.text.len() + changes.len() * 80),
            offsets: Vec::with_capacity(self.entries.len() + changes.len()),
        };
        let mut delta = Vec::new();
        let mut pending: Option<(u32, u32, Vec<u8>)> = None;
        let mut i = 0;
        for &(path, rev) in changes {
            let j = i + self.entries[i..].partition_point(|e| e.0 < path);
            out.copy_from(self, i, j);
            let exists = self.entries.get(j).is_some_and(|e| e.0 == path);
            if !exists && rev == NONE {
                i = j;
                continue;
            }
            let start = self.offset(j);
            let end = if exists { self.offset(j + 1) } else { start };
            let line_start = out.text.len();
            if rev != NONE {
                out.offsets.push(line_start as u32);
                out.entries.push((path, rev));
                line(paths, revs, path, rev, &mut out.text);
            }
            let data = &out.text[line_start..];
            match &mut pending {
                Some((_, e, d)) if *e == start => {
                    *e = end;
                    d.extend_from_slice(data);
                }
                _ => {
                    if let Some((s, e, d)) = pending.take() {
                        write_hunk(&mut delta, s, e, &d);
                    }
                    pending = Some((start, end, data.to_vec()));
                }
            }
            i = if exists { j + 1 } else { j };
        }
        out.copy_from(self, i, self.entries.len());
        if let Some((s, e, d)) = pending {
            write_hunk(&mut delta, s, e, &d);
        }
        out.node = HgNode::hash(&self.node, &p2, &out.text);
        (out, delta)
    }

    /// Appends entries `i..j` of `from` (and their lines).
    fn copy_from(&mut self, from: &Manifest, i: usize, j: usize) {
        if i >= j {
            return;
        }
        let (start, end) = (from.offset(i), from.offset(j));
        let shift = self.text.len() as i64 - start as i64;
        self.offsets.extend(
            from.offsets[i..j]
                .iter()
                .map(|&o| (o as i64 + shift) as u32),
        );
        self.entries.extend_from_slice(&from.entries[i..j]);
        self.text
            .extend_from_slice(&from.text[start as usize..end as usize]);
    }
}

/// Writes the manifest line of `path` at revision `rev`.
fn line(paths: &Paths, revs: &[FileRev], path: u32, rev: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&paths.names[path as usize]);
    out.push(0);
    revs[rev as usize].node.write_hex(out);
    match paths.flags[path as usize] {
        Flag::Regular => {}
        Flag::Exec => out.push(b'x'),
        Flag::Symlink => out.push(b'l'),
    }
    out.push(b'\n');
}
