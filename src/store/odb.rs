//! [`Store`]: the repository plus the pack being written, as one object
//! database. Reads look in the pack being written first, then in the
//! repository; writes skip objects the repository already has (as
//! fast-import skips objects already packed) and go to the pack, written
//! either on the caller's thread or on a background thread.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use gix::object::Kind;
use gix::ObjectId;

use super::error::{Result, StoreError};
use super::known::KnownObjects;
use super::object::{hash_object, ObjectRead, ObjectWrite};
use super::pack::{
    tree_delta, FinishedPacks, ObjectSink, PackWriter, RecentObjects, DEFAULT_QUEUE_BYTES,
    DEFAULT_QUEUE_OBJECTS, DEFAULT_RECENT_BYTES,
};
use super::refs::{update_refs, RefUpdate};
use super::repo::Repo;
use super::stats::StoreStats;

/// How a [`Store`] writes its pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Compress and write on the caller's thread ([`PackWriter`]).
    Direct,
    /// Hash on the caller's thread, compress and write on a background
    /// thread ([`ObjectSink`]), with at most `max_objects` objects and
    /// `max_bytes` bytes queued.
    Pipelined {
        /// Queue bound in objects.
        max_objects: usize,
        /// Queue bound in bytes.
        max_bytes: usize,
    },
}

impl WriteMode {
    /// Pipelined with the default queue bounds.
    pub fn pipelined() -> Self {
        WriteMode::Pipelined {
            max_objects: DEFAULT_QUEUE_OBJECTS,
            max_bytes: DEFAULT_QUEUE_BYTES,
        }
    }
}

enum Writer {
    Direct(PackWriter),
    Pipelined(ObjectSink),
}

/// The repository and the pack being written. The pack is started by the
/// first write and ended by [`finish_pack`](Store::finish_pack); dropping
/// the store with a pack unfinished removes the pack.
pub struct Store {
    repo: Repo,
    mode: WriteMode,
    level: u32,
    writer: Option<Writer>,
    /// Debug hook for crash tests: abort the process after this many
    /// objects were written (`GIT_CINNABAR_DEBUG_ABORT_AFTER`).
    abort_after: Option<u64>,
    written: u64,
    /// Counts of finished writers, of the direct writer and of reads from
    /// the repository.
    stats: StoreStats,
    /// Trees written last to the pack, the bases of their next versions
    /// (see [`write_tree`](Store::write_tree)).
    recent_trees: RecentObjects,
    /// The delta being computed, reused.
    delta_buf: Vec<u8>,
    /// What the repository held, for [`has`](Store::has); scanned at the
    /// first write.
    known: Known,
    /// The packs this store finished, searched and read without mapping
    /// them (see [`FinishedPacks`]); shared with the readers of the
    /// metadata's notes trees ([`notes_reader`](Store::notes_reader)).
    finished: Arc<Mutex<FinishedPacks>>,
}

/// The state of [`Store::known`].
#[derive(Debug)]
enum Known {
    Unscanned,
    /// The snapshot, and the repository's refresh count when its packs
    /// were last listed.
    Scanned(KnownObjects, u64),
    /// No snapshot can stand for the repository: gix is asked.
    Unavailable,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("repo", &self.repo)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store over `repo`. The zlib level comes from `pack.compression`,
    /// else `core.compression`, else git's default.
    pub fn new(repo: Repo, mode: WriteMode) -> Self {
        let level = ["pack.compression", "core.compression"]
            .iter()
            .find_map(|k| repo.config_string(k))
            .and_then(|v| v.trim().parse::<i32>().ok())
            .map(|l| if (0..=9).contains(&l) { l as u32 } else { 6 })
            .unwrap_or(6);
        let abort_after = std::env::var("GIT_CINNABAR_DEBUG_ABORT_AFTER")
            .ok()
            .and_then(|v| v.parse().ok());
        Store {
            repo,
            mode,
            level,
            writer: None,
            abort_after,
            written: 0,
            stats: StoreStats::default(),
            recent_trees: RecentObjects::new(DEFAULT_RECENT_BYTES),
            delta_buf: Vec::new(),
            known: Known::Unscanned,
            finished: Arc::default(),
        }
    }

    /// Opens the repository from the environment (see [`Repo::open`]).
    pub fn open(mode: WriteMode) -> Result<Self> {
        Ok(Self::new(Repo::open()?, mode))
    }

    /// The repository.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// What this store did since it was created: objects written, read
    /// back, and the traffic with the pack writer thread.
    pub fn stats(&self) -> StoreStats {
        let mut stats = self.stats;
        stats.finished_searches = self.finished().searches;
        if let Some(Writer::Pipelined(s)) = &self.writer {
            stats.add(&s.stats());
        }
        stats
    }

    /// Whether a pack is being written.
    pub fn has_pack(&self) -> bool {
        self.writer.is_some()
    }

    fn writer(&mut self) -> Result<&mut Writer> {
        if let Some(limit) = self.abort_after {
            self.written += 1;
            if self.written > limit {
                // As abrupt as a kill: no unwinding, no cleanup.
                std::process::abort();
            }
        }
        if self.writer.is_none() {
            let pack = PackWriter::with_compression(&self.repo.objects_dir(), self.level)?;
            self.writer = Some(match self.mode {
                WriteMode::Direct => Writer::Direct(pack),
                WriteMode::Pipelined {
                    max_objects,
                    max_bytes,
                } => Writer::Pipelined(ObjectSink::with_writer(pack, max_objects, max_bytes)?),
            });
        }
        match self.writer.as_mut() {
            Some(w) => Ok(w),
            None => Err(StoreError::WriterThread("no pack writer".into())),
        }
    }

    /// Whether `oid` is in the pack being written.
    pub fn in_pack(&self, oid: &ObjectId) -> bool {
        match &self.writer {
            Some(Writer::Direct(p)) => p.contains(oid),
            Some(Writer::Pipelined(s)) => s.contains(oid),
            None => false,
        }
    }

    /// Whether `oid` is in the pack being written or in the repository.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        self.in_pack(oid) || self.repo.contains(oid)
    }

    /// Whether a write of `oid` can be skipped: the object is in the pack
    /// being written, or in the repository as of its last refresh (packs
    /// this store finished included): in a pack index, or a loose object
    /// when the store's first write listed them (see [`KnownObjects`]).
    fn has(&mut self, oid: &ObjectId) -> bool {
        if self.in_pack(oid) {
            return true;
        }
        // An index that cannot be read is left to the lookups below.
        if self.finished().contains(oid).unwrap_or(false) {
            return true;
        }
        self.scan_known();
        match &self.known {
            // Only an object listed loose needs the file system.
            Known::Scanned(k, _) => {
                k.packed(oid) || (k.listed_loose(oid) && self.repo.contains_without_refresh(oid))
            }
            _ => self.repo.contains_without_refresh(oid),
        }
    }

    /// The packs this store searches itself, locked.
    fn finished(&self) -> MutexGuard<'_, FinishedPacks> {
        lock(&self.finished)
    }

    /// A reader of the repository for the metadata's notes trees, which
    /// are read while the store writes: objects of the packs the store
    /// searches itself are read there (without mapping those packs), the
    /// others through git.
    pub fn notes_reader(&self) -> Box<dyn ObjectRead + Send> {
        Box::new(SharedReader {
            repo: self.repo.clone(),
            finished: self.finished.clone(),
        })
    }

    /// Lists the repository's packs and loose objects the first time, and
    /// the packs added since afterwards.
    fn scan_known(&mut self) {
        let refreshes = self.repo.refresh_count();
        match &mut self.known {
            Known::Unscanned => {
                self.known = match KnownObjects::scan(&self.repo.objects_dir()) {
                    Some(k) => Known::Scanned(k, refreshes),
                    None => Known::Unavailable,
                };
            }
            // Packs were added (ours when finished, or a `git fetch`'s).
            Known::Scanned(k, seen) if *seen != refreshes => {
                *seen = refreshes;
                if !k.add_new_packs() {
                    self.known = Known::Unavailable;
                }
            }
            _ => {}
        }
    }

    /// Writes the tree `data` (encoded, entries in git's order), likely a
    /// new version of the tree `base` (the same directory as it was
    /// before), and returns its id. When `base` was written to this pack
    /// recently, the tree is stored as a delta against it, computed from
    /// the two trees' entries (see [`tree_delta`]), within the pack's
    /// delta depth bound; otherwise whole. Either way the tree is kept a
    /// while as the base of its own next version.
    pub fn write_tree(&mut self, data: &[u8], base: Option<&ObjectId>) -> Result<ObjectId> {
        let oid = hash_object(Kind::Tree, data);
        if self.has(&oid) {
            return Ok(oid);
        }
        let base = base
            .filter(|b| **b != oid && self.in_pack(b))
            .and_then(|b| {
                let base_data = self.recent_trees.get(b)?;
                tree_delta(base_data, data, &mut self.delta_buf).then_some(*b)
            });
        // Known to be new: written without asking `has` again.
        match base {
            Some(base) => {
                let delta = std::mem::take(&mut self.delta_buf);
                let written =
                    self.write_new(oid, Kind::Tree, Cow::Borrowed(data), Some((&base, &delta)));
                self.delta_buf = delta;
                written?;
            }
            None => self.write_new(oid, Kind::Tree, Cow::Borrowed(data), None)?,
        }
        self.recent_trees.put(oid, data);
        Ok(oid)
    }

    /// Searches and reads the packs the repository has now the way it
    /// does those it finishes (see [`FinishedPacks`]) rather than through
    /// git's mapped indexes and packs, for an import in passes: every
    /// object written is looked up in them, which touched every page of
    /// their indexes, and those pages stayed resident. Their ids are read
    /// once (~20 bytes an object of I/O).
    pub fn search_existing_packs(&mut self) {
        self.scan_known();
        let Known::Scanned(k, _) = &mut self.known else {
            return;
        };
        let mut finished = lock(&self.finished);
        for idx in k.pack_indexes() {
            if !finished.has_index(&idx) && finished.add_existing(&idx).is_ok() {
                k.skip_pack(&idx);
            }
        }
    }

    /// Tells the store that the packs it is still to finish should hold
    /// about `objects` objects (an import in passes knows after its
    /// first), so that what it keeps to search them is sized once.
    pub fn expect_objects(&mut self, objects: u64) {
        self.finished()
            .expect(usize::try_from(objects).unwrap_or(usize::MAX));
    }

    /// Keeps at least `bytes` bytes of recently written trees as delta
    /// bases (see [`write_tree`](Store::write_tree)): the importer sizes
    /// this to the trees of the manifest it writes, so that every
    /// directory's previous version is still there when it changes. The
    /// bound only grows (up to 64 MiB) and its memory is taken only as
    /// trees are written.
    pub fn keep_tree_bases(&mut self, bytes: usize) {
        self.recent_trees.grow_to(bytes);
    }

    /// Finishes the pack being written, if any (see [`PackWriter::finish`]),
    /// making its objects part of the repository. The next write starts a
    /// new pack. Returns the pack's path, `None` when there was nothing to
    /// write.
    pub fn finish_pack(&mut self) -> Result<Option<PathBuf>> {
        self.recent_trees.clear();
        let pack = match self.writer.take() {
            None => return Ok(None),
            Some(Writer::Direct(p)) => p.finish()?,
            Some(Writer::Pipelined(s)) => {
                self.stats.add(&s.stats());
                s.finish()?
            }
        };
        if let Some(pack) = &pack {
            // Searched and read from here on without mapping it; if its
            // index cannot be read, `has` lists it with the others.
            let idx = pack.with_extension("idx");
            if self.finished().add(&idx).is_ok() {
                if let Known::Scanned(k, _) = &mut self.known {
                    k.skip_pack(&idx);
                }
            }
            self.repo.refresh();
        }
        Ok(pack)
    }

    /// Abandons the pack being written, removing it.
    pub fn abort_pack(&mut self) {
        self.recent_trees.clear();
        self.writer = None;
    }

    /// Finishes the pack being written, then applies `updates` in one
    /// transaction (see [`update_refs`]): objects are durable before any
    /// ref points at them.
    pub fn update_refs(&mut self, updates: &[RefUpdate], message: &str) -> Result<()> {
        self.finish_pack()?;
        update_refs(&self.repo, updates, message)
    }
}

/// A poisoned lock only means another thread panicked holding it: the
/// packs' lists are still consistent.
fn lock(finished: &Mutex<FinishedPacks>) -> MutexGuard<'_, FinishedPacks> {
    finished.lock().unwrap_or_else(|p| p.into_inner())
}

/// See [`Store::notes_reader`].
struct SharedReader {
    repo: Repo,
    finished: Arc<Mutex<FinishedPacks>>,
}

impl ObjectRead for SharedReader {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        if let Some(kind) = lock(&self.finished).try_read(oid, out)? {
            return Ok(Some(kind));
        }
        self.repo.try_read_object(oid, out)
    }
}

/// Reads an object from the pack being written first, then from the
/// repository; `Ok(None)` if neither has it.
impl ObjectRead for Store {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        let from_pack = match &mut self.writer {
            Some(Writer::Direct(p)) => {
                let kind = p.try_read(oid, out)?;
                if let Some(kind) = kind {
                    self.stats.count_pack_read(kind);
                }
                kind
            }
            Some(Writer::Pipelined(s)) => s.try_read(oid, out)?,
            None => None,
        };
        if from_pack.is_some() {
            return Ok(from_pack);
        }
        let finished = self.finished().try_read(oid, out)?;
        if let Some(kind) = finished {
            self.stats.read_finished += 1;
            return Ok(Some(kind));
        }
        let kind = self.repo.try_read_object(oid, out)?;
        match kind {
            Some(_) => self.stats.read_repo += 1,
            None => self.stats.read_missing += 1,
        }
        Ok(kind)
    }
}

/// Skips an object the pack or the repository has (as of its last refresh,
/// packs this store finished included), and otherwise hands it to the pack
/// writer, starting the pack on the first write. A delta is used as
/// [`PackWriter`] decides (its base must be in the pack being written).
impl ObjectWrite for Store {
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()> {
        if self.has(&oid) {
            return Ok(());
        }
        self.write_new(oid, kind, data, None)
    }

    fn write_delta_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        if self.has(&oid) {
            return Ok(());
        }
        self.write_new(oid, kind, data, Some((base, delta)))
    }
}

impl Store {
    /// Hands an object [`has`](Store::has) said is missing to the pack
    /// writer, as a delta against `base` when one is given.
    fn write_new(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        delta: Option<(&ObjectId, &[u8])>,
    ) -> Result<()> {
        if self.mode == WriteMode::Direct {
            self.stats.written += 1;
        }
        match (self.writer()?, delta) {
            (Writer::Direct(p), None) => p.write_hashed(oid, kind, data),
            (Writer::Pipelined(s), None) => s.write_hashed(oid, kind, data),
            (Writer::Direct(p), Some((base, delta))) => {
                p.write_delta_hashed(oid, kind, data, base, delta)
            }
            (Writer::Pipelined(s), Some((base, delta))) => {
                s.write_delta_hashed(oid, kind, data, base, delta)
            }
        }
    }
}
