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
//! one pass.
//!
//! For tests only: `GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS=N` aborts the
//! process (as abruptly as `kill -9`) when a chunked import has imported
//! `N` changesets in this run.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use super::changegroup::Window;
use super::changesets::Imported;
use super::error::{ImportError, Result, ResultExt};
use super::importer::Importer;
use crate::hg::bundle::BundleReader;
use crate::hg::changeset::Changeset;
use crate::hg::HgNode;
use crate::metadata::changeset::rebuild_changeset;

/// The default checkpoint interval, in changesets.
pub const DEFAULT_EVERY: u64 = 10_000;

/// The changesets of a bundle's first changegroup, in order.
struct Plan {
    nodes: Vec<(HgNode, [HgNode; 2])>,
    index: HashMap<HgNode, u32>,
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
fn read_plan(path: &Path) -> Result<Plan> {
    let file = std::fs::File::open(path)?;
    let mut bundle = BundleReader::open(BufReader::new(file))?;
    let mut nodes = Vec::new();
    if let Some(mut cg) = bundle.next_changegroup()? {
        while let Some(c) = cg.next_revision()? {
            nodes.push((c.node, [c.p1, c.p2]));
        }
    }
    let index = nodes
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (*n, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    Ok(Plan { nodes, index })
}

/// The checkpoint interval from the `cinnabar.checkpoint` setting.
pub fn interval(setting: Option<&str>) -> u64 {
    setting
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_EVERY)
}

/// Imports the bundle file at `path` (shown as `shown`), in chunks of
/// `every` changesets with a checkpoint after each when it holds more
/// than that, else in one pass. `on_changeset` sees every changeset of
/// the bundle, in order. `log` prints each checkpoint.
pub fn import_file(
    importer: &mut Importer,
    path: &Path,
    shown: &str,
    every: u64,
    log: bool,
    on_changeset: &mut dyn FnMut(&Imported),
) -> Result<()> {
    let open = || -> Result<Box<dyn std::io::Read>> {
        let file = std::fs::File::open(path).context_with(|| format!("cannot open {shown}"))?;
        Ok(Box::new(BufReader::new(file)))
    };
    let plan = if every > 0 {
        Some(read_plan(path)?)
    } else {
        None
    };
    let Some(plan) = plan.filter(|p| p.nodes.len() as u64 > every) else {
        return importer.import_stream(open()?, on_changeset);
    };
    let total = plan.nodes.len();
    let start = plan
        .nodes
        .iter()
        .position(|(n, _)| importer.hg2git_commit(n).is_none())
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
    let step = usize::try_from(every).unwrap_or(usize::MAX);
    let mut from = start;
    let mut passes = Vec::new();
    while from < total {
        let end = from.saturating_add(step).min(total);
        passes.push((from, end));
        from = end;
    }
    if passes.is_empty() {
        // Everything is imported: one pass for the other changegroups.
        passes.push((total, total));
    }
    for (i, &(from, end)) in passes.iter().enumerate() {
        let window = Window {
            index: &plan.index,
            start: u32::try_from(from).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        };
        let last = i + 1 == passes.len();
        let result = importer.import_window(open()?, Some((&window, last)), &mut |c| {
            count += 1;
            if abort_after.is_some_and(|n| count >= n) {
                // As abrupt as a kill: no unwinding, no cleanup.
                std::process::abort();
            }
            if let Some(&position) = plan.index.get(&c.node) {
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
        if !last {
            importer.checkpoint()?;
            if log {
                eprintln!("DEBUG checkpoint: {end} of {total} changesets of {shown}");
            }
        }
    }
    // The bundle's own graph, for its branch heads: what this run did not
    // see comes from the metadata.
    let (mut text, mut scratch) = (Vec::new(), Vec::new());
    for (position, (node, parents)) in plan.nodes.iter().enumerate() {
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
