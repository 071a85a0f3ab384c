//! Imports that resume: a large changegroup imported in chunks, the
//! metadata committed after each (a checkpoint), so that an import killed
//! half-way keeps what its checkpoints committed and the next run picks up
//! from there.
//!
//! A changegroup sends all changesets, then all manifests, then all files
//! (sorted by path): a prefix of its changesets is complete only once the
//! manifests and files they link to are imported, and in one pass that is
//! only at the very end. So a bundle file holding more changesets than the
//! checkpoint interval is read in several passes: the first reads its
//! changeset section (the plan); pass `k` takes the changesets at
//! positions `start..end` of that section, and the manifests and files
//! whose linked changeset is in that range (changesets come in topological
//! order, and a revision links to the first changeset that introduced it,
//! so every revision a changeset of the range needs is linked in the range
//! or before it). Earlier revisions are imported already; later ones are
//! skipped without being read further. Each pass ends with a checkpoint
//! ([`Importer::checkpoint`]): a complete metadata commit of a prefix of
//! the changegroup, that `git cinnabar fsck` checks and `git cinnabar
//! rollback` steps back from like any other.
//!
//! A run starts at the first changeset of the plan that is not imported:
//! passes already committed are not read again. A revision stored as a
//! delta against a revision of a later chunk (which Mercurial does not
//! make for revlogs in linkrev order) makes the import fall back to one
//! pass, from the last checkpoint.
//!
//! Peers need no plan: a run asks the server for what the metadata lacks,
//! so a clone killed after a checkpoint of a bundle source goes on from a
//! server, and the other way round.
//!
//! The interval is `cinnabar.checkpoint` (changesets, 0 for none),
//! [`DEFAULT_EVERY`] by default: the passes read the compressed bundle
//! again, so the default keeps bundles of a few thousand changesets in
//! one pass. Each pass reads the whole bundle and each checkpoint writes
//! notes trees of the whole history, so with a fixed interval their work
//! would grow with the square of the bundle's size: by default a bundle is
//! taken in at most [`DEFAULT_PASSES`] passes (a 1,000,000-changeset
//! bundle in passes of 100,000), which keeps the time per changeset of a
//! clone flat however long the history. A `cinnabar.checkpoint` set
//! explicitly is taken as it is. `cinnabar.checkpoint-seconds` (0 or unset for none) asks for
//! a checkpoint about every that many seconds as well: the first pass
//! takes [`FIRST_TIMED_PASS`] changesets (or fewer, under the changeset
//! interval), and each next pass is sized from the time the previous one
//! took (at most four times larger or smaller), the changeset interval
//! still being the largest size.
//!
//! The source is anything that can be read again from its start: a bundle
//! file, or a server's response spooled to a temporary file (see
//! [`super::resume`]).
//!
//! For tests only: `GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS=N` aborts the
//! process (as abruptly as `kill -9`) when a chunked import has imported
//! `N` changesets in this run.

use std::io::{BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use super::changegroup::Window;
use super::changesets::Imported;
use super::error::{ImportError, Result, ResultExt};
use super::importer::Importer;
use crate::hg::bundle::BundleReader;
use crate::hg::changeset::Changeset;
use crate::hg::HgNode;
use crate::metadata::changeset::rebuild_changeset;
use crate::store::IdIndex;

/// The default checkpoint interval, in changesets.
pub const DEFAULT_EVERY: u64 = 10_000;

/// The most passes a bundle is read in by default (without
/// `cinnabar.checkpoint`): the interval is [`DEFAULT_EVERY`] or this
/// fraction of the bundle, whichever is larger.
pub const DEFAULT_PASSES: u64 = 10;

/// The size of the first pass when checkpoints are timed.
pub const FIRST_TIMED_PASS: u64 = 1_000;

/// The smallest pass timed checkpoints make: every pass reads the source
/// again and writes a checkpoint, so that passes shrunk without a floor
/// on a loaded machine (a quarter each time) would cost more than the
/// import.
pub const MIN_TIMED_PASS: u64 = 100;

/// When an import commits checkpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checkpoints {
    /// At most this many changesets between checkpoints (0: no limit).
    pub every: u64,
    /// About this long between checkpoints (`None`: no limit).
    pub seconds: Option<Duration>,
    /// Print each checkpoint (the `checkpoint` log target).
    pub log: bool,
    /// `every` is the default: it grows to a [`DEFAULT_PASSES`]th of a
    /// bundle larger than `DEFAULT_PASSES` times it.
    pub scaled: bool,
}

impl Checkpoints {
    /// From the `cinnabar.checkpoint` and `cinnabar.checkpoint-seconds`
    /// settings.
    pub fn from_settings(every: Option<&str>, seconds: Option<&str>, log: bool) -> Checkpoints {
        let seconds = seconds
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64);
        Checkpoints {
            every: interval(every),
            seconds,
            log,
            scaled: every.and_then(|v| v.trim().parse::<u64>().ok()).is_none(),
        }
    }

    /// The checkpoints of an import of `total` changesets: a default
    /// interval grown so that there are at most [`DEFAULT_PASSES`] passes.
    fn for_total(&self, total: u64) -> Checkpoints {
        let mut c = *self;
        if c.scaled && c.every > 0 {
            c.every = c.every.max(total.div_ceil(DEFAULT_PASSES));
        }
        c.scaled = false;
        c
    }

    /// Whether there are checkpoints at all.
    pub fn enabled(&self) -> bool {
        self.every > 0 || self.seconds.is_some()
    }

    /// The size of the first pass over `total` changesets, or `None` for
    /// one pass.
    fn first_pass(&self, total: u64) -> Option<u64> {
        let size = match (self.every, self.seconds) {
            (0, None) => return None,
            (every, None) => every,
            (0, Some(_)) => FIRST_TIMED_PASS,
            (every, Some(_)) => every.min(FIRST_TIMED_PASS),
        };
        Some(size).filter(|s| *s < total)
    }

    /// The size of the pass after one of `size` changesets that took
    /// `took`.
    fn next_pass(&self, size: u64, took: Duration) -> u64 {
        let mut next = match self.seconds {
            Some(target) => {
                let ratio = target.as_secs_f64() / took.as_secs_f64().max(0.001);
                let scaled = (size as f64 * ratio.clamp(0.25, 4.0)) as u64;
                scaled.max(MIN_TIMED_PASS)
            }
            None => size,
        };
        if self.every > 0 {
            next = next.min(self.every);
        }
        next
    }
}

/// Reopens an import's source from its start.
pub type Opener<'a> = &'a dyn Fn() -> Result<Box<dyn Read>>;
/// The changesets of a bundle's first changegroup, in order: 20 bytes a
/// changeset for its node, 8 for its parents (positions), 4.6–9.2 for
/// the index.
struct Plan {
    nodes: Vec<[u8; 20]>,
    /// Each changeset's parents: a position in `nodes` (parents come
    /// first), [`Plan::NULL`], or `OUTSIDE | i` for `outside[i]`.
    parents: Vec<[u32; 2]>,
    /// Parents that are not in the group.
    outside: Vec<HgNode>,
    /// Positions in `nodes`, by node.
    index: IdIndex,
}

impl Plan {
    const NULL: u32 = u32::MAX;
    const OUTSIDE: u32 = 1 << 31;

    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn node(&self, position: usize) -> HgNode {
        HgNode(self.nodes[position])
    }

    fn parents(&self, position: usize) -> [HgNode; 2] {
        self.parents[position].map(|p| match p {
            Self::NULL => HgNode::NULL,
            p if p & Self::OUTSIDE != 0 => self.outside[(p & !Self::OUTSIDE) as usize],
            p => HgNode(self.nodes[p as usize]),
        })
    }

    fn position(&self, node: &HgNode) -> Option<u32> {
        self.index.find(&node.0, &self.nodes)
    }

    fn push(&mut self, node: HgNode, parents: [HgNode; 2]) -> Result<()> {
        let too_many = || ImportError::Unchunkable(node);
        let pos = u32::try_from(self.nodes.len())
            .ok()
            .filter(|p| *p < Self::OUTSIDE)
            .ok_or_else(too_many)?;
        let mut ps = [Self::NULL; 2];
        for (slot, p) in ps.iter_mut().zip(parents) {
            if p.is_null() {
                continue;
            }
            *slot = match self.position(&p) {
                Some(i) => i,
                None => {
                    let i = u32::try_from(self.outside.len())
                        .ok()
                        .filter(|i| *i < Self::OUTSIDE)
                        .ok_or_else(too_many)?;
                    self.outside.push(p);
                    Self::OUTSIDE | i
                }
            };
        }
        self.nodes.push(node.0);
        self.parents.push(ps);
        // A node twice in a group: the first position stays.
        if self.position(&node).is_none() {
            self.index.insert(pos, &self.nodes);
        }
        Ok(())
    }
}

/// What the passes saw of each changeset of the plan, by position: its
/// branch (an index in `branches`, the distinct names) and whether it
/// closes it; 4 bytes a changeset.
struct Seen {
    branches: Vec<Vec<u8>>,
    by_position: Vec<u32>,
}

impl Seen {
    const NONE: u32 = u32::MAX;
    const CLOSES: u32 = 1 << 31;

    fn new(changesets: usize) -> Self {
        Seen {
            branches: Vec::new(),
            by_position: vec![Self::NONE; changesets],
        }
    }

    fn record(&mut self, position: u32, c: &Imported) {
        let branch = match self.branches.iter().position(|b| *b == c.branch) {
            Some(i) => i,
            None => {
                self.branches.push(c.branch.clone());
                self.branches.len() - 1
            }
        };
        let Some(slot) = self.by_position.get_mut(position as usize) else {
            return;
        };
        // Fewer than 2^31 distinct branches in a bundle whose changesets
        // fit in memory.
        let closes = if c.closes { Self::CLOSES } else { 0 };
        *slot = (branch as u32 & !Self::CLOSES) | closes;
    }

    /// The changeset at `position`, if a pass saw it.
    fn take(&self, position: usize, node: HgNode, parents: &[HgNode; 2]) -> Option<Imported> {
        let v = *self.by_position.get(position)?;
        if v == Self::NONE {
            return None;
        }
        Some(Imported {
            node,
            parents: parents.iter().filter(|p| !p.is_null()).copied().collect(),
            branch: self.branches.get((v & !Self::CLOSES) as usize)?.clone(),
            closes: v & Self::CLOSES != 0,
        })
    }
}

/// Reads the changeset section of the first changegroup of a bundle.
fn read_plan(open: Opener<'_>) -> Result<Plan> {
    let mut bundle = BundleReader::open(open()?)?;
    let mut plan = Plan {
        nodes: Vec::new(),
        parents: Vec::new(),
        outside: Vec::new(),
        index: IdIndex::new(),
    };
    if let Some(mut cg) = bundle.next_changegroup()? {
        while let Some(c) = cg.next_revision()? {
            plan.push(c.node, [c.p1, c.p2])?;
        }
    }
    plan.nodes.shrink_to_fit();
    plan.parents.shrink_to_fit();
    Ok(plan)
}

/// The checkpoint interval from the `cinnabar.checkpoint` setting.
pub fn interval(setting: Option<&str>) -> u64 {
    setting
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_EVERY)
}

/// Imports the bundle file at `path` (shown as `shown`) with
/// [`import_source`].
pub fn import_file(
    importer: &mut Importer,
    path: &Path,
    shown: &str,
    checkpoints: &Checkpoints,
    on_changeset: &mut dyn FnMut(&Imported),
) -> Result<()> {
    let open = || -> Result<Box<dyn Read>> {
        let file = std::fs::File::open(path).context_with(|| format!("cannot open {shown}"))?;
        Ok(Box::new(BufReader::new(file)))
    };
    import_source(importer, &open, shown, checkpoints, on_changeset)
}

/// Imports the bundle `open` reads (shown as `shown`), in passes with a
/// checkpoint after each as `checkpoints` says when it holds more
/// changesets than a pass takes, else in one pass. `on_changeset` sees
/// every changeset of the bundle, in order.
pub fn import_source(
    importer: &mut Importer,
    open: Opener<'_>,
    shown: &str,
    checkpoints: &Checkpoints,
    on_changeset: &mut dyn FnMut(&Imported),
) -> Result<()> {
    let log = checkpoints.log;
    let plan = if checkpoints.enabled() {
        Some(read_plan(open)?)
    } else {
        None
    };
    let checkpoints = &checkpoints.for_total(plan.as_ref().map_or(0, |p| p.len() as u64));
    let Some((plan, mut size)) =
        plan.and_then(|p| checkpoints.first_pass(p.len() as u64).map(|s| (p, s)))
    else {
        return importer.import_stream(open()?, on_changeset);
    };
    // Every object written is looked up in the packs there are: searched
    // without mapping them, as the packs of the passes will be.
    importer.store.search_existing_packs();
    let total = plan.len();
    let start = (0..total)
        .position(|i| importer.hg2git_commit(&plan.node(i)).is_none())
        .unwrap_or(total);
    if start > 0 && start < total {
        eprintln!(
            "Resuming the import of {shown}: {start} of its {total} changesets are already \
             imported; importing the other {}",
            total - start
        );
    }
    let abort_after: Option<u64> = std::env::var("GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut seen = Seen::new(total);
    let mut count = 0u64;
    let mut from = start;
    let mut pass = 0;
    loop {
        let step = usize::try_from(size).unwrap_or(usize::MAX);
        let end = from.saturating_add(step).min(total);
        let last = end == total;
        let window = Window {
            nodes: &plan.nodes,
            index: &plan.index,
            start: u32::try_from(from).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        };
        let began = Instant::now();
        let result = importer.import_window(open()?, Some((&window, last)), &mut |c| {
            count += 1;
            if abort_after.is_some_and(|n| count >= n) {
                // As abrupt as a kill: no unwinding, no cleanup.
                std::process::abort();
            }
            if let Some(position) = plan.position(&c.node) {
                seen.record(position, c);
            }
        });
        match result {
            Ok(()) => {}
            Err(ImportError::Unchunkable(node)) => {
                if log {
                    eprintln!("DEBUG checkpoint: {node} needs a later chunk: one pass");
                }
                importer.reload()?;
                return importer.import_stream(open()?, on_changeset);
            }
            Err(e) => return Err(e),
        }
        pass += 1;
        if last {
            break;
        }
        if pass == 1 {
            // The passes to come write about as much a changeset.
            let written = importer.store.stats().written;
            let done = (end - start).max(1) as u64;
            let expected = written.saturating_mul(total as u64) / done;
            importer
                .store
                .expect_objects(expected.saturating_add(expected / 4));
        }
        importer.checkpoint()?;
        if importer.progress() {
            eprintln!("Checkpoint {pass}: {end} of the {total} changesets of {shown} imported");
        }
        if log {
            eprintln!("DEBUG checkpoint: {end} of {total} changesets of {shown}");
        }
        size = checkpoints.next_pass((end - from) as u64, began.elapsed());
        from = end;
    }
    // The bundle's own graph, for its branch heads: what this run did not
    // see comes from the metadata.
    let (mut text, mut scratch) = (Vec::new(), Vec::new());
    for position in 0..total {
        let (node, parents) = (&plan.node(position), &plan.parents(position));
        if let Some(c) = seen.take(position, *node, parents) {
            on_changeset(&c);
            continue;
        }
        let store = &mut importer.store;
        rebuild_changeset(store, &importer.state, *node, &mut text, &mut scratch)?;
        let cs = Changeset::parse(*node, &text)?;
        on_changeset(&Imported {
            node: *node,
            parents: parents.iter().filter(|p| !p.is_null()).copied().collect(),
            branch: cs.branch(),
            closes: cs.closes_branch(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_sizes() {
        let c = Checkpoints::from_settings(None, None, false);
        assert_eq!((c.every, c.seconds), (DEFAULT_EVERY, None));
        assert_eq!(c.first_pass(DEFAULT_EVERY), None);
        assert_eq!(c.first_pass(DEFAULT_EVERY + 1), Some(DEFAULT_EVERY));
        assert_eq!(c.next_pass(10, Duration::from_secs(100)), 10);
        let off = Checkpoints::from_settings(Some("0"), Some("0"), false);
        assert!(!off.enabled());
        assert_eq!(off.first_pass(1_000_000), None);
        // Timed: 1000 first, then scaled by at most four either way, under
        // the changeset interval.
        let t = Checkpoints::from_settings(Some("0"), Some("60"), false);
        assert_eq!(t.first_pass(5000), Some(FIRST_TIMED_PASS));
        assert_eq!(t.first_pass(1000), None);
        assert_eq!(t.next_pass(1000, Duration::from_secs(30)), 2000);
        assert_eq!(t.next_pass(1000, Duration::from_secs(1)), 4000);
        assert_eq!(t.next_pass(1000, Duration::from_secs(600)), 250);
        // Never below the floor (60 s for 250: 62 asked).
        assert_eq!(t.next_pass(250, Duration::from_secs(600)), MIN_TIMED_PASS);
        assert_eq!(t.next_pass(100, Duration::from_secs(600)), MIN_TIMED_PASS);
        let both = Checkpoints::from_settings(Some("3000"), Some("1.5"), false);
        assert_eq!(both.seconds, Some(Duration::from_millis(1500)));
        assert_eq!(both.first_pass(5000), Some(1000));
        assert_eq!(both.next_pass(1000, Duration::from_millis(100)), 3000);
        let small = Checkpoints::from_settings(Some("200"), Some("10"), false);
        assert_eq!(small.first_pass(5000), Some(200));
        // The default interval grows with the bundle, a set one does not.
        let d = Checkpoints::from_settings(None, None, false);
        assert_eq!(d.for_total(50_000).every, DEFAULT_EVERY);
        assert_eq!(d.for_total(1_000_000).every, 100_000);
        assert_eq!(d.for_total(1_000_001).every, 100_001);
        let set = Checkpoints::from_settings(Some("10000"), None, false);
        assert_eq!(set.for_total(1_000_000).every, 10_000);
        let timed = Checkpoints::from_settings(None, Some("60"), false);
        assert_eq!(
            timed
                .for_total(1_000_000)
                .next_pass(150_000, Duration::from_secs(1)),
            100_000
        );
    }
}
