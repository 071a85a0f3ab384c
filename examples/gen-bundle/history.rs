//! The history generator: branches (heads) that take commits, fork and
//! merge, each step producing a changeset, its manifest and new file
//! revisions with their hg node ids, spooled for the bundle.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::rc::Rc;

use cinnabar::hg::changeset::Changeset;
use cinnabar::hg::mdiff::{diff, replace_all};
use cinnabar::hg::HgNode;

use super::model::{file_text, FileRev, Flag, Manifest, Paths, Rng, NONE};
use super::spool::{Rev, Spool};

/// What a manifest delta is computed against.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ManifestBase {
    /// Its first parent (generaldelta, what `hg bundle` sends today).
    P1,
    /// The previous manifest of the group (changegroup 01's rule).
    Prev,
}

/// The shape of a history.
pub struct Shape {
    pub changesets: usize,
    /// Files aimed at, at the tip.
    pub files: usize,
    /// Paths available (adds and copies pick unused ones).
    pub universe: usize,
    pub dirs: usize,
    pub symlink_every: usize,
    /// Files added by the first changeset.
    pub initial: usize,
    /// Files touched by a non-merge changeset.
    pub touches: (usize, usize),
    pub p_remove: f64,
    pub p_copy: f64,
    /// Share of copies that also remove their source.
    pub p_rename: f64,
    /// Chance of a merge at each step (with two heads or more).
    pub p_merge: f64,
    pub p_fork: f64,
    pub max_heads: usize,
    /// Chance a step works on the first head (the trunk).
    pub trunk_bias: f64,
    /// Chance a file changed on both sides of a merge gets a merge revision.
    pub p_conflict: f64,
    /// Chance the merged head ends (more when over `max_heads` / 2).
    pub retire: f64,
    pub manifest_base: ManifestBase,
}

/// A branch tip.
struct Head {
    cs: u32,
    manifest: Rc<Manifest>,
}

/// Counts of what was generated.
#[derive(Default, Debug)]
pub struct Stats {
    pub changesets: usize,
    pub merges: usize,
    pub file_revisions: usize,
    pub copies: usize,
    pub tips: usize,
    pub files_at_tip: usize,
    pub symlinks_at_tip: usize,
    pub manifest_delta_bytes: u64,
}

/// The generator's state.
pub struct History<'a> {
    shape: &'a Shape,
    rng: Rng,
    paths: &'a Paths,
    pub revs: Vec<FileRev>,
    /// (path, spool offset) of each file revision, in creation order.
    pub file_index: Vec<(u32, u64)>,
    /// When each path was last removed (as a count of file revisions).
    removed_at: Vec<u32>,
    cs_nodes: Vec<HgNode>,
    heads: Vec<Head>,
    prev_cs_text: Vec<u8>,
    prev_manifest: Rc<Manifest>,
    pub changesets: Spool,
    pub manifests: Spool,
    pub files: Spool,
    pub stats: Stats,
    text: Vec<u8>,
    base_text: Vec<u8>,
    /// File revisions of the changeset being made, spooled once its node is known.
    pending: Vec<(u32, HgNode, Vec<u8>)>,
}

impl<'a> History<'a> {
    pub fn new(shape: &'a Shape, paths: &'a Paths, seed: u64) -> io::Result<History<'a>> {
        Ok(History {
            shape,
            rng: Rng::new(seed),
            paths,
            revs: Vec::new(),
            file_index: Vec::new(),
            removed_at: vec![0; paths.names.len()],
            cs_nodes: Vec::new(),
            heads: Vec::new(),
            prev_cs_text: Vec::new(),
            prev_manifest: Manifest::empty(),
            changesets: Spool::new()?,
            manifests: Spool::new()?,
            files: Spool::new()?,
            stats: Stats::default(),
            text: Vec::new(),
            base_text: Vec::new(),
            pending: Vec::new(),
        })
    }

    /// Generates the whole history.
    pub fn run(&mut self) -> io::Result<()> {
        let empty = Manifest::empty();
        let mut changes = BTreeMap::new();
        let mut order: Vec<u32> = (0..self.paths.names.len() as u32).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, self.rng.below(i + 1));
        }
        for &path in order.iter().take(self.shape.initial.max(1)) {
            let rev = self.new_rev(path, NONE, NONE, path, NONE);
            changes.insert(path, rev);
        }
        let (cs, manifest) = self.commit(NONE, &empty, NONE, &empty, &changes)?;
        self.heads.push(Head { cs, manifest });
        while self.cs_nodes.len() < self.shape.changesets {
            self.step()?;
        }
        let tip = &self.heads[0].manifest;
        self.stats.tips = self.heads.len();
        self.stats.files_at_tip = tip.entries.len();
        self.stats.symlinks_at_tip = tip
            .entries
            .iter()
            .filter(|e| self.paths.flags[e.0 as usize] == Flag::Symlink)
            .count();
        Ok(())
    }

    fn pick_head(&mut self) -> usize {
        if self.heads.len() == 1 || self.rng.chance(self.shape.trunk_bias) {
            0
        } else {
            self.rng.below(self.heads.len())
        }
    }

    fn step(&mut self) -> io::Result<()> {
        let n = self.heads.len();
        if n > 1 && self.rng.chance(self.shape.p_merge) {
            let b = 1 + self.rng.below(n - 1);
            let mut a = self.pick_head();
            if a == b {
                a = 0;
            }
            return self.merge(a, b);
        }
        let mut h = self.pick_head();
        if n < self.shape.max_heads && self.rng.chance(self.shape.p_fork) {
            let head = &self.heads[h];
            let fork = Head {
                cs: head.cs,
                manifest: head.manifest.clone(),
            };
            self.heads.push(fork);
            h = n;
        }
        self.change(h)
    }

    /// A non-merge changeset on head `h`.
    fn change(&mut self, h: usize) -> io::Result<()> {
        let m = self.heads[h].manifest.clone();
        let shape = self.shape;
        let left = (shape.changesets - self.cs_nodes.len()).max(1) as f64;
        let avg = (shape.touches.0 + shape.touches.1) as f64 / 2.0;
        let deficit = shape.files as f64 - m.entries.len() as f64;
        let p_add = (deficit / (left * avg) + 0.02).clamp(0.02, 0.9);
        // Over the aim, removals catch up.
        let p_remove = if deficit < 0.0 {
            shape.p_remove * 4.0
        } else {
            shape.p_remove
        };
        let mut changes: BTreeMap<u32, u32> = BTreeMap::new();
        let k = self.rng.range(shape.touches.0, shape.touches.1);
        let mut tries = 0;
        while changes.len() < k && tries < 4 * k + 8 {
            tries += 1;
            let entry = m.entries[self.rng.below(m.entries.len())];
            if changes.contains_key(&entry.0) {
                continue;
            }
            if self.rng.chance(p_add) {
                if let Some(path) = self.free_path(&m, &changes, false) {
                    let rev = self.new_rev(path, NONE, NONE, path, NONE);
                    changes.insert(path, rev);
                }
            } else if m.entries.len() > 10 && self.rng.chance(p_remove) {
                changes.insert(entry.0, NONE);
                self.removed_at[entry.0 as usize] = self.revs.len() as u32;
            } else if self.rng.chance(shape.p_copy)
                && self.paths.flags[entry.0 as usize] != Flag::Symlink
            {
                if let Some(dest) = self.free_path(&m, &changes, true) {
                    let rev = self.new_rev(dest, NONE, NONE, NONE, entry.1);
                    changes.insert(dest, rev);
                    self.stats.copies += 1;
                    if self.rng.chance(shape.p_rename) {
                        changes.insert(entry.0, NONE);
                        self.removed_at[entry.0 as usize] = self.revs.len() as u32;
                    }
                }
            } else {
                let rev = self.new_rev(entry.0, entry.1, NONE, NONE, NONE);
                changes.insert(entry.0, rev);
            }
        }
        if changes.is_empty() {
            let entry = m.entries[self.rng.below(m.entries.len())];
            let rev = self.new_rev(entry.0, entry.1, NONE, NONE, NONE);
            changes.insert(entry.0, rev);
        }
        let head = &self.heads[h];
        let (cs, manifest) = self.commit(head.cs, &m, NONE, &Manifest::empty(), &changes)?;
        self.heads[h] = Head { cs, manifest };
        Ok(())
    }

    /// A path absent from `m` and `changes` (not a symlink when `regular`).
    fn free_path(
        &mut self,
        m: &Manifest,
        changes: &BTreeMap<u32, u32>,
        regular: bool,
    ) -> Option<u32> {
        for _ in 0..8 {
            let path = self.rng.below(self.paths.names.len()) as u32;
            if m.get(path).is_none()
                && !changes.contains_key(&path)
                && !(regular && self.paths.flags[path as usize] == Flag::Symlink)
            {
                return Some(path);
            }
        }
        None
    }

    /// Merges head `b` into head `a`. Where the sides differ, the latest
    /// event wins (a file's newer revision, or its removal when that came
    /// after both), as when branches keep merging each other; a file whose
    /// two revisions do not descend from one another gets a merge revision
    /// now and then (`p_conflict`).
    fn merge(&mut self, a: usize, b: usize) -> io::Result<()> {
        let (ma, mb) = (
            self.heads[a].manifest.clone(),
            self.heads[b].manifest.clone(),
        );
        let mut changes = BTreeMap::new();
        let (mut i, mut j) = (0, 0);
        loop {
            let ea = ma.entries.get(i).copied();
            let eb = mb.entries.get(j).copied();
            match (ea, eb) {
                (None, None) => break,
                (Some((pa, ra)), Some((pb, _))) if pa < pb => {
                    self.merge_one_sided(pa, ra, true, &mut changes);
                    i += 1;
                }
                (Some((pa, ra)), None) => {
                    self.merge_one_sided(pa, ra, true, &mut changes);
                    i += 1;
                }
                (Some((pa, ra)), Some((pb, rb))) if pa == pb => {
                    if ra != rb && !self.is_ancestor(rb, ra) {
                        if self.is_ancestor(ra, rb) {
                            changes.insert(pa, rb);
                        } else if self.rng.chance(self.shape.p_conflict) {
                            let rev = self.new_rev(pa, ra, rb, NONE, NONE);
                            changes.insert(pa, rev);
                        } else if rb > ra {
                            changes.insert(pa, rb);
                        }
                    }
                    i += 1;
                    j += 1;
                }
                (_, Some((pb, rb))) => {
                    self.merge_one_sided(pb, rb, false, &mut changes);
                    j += 1;
                }
            }
        }
        let (ca, cb) = (self.heads[a].cs, self.heads[b].cs);
        let (cs, manifest) = self.commit(ca, &ma, cb, &mb, &changes)?;
        self.heads[a] = Head { cs, manifest };
        self.stats.merges += 1;
        let retire = if self.heads.len() * 2 > self.shape.max_heads {
            self.shape.retire.max(0.7)
        } else {
            self.shape.retire
        };
        if self.rng.chance(retire) {
            self.heads.swap_remove(b);
        }
        Ok(())
    }

    /// A path present on one side of a merge only: kept unless removed
    /// after its revision was made.
    fn merge_one_sided(
        &mut self,
        path: u32,
        rev: u32,
        in_p1: bool,
        changes: &mut BTreeMap<u32, u32>,
    ) {
        let removed_later = self.removed_at[path as usize] > rev;
        match (in_p1, removed_later) {
            (true, true) => {
                changes.insert(path, NONE);
            }
            (false, false) => {
                changes.insert(path, rev);
            }
            _ => {}
        }
    }

    /// Whether file revision `x` is an ancestor of (or is) `y`.
    fn is_ancestor(&self, x: u32, y: u32) -> bool {
        let mut stack = vec![y];
        let mut seen = HashSet::new();
        while let Some(r) = stack.pop() {
            if r == x {
                return true;
            }
            if r == NONE || r < x || !seen.insert(r) {
                continue;
            }
            let rev = &self.revs[r as usize];
            stack.extend([rev.p1, rev.p2]);
        }
        false
    }

    /// Makes a file revision of `path` (its delta is spooled with the
    /// changeset). A new file (no parent, no copy) has `lineage` = path.
    fn new_rev(&mut self, path: u32, p1: u32, p2: u32, lineage: u32, copy_src: u32) -> u32 {
        let idx = self.revs.len() as u32;
        // Every text names its own index: no two revisions share a node.
        let lineage = if copy_src != NONE {
            self.revs[copy_src as usize].lineage
        } else if p1 != NONE {
            self.revs[p1 as usize].lineage
        } else {
            lineage
        };
        let marker = idx;
        let node_of = |r: u32, revs: &[FileRev]| {
            if r == NONE {
                HgNode::NULL
            } else {
                revs[r as usize].node
            }
        };
        self.revs.push(FileRev {
            node: HgNode::NULL,
            path,
            p1,
            p2,
            lineage,
            marker,
            copy_src,
        });
        file_text(self.paths, &self.revs, idx, &mut self.text);
        let (n1, n2) = (node_of(p1, &self.revs), node_of(p2, &self.revs));
        let node = HgNode::hash(&n1, &n2, &self.text);
        self.revs[idx as usize].node = node;
        let delta = if p1 == NONE {
            replace_all(0, &self.text)
        } else {
            file_text(self.paths, &self.revs, p1, &mut self.base_text);
            diff(&self.base_text, &self.text)
        };
        self.pending.push((idx, n1, delta));
        self.stats.file_revisions += 1;
        idx
    }

    /// Writes a changeset with parents `p1` and `p2` (`NONE` or indexes)
    /// whose manifest is `m1` with `changes`.
    fn commit(
        &mut self,
        p1: u32,
        m1: &Rc<Manifest>,
        p2: u32,
        m2: &Rc<Manifest>,
        changes: &BTreeMap<u32, u32>,
    ) -> io::Result<(u32, Rc<Manifest>)> {
        let list: Vec<(u32, u32)> = changes.iter().map(|(&p, &r)| (p, r)).collect();
        let (manifest, delta) = m1.apply(&list, m2.node, self.paths, &self.revs);
        let i = self.cs_nodes.len();
        let user = format!("Dev {0} <dev{0}@example.org>", self.rng.below(12));
        let kind = if p2 == NONE { "Change" } else { "Merge" };
        let cs = Changeset {
            manifest: manifest.node,
            user: user.into_bytes(),
            time: (1_400_000_000 + i as u64 * 97).to_string().into_bytes(),
            tz: ["0", "-3600", "18000", "-19800"][i % 4].as_bytes().to_vec(),
            extra: None,
            files: list
                .iter()
                .map(|&(p, _)| self.paths.names[p as usize].clone())
                .collect(),
            description: format!("{kind} {i}: {} files\n\nGenerated.", list.len()).into_bytes(),
        };
        let mut text = Vec::new();
        cs.serialize(&mut text);
        let node_of = |c: u32, nodes: &[HgNode]| {
            if c == NONE {
                HgNode::NULL
            } else {
                nodes[c as usize]
            }
        };
        let (c1, c2) = (node_of(p1, &self.cs_nodes), node_of(p2, &self.cs_nodes));
        let node = HgNode::hash(&c1, &c2, &text);
        let (base, cs_delta) = match self.cs_nodes.last() {
            Some(&prev) => (prev, diff(&self.prev_cs_text, &text)),
            None => (HgNode::NULL, replace_all(0, &text)),
        };
        self.changesets.push(&Rev {
            node,
            p1: c1,
            p2: c2,
            base,
            link: node,
            delta: &cs_delta,
        })?;
        let prev = &self.prev_manifest;
        let (mbase, mdelta) = match self.shape.manifest_base {
            ManifestBase::Prev if prev.node != m1.node => {
                (prev.node, diff(&prev.text, &manifest.text))
            }
            _ => (m1.node, delta),
        };
        self.stats.manifest_delta_bytes += mdelta.len() as u64;
        self.manifests.push(&Rev {
            node: manifest.node,
            p1: m1.node,
            p2: m2.node,
            base: mbase,
            link: node,
            delta: &mdelta,
        })?;
        for (idx, n1, delta) in std::mem::take(&mut self.pending) {
            let rev = &self.revs[idx as usize];
            let p2 = if rev.p2 == NONE {
                HgNode::NULL
            } else {
                self.revs[rev.p2 as usize].node
            };
            let offset = self.files.push(&Rev {
                node: rev.node,
                p1: n1,
                p2,
                base: n1,
                link: node,
                delta: &delta,
            })?;
            self.file_index.push((rev.path, offset));
        }
        self.cs_nodes.push(node);
        self.prev_cs_text = text;
        let manifest = Rc::new(manifest);
        self.prev_manifest = manifest.clone();
        self.stats.changesets += 1;
        Ok(((self.cs_nodes.len() - 1) as u32, manifest))
    }
}
