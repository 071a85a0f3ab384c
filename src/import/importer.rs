//! The importer: the object store and the metadata state an import works
//! on, and what it learns along the way. Bundle streams go in; the new
//! metadata commit and the finished pack come out.

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;

use gix_hash::ObjectId;

use super::error::Result;
use crate::util::log_enabled;

use super::changegroup::{import_changegroup, Importers, Window};
use super::changesets::{ChangesetImporter, Imported};
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use crate::hg::bundle::BundleReader;
use crate::hg::HgNode;
use crate::metadata::graph::ChangesetGraph;
use crate::metadata::{load, write, State, METADATA_REF};
use crate::store::refs::RefUpdate;
use crate::store::ObjectRead;
use crate::store::{Repo, Store, WriteMode};

/// The store, the metadata state and the importers of one run.
pub struct Importer {
    pub store: Store,
    pub state: State,
    importers: Importers,
    progress: bool,
    /// Changesets of this run that close their branch.
    closed: HashSet<HgNode>,
    /// Changesets the checkpoints of an interrupted import committed, when
    /// this run resumes it (see [`super::resume`]).
    resumed: Option<u64>,
    /// Changesets the checkpoints of this run committed.
    checkpointed: u64,
    /// Files removed once the metadata is committed.
    after_commit: Vec<PathBuf>,
}

impl Importer {
    /// Loads the metadata of `repo`; `compat_06` selects git-cinnabar
    /// 0.6's collision byte.
    pub fn open(repo: Repo, progress: bool, compat_06: bool) -> Result<Importer> {
        let metadata = repo.find_ref(METADATA_REF)?;
        let mut store = Store::new(repo, WriteMode::pipelined());
        let state = load::load(&mut store, metadata)?;
        let resumed = super::marker::resumed(store.repo(), metadata);
        Ok(Importer {
            store,
            state,
            importers: Importers {
                manifests: ManifestImporter::default(),
                files: FileImporter::default(),
                changesets: ChangesetImporter::new(compat_06),
            },
            progress,
            closed: HashSet::new(),
            resumed,
            checkpointed: 0,
            after_commit: Vec::new(),
        })
    }

    /// Grafts the changesets imported from now on onto the candidates
    /// `setting` (`cinnabar.graft`) names (spec 3.8), once: the commits of
    /// the repository's refs, or the branches of a git repository at a URL
    /// (fetched as `refs/cinnabar/graft/*`, used on a first clone only).
    pub fn start_graft(&mut self, setting: Option<&str>) -> Result<()> {
        use super::graft::{fetch, Graft, GraftSetting};
        if self.graft_finish().is_some() {
            return Ok(());
        }
        let metadata = self.state.previous.as_ref().map(|p| p.commit);
        let repo = self.store.repo().clone();
        let graft = match GraftSetting::parse(setting)? {
            GraftSetting::Off => return Ok(()),
            GraftSetting::Local => Graft::read(&repo, false, metadata)?,
            GraftSetting::Url(url) => {
                fetch(&repo, &url, self.progress)?;
                if metadata.is_some() {
                    Graft::default()
                } else {
                    Graft::read(&repo, true, None)?
                }
            }
        };
        self.importers.changesets.set_graft(graft);
        Ok(())
    }

    /// Whether this run grafts, and if so whether it grafted anything
    /// (see [`super::graft::Graft::finish`]).
    pub fn graft_finish(&self) -> Option<Option<bool>> {
        let graft = self.importers.changesets.graft()?;
        Some(graft.finish(&self.state.replace))
    }

    /// What grafting did, when this run grafts.
    pub fn graft_summary(&self) -> Option<String> {
        let graft = self.importers.changesets.graft()?;
        graft.is_active().then(|| graft.summary())
    }

    /// The imported changesets as a graph, for discovery.
    pub fn graph(&mut self) -> ChangesetGraph<'_> {
        ChangesetGraph {
            store: &mut self.store,
            state: &self.state,
        }
    }

    /// Whether every changeset of `nodes` is imported.
    pub fn missing(&self, nodes: &[HgNode]) -> Vec<HgNode> {
        nodes
            .iter()
            .filter(|h| self.state.hg2git(h).is_none())
            .copied()
            .collect()
    }

    /// Reads a bundle stream and imports each of its changegroups;
    /// `on_changeset` sees every changeset.
    pub fn import_stream(
        &mut self,
        stream: Box<dyn Read + '_>,
        on_changeset: &mut dyn FnMut(&Imported),
    ) -> Result<()> {
        self.import_window(stream, None, on_changeset)
    }

    /// Same as [`Importer::import_stream`] for the part of the first
    /// changegroup `window` says; later changegroups are imported when
    /// the flag is set (the last pass).
    pub fn import_window(
        &mut self,
        stream: Box<dyn Read + '_>,
        window: Option<(&Window<'_>, bool)>,
        on_changeset: &mut dyn FnMut(&Imported),
    ) -> Result<()> {
        let mut report = crate::util::Progress::exact(self.progress);
        let counter = report.count_bytes();
        let stream = crate::util::CountingReader::new(stream, counter);
        let mut bundle = BundleReader::open(stream)?;
        let closed = &mut self.closed;
        let mut first = true;
        while let Some(mut cg) = bundle.next_changegroup()? {
            let part = match window {
                Some((w, _)) if first => Some(w),
                Some((_, false)) => break,
                _ => None,
            };
            first = false;
            import_changegroup(
                &mut cg,
                &mut self.store,
                &mut self.state,
                &mut self.importers,
                part,
                &mut |what, n, total| report.update_of(what, n, total),
                &mut |c| {
                    if c.closes {
                        closed.insert(c.node);
                    }
                    on_changeset(c);
                },
            )?;
        }
        report.finish();
        Ok(())
    }

    /// Whether a changeset is known to close its branch: seen closing in
    /// this run, or with a `close` extra in its stored changeset.
    pub fn is_closed(&mut self, node: &HgNode) -> Result<bool> {
        if self.closed.contains(node) {
            return Ok(true);
        }
        let Some(commit) = self.state.hg2git(node) else {
            return Ok(false);
        };
        let Some(note) = self.state.git2hg.get(&commit) else {
            return Ok(false);
        };
        let mut buf = Vec::new();
        self.store.read(&note, &mut buf)?;
        let note = crate::convert::changeset::ChangesetNote::parse(&buf)?;
        Ok(note.extra.is_some_and(|e| {
            crate::hg::changeset::parse_extra(&e)
                .iter()
                .any(|i| i.key == b"close")
        }))
    }

    /// Writes the metadata, finishes the pack, then moves the refs in one
    /// transaction: the metadata and notes refs (compare-and-swap against
    /// their values when the run started) and `extra` updates.
    pub fn commit(&mut self, extra: Vec<RefUpdate>) -> Result<()> {
        write::commit(&mut self.store, &self.state, extra, "cinnabar import")?;
        super::marker::unmark(self.store.repo());
        for path in self.after_commit.drain(..) {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    /// Removes `path` once the metadata is committed.
    pub fn remove_after_commit(&mut self, path: PathBuf) {
        self.after_commit.push(path);
    }

    /// How many changesets the checkpoints of an interrupted import
    /// committed, when this run started from its last checkpoint.
    pub fn resumed(&self) -> Option<u64> {
        self.resumed
    }

    /// Commits the metadata imported so far, and goes on from there: an
    /// import's checkpoint (see [`super::chunked`]). No other ref moves.
    pub fn checkpoint(&mut self) -> Result<()> {
        let count = self.state.git2hg.added().len() as u64;
        let written = write::commit(
            &mut self.store,
            &self.state,
            Vec::new(),
            "cinnabar import (checkpoint)",
        )?;
        self.state.checkpointed(written.loaded);
        self.checkpointed += count;
        let total = self.resumed.unwrap_or(0) + self.checkpointed;
        super::marker::mark(self.store.repo(), written.metadata, total)
    }

    /// Forgets what was imported since the last commit or checkpoint: the
    /// pack being written is removed and the metadata loaded again.
    pub fn reload(&mut self) -> Result<()> {
        self.store.abort_pack();
        // Recent manifest trees may name objects of the removed pack.
        self.importers.manifests = ManifestImporter::default();
        self.importers.files = FileImporter::default();
        let metadata = self.store.repo().find_ref(METADATA_REF)?;
        self.state = load::load(&mut self.store, metadata)?;
        Ok(())
    }

    /// Prints the run's counts for the `notes` (notes trees read) and
    /// `stats` (objects written and read back) log targets of `log`.
    pub fn report(&self, log: Option<&str>) {
        if log_enabled(log, "notes") {
            eprintln!(
                "DEBUG notes: trees read: hg2git {}, git2hg {}, files-meta {}",
                self.state.hg2git.trees_read(),
                self.state.git2hg.trees_read(),
                self.state.files_meta.trees_read()
            );
        }
        if log_enabled(log, "stats") {
            eprintln!("DEBUG stats: {}", self.store.stats());
            let (m, f) = (
                self.importers.manifests.stats(),
                self.importers.files.stats(),
            );
            eprintln!(
                "DEBUG stats: delta bases: {} changeset(s) rebuilt from git; {} manifest(s) \
                 loaded from git, at most {} tree(s) kept; {} file text(s) read from git, at \
                 most {} text(s) ({} bytes) kept",
                self.importers.changesets.rebuilt(),
                m.loaded,
                m.peak_kept,
                f.read,
                f.peak_kept,
                f.peak_bytes
            );
            eprintln!(
                "DEBUG stats: {} file node(s) verified on the node-check thread",
                f.checked_aside
            );
        }
    }

    /// Whether progress is shown.
    pub fn progress(&self) -> bool {
        self.progress
    }

    /// The git commit of a changeset, if imported.
    pub fn hg2git_commit(&self, node: &HgNode) -> Option<ObjectId> {
        self.state.hg2git(node)
    }
}
