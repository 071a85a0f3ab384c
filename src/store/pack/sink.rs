//! Pipelined object writing: the caller's thread hashes objects and gets
//! their ids at once, while a writer thread compresses and appends them to
//! a [`PackWriter`].
//!
//! Objects travel over a bounded channel (bounded in count, and in bytes by
//! a condition variable). Until the writer thread has written an object, a
//! copy of its data sits in a shared "pending" map, so reading an object
//! just written is served from there; an object already written is read by
//! asking the writer thread over the same channel, which, being in order,
//! answers only after everything sent before the request is in the pack.
//!
//! Errors of the writer thread reach the caller on its next call (or at
//! [`finish`](ObjectSink::finish)): a `write` that returned an id only
//! promises the object is queued.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use ahash::{AHashMap, AHashSet};
use gix::object::Kind;
use gix::ObjectId;

use super::writer::PackWriter;
use crate::store::error::{Result, StoreError};
use crate::store::object::{ObjectRead, ObjectWrite};
use crate::store::stats::StoreStats;

/// Default bound on queued objects.
pub const DEFAULT_QUEUE_OBJECTS: usize = 256;
/// Default bound on queued bytes.
pub const DEFAULT_QUEUE_BYTES: usize = 2 << 20;

type ReadReply = Result<Option<(Kind, Vec<u8>)>>;

/// One object to write.
struct WriteItem {
    oid: ObjectId,
    kind: Kind,
    data: Arc<Vec<u8>>,
    delta: Option<(ObjectId, Vec<u8>)>,
}

/// Objects are sent in batches: waking the writer thread for every small
/// object costs more than writing it.
const BATCH_OBJECTS: usize = 128;
const BATCH_BYTES: usize = 4 << 20;

enum Msg {
    Writes(Vec<WriteItem>),
    Read {
        oid: ObjectId,
        reply: SyncSender<ReadReply>,
    },
    Finish,
}

#[derive(Default)]
struct Pending {
    objects: AHashMap<ObjectId, (Kind, Arc<Vec<u8>>)>,
    bytes: usize,
}

struct Shared {
    pending: Mutex<Pending>,
    drained: Condvar,
    /// Whether the caller waits on `drained` (so the writer knows when a
    /// notification is needed).
    waiting: AtomicBool,
    failed: AtomicBool,
    error: Mutex<Option<StoreError>>,
}

impl Shared {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // A poisoned lock only means the other thread panicked while
        // holding it; the map itself is still consistent.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: StoreError) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.failed.store(true, Ordering::SeqCst);
        self.drained.notify_all();
    }
}

/// Writes objects to a pack on a background thread: the caller's thread
/// hashes and queues, a [`PackWriter`] on the writer thread compresses
/// and appends. A `write` that returned an id only promises the object is
/// queued; errors of the writer thread come back on a later call or at
/// [`finish`](ObjectSink::finish).
pub struct ObjectSink {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<Result<Option<PathBuf>>>>,
    shared: Arc<Shared>,
    /// Every object sent, for deduplication and `contains`.
    sent: AHashSet<ObjectId>,
    /// Objects queued but not yet sent to the writer thread.
    batch: Vec<WriteItem>,
    batch_bytes: usize,
    max_bytes: usize,
    tmp_path: PathBuf,
    stats: StoreStats,
}

impl std::fmt::Debug for ObjectSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectSink")
            .field("tmp_path", &self.tmp_path)
            .field("objects", &self.sent.len())
            .finish_non_exhaustive()
    }
}

impl ObjectSink {
    /// Starts a pack in `objects_dir/pack` written by a background thread,
    /// with the default queue bounds.
    pub fn new(objects_dir: &Path) -> Result<Self> {
        Self::with_writer(
            PackWriter::new(objects_dir)?,
            DEFAULT_QUEUE_OBJECTS,
            DEFAULT_QUEUE_BYTES,
        )
    }

    /// Runs `pack` on a background thread, queueing at most `max_objects`
    /// objects and (unless a single object is larger) `max_bytes` bytes.
    pub fn with_writer(pack: PackWriter, max_objects: usize, max_bytes: usize) -> Result<Self> {
        let (tx, rx) = sync_channel(max_objects.max(1));
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            drained: Condvar::new(),
            waiting: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
        });
        let tmp_path = pack.tmp_path().to_path_buf();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("pack-writer".into())
            .spawn(move || run(pack, rx, thread_shared))
            .map_err(|e| StoreError::io("starting the pack writer thread", e))?;
        Ok(ObjectSink {
            tx: Some(tx),
            thread: Some(thread),
            shared,
            sent: AHashSet::new(),
            batch: Vec::new(),
            batch_bytes: 0,
            max_bytes,
            tmp_path,
            stats: StoreStats::default(),
        })
    }

    /// The temporary pack file being written.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp_path
    }

    /// How many objects were queued.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether no object was queued.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }

    /// What this sink did so far.
    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    /// Whether `oid` was queued for this pack.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        self.sent.contains(oid)
    }

    fn send_write(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Arc<Vec<u8>>,
        delta: Option<(ObjectId, Vec<u8>)>,
    ) -> Result<()> {
        if self.shared.failed.load(Ordering::SeqCst) {
            return Err(self.take_error());
        }
        {
            let mut pending = self.shared.pending();
            while pending.bytes > 0 && pending.bytes + data.len() > self.max_bytes {
                if self.shared.failed.load(Ordering::SeqCst) {
                    drop(pending);
                    return Err(self.take_error());
                }
                // The writer may be waiting for this batch.
                if !self.batch.is_empty() {
                    drop(pending);
                    self.flush_batch()?;
                    pending = self.shared.pending();
                    continue;
                }
                // Time out now and then to notice a writer thread that
                // died without saying so (a panic).
                self.shared.waiting.store(true, Ordering::SeqCst);
                self.stats.waits += 1;
                pending = self
                    .shared
                    .drained
                    .wait_timeout(pending, std::time::Duration::from_millis(100))
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|p| p.into_inner().0);
                if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                    drop(pending);
                    return Err(self.take_error());
                }
            }
            pending.bytes += data.len();
            pending.objects.insert(oid, (kind, Arc::clone(&data)));
        }
        self.sent.insert(oid);
        self.stats.written += 1;
        self.batch_bytes += data.len();
        self.batch.push(WriteItem {
            oid,
            kind,
            data,
            delta,
        });
        if self.batch.len() >= BATCH_OBJECTS || self.batch_bytes >= BATCH_BYTES {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Sends the queued objects to the writer thread.
    fn flush_batch(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        self.stats.messages += 1;
        self.stats.batches += 1;
        match self.tx.as_ref().map(|tx| tx.send(Msg::Writes(batch))) {
            Some(Ok(())) => Ok(()),
            _ => Err(self.take_error()),
        }
    }

    /// Stops the writer thread and returns its error (or a generic one).
    fn take_error(&mut self) -> StoreError {
        self.tx = None;
        let joined = self.thread.take().map(|t| t.join());
        let stored = self
            .shared
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match (stored, joined) {
            (Some(e), _) => e,
            (None, Some(Ok(Err(e)))) => e,
            (None, Some(Err(_))) => StoreError::WriterThread("it panicked".into()),
            (None, _) => StoreError::WriterThread("it is no longer running".into()),
        }
    }

    /// Waits for every queued object to be written, then finishes the pack
    /// like [`PackWriter::finish`].
    pub fn finish(mut self) -> Result<Option<PathBuf>> {
        self.flush_batch()?;
        self.stats.messages += 1;
        let sent = match self.tx.as_ref() {
            Some(tx) => tx.send(Msg::Finish).is_ok(),
            None => false,
        };
        if !sent {
            return Err(self.take_error());
        }
        self.tx = None;
        let result = match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(StoreError::WriterThread("it panicked".into())),
            None => Err(StoreError::WriterThread("it is no longer running".into())),
        };
        let stored = self
            .shared
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match stored {
            Some(e) => Err(e),
            None => result,
        }
    }
}

impl Drop for ObjectSink {
    /// Without [`finish`](ObjectSink::finish), the writer thread stops and
    /// the temporary pack is removed.
    fn drop(&mut self) {
        // Closing the channel without `Finish` makes the thread abort.
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: applies messages in order until `Finish` (finish the
/// pack) or until the channel closes (abort, removing the temporary pack).
fn run(mut pack: PackWriter, rx: Receiver<Msg>, shared: Arc<Shared>) -> Result<Option<PathBuf>> {
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Writes(items) => {
                let mut result = Ok(());
                for item in &items {
                    let data = Cow::Borrowed(&item.data[..]);
                    result = match &item.delta {
                        Some((base, d)) => {
                            pack.write_delta_hashed(item.oid, item.kind, data, base, d)
                        }
                        None => pack.write_hashed(item.oid, item.kind, data),
                    };
                    if result.is_err() {
                        break;
                    }
                }
                {
                    let mut pending = shared.pending();
                    for item in &items {
                        if pending.objects.remove(&item.oid).is_some() {
                            pending.bytes -= item.data.len();
                        }
                    }
                }
                if shared.waiting.swap(false, Ordering::SeqCst) {
                    shared.drained.notify_all();
                }
                if let Err(e) = result {
                    shared.fail(e);
                    return Err(StoreError::WriterThread("a write failed".into()));
                }
            }
            Msg::Read { oid, reply } => {
                let mut out = Vec::new();
                let result = pack.try_read(&oid, &mut out).map(|k| k.map(|k| (k, out)));
                let _ = reply.send(result);
            }
            Msg::Finish => {
                return pack.finish();
            }
        }
    }
    // The sink was dropped: `pack` is dropped here, removing the file.
    shared.drained.notify_all();
    Ok(None)
}

/// Reads an object queued or written earlier; `Ok(None)` if it was not
/// sent to this sink. An object still queued is served from the queued
/// data; one already written is read back from the pack by the writer
/// thread once everything queued before this call is written.
impl ObjectRead for ObjectSink {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        if !self.sent.contains(oid) {
            return Ok(None);
        }
        if let Some((kind, data)) = self.shared.pending().objects.get(oid) {
            if self.batch.iter().any(|i| i.oid == *oid) {
                self.stats.read_batch += 1;
            } else {
                self.stats.read_in_flight += 1;
            }
            out.clear();
            out.extend_from_slice(data);
            return Ok(Some(*kind));
        }
        self.flush_batch()?;
        let (reply_tx, reply_rx) = sync_channel(1);
        let msg = Msg::Read {
            oid: *oid,
            reply: reply_tx,
        };
        self.stats.messages += 1;
        self.stats.waits += 1;
        if !matches!(self.tx.as_ref().map(|tx| tx.send(msg)), Some(Ok(()))) {
            return Err(self.take_error());
        }
        match reply_rx.recv() {
            Ok(Ok(Some((kind, data)))) => {
                self.stats.count_pack_read(kind);
                *out = data;
                Ok(Some(kind))
            }
            Ok(Ok(None)) => Ok(None),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.take_error()),
        }
    }
}

/// Queues objects for the writer thread, once each. The data stays shared
/// with the queue until written: an owned buffer
/// ([`write_owned`](ObjectWrite::write_owned)) is taken as it is, a
/// borrowed one is copied. A delta is passed on when its base was sent to
/// this sink, and the [`PackWriter`] decides whether to use it.
impl ObjectWrite for ObjectSink {
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()> {
        if self.sent.contains(&oid) {
            return Ok(());
        }
        self.send_write(oid, kind, Arc::new(data.into_owned()), None)
    }

    fn write_delta_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        if self.sent.contains(&oid) {
            return Ok(());
        }
        let delta = if self.sent.contains(base) {
            Some((*base, delta.to_vec()))
        } else {
            None
        };
        self.send_write(oid, kind, Arc::new(data.into_owned()), delta)
    }
}
