//! Pipelined object writing: the caller's thread hashes objects and gets
//! their ids at once, while a writer thread compresses and appends them to
//! a [`PackWriter`].
//!
//! Objects are queued in batches and a batch goes to the writer thread in
//! one channel message. An object the pack will store as a delta is
//! queued as that delta alone (the sink decides as the writer will). The queue is bounded in bytes and in objects; the
//! caller blocks only when it is full, and then until the writer has
//! drained half of it, so that one wait covers many batches.
//!
//! Reading an object back never waits for the writer thread:
//!
//! - an object of the batch not yet sent is served from the batch;
//! - an object sent but not yet in the pack file is served from its
//!   batch, which stays in the shared "in flight" list until it is
//!   written;
//! - a queued delta is applied to its base, read the same way;
//! - after each batch the writer thread flushes its bytes to the file and
//!   publishes the offsets of the batch's objects (in the order they were
//!   sent) in the same critical section that removes them from the
//!   in-flight map. The caller then reads them from the file itself, on a
//!   handle of its own, delta chains resolved there (see `PackReader`).
//!
//! Queueing allocates nothing per object: a batch keeps the bytes of its
//! objects in one arena (see `batch`), and a written batch is handed back
//! to the caller, cleared, through the shared state, to be filled again.
//!
//! Errors of the writer thread reach the caller on its next call (or at
//! [`finish`](ObjectSink::finish)): a `write` that returned an id only
//! promises the object is queued.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use gix::object::Kind;
use gix::ObjectId;

use super::delta::apply_delta;
use super::format::kind_to_type;
use super::reader::PackReader;
use super::writer::{delta_allowed, PackWriter};
use crate::store::error::{Result, StoreError};
use crate::store::idindex::IdIndex;
use crate::store::object::{oid_bytes, ObjectRead, ObjectWrite};
use crate::store::stats::StoreStats;

mod batch;
mod thread;
use batch::{Batch, Payload, WriteItem};
use thread::run;

/// Default bound on queued objects.
pub const DEFAULT_QUEUE_OBJECTS: usize = 4096;
/// Default bound on queued bytes.
pub const DEFAULT_QUEUE_BYTES: usize = 2 << 20;

/// Objects are sent in batches: waking the writer thread for every small
/// object costs more than writing it. A batch is also cut at a quarter of
/// the byte bound.
const BATCH_OBJECTS: usize = 512;

enum Msg {
    Writes(Arc<Batch>),
    /// Finish the pack, whose objects have these ids in the order sent.
    Finish(Vec<[u8; 20]>),
}

/// What the two threads share, under one lock.
#[derive(Default)]
struct InFlight {
    /// Batches sent to the writer thread and not yet in the pack file, in
    /// the order sent.
    batches: VecDeque<Arc<Batch>>,
    /// The objects and bytes they hold.
    objects: usize,
    bytes: usize,
    /// Written batches, cleared, for the caller to fill again.
    spare: Vec<Batch>,
    /// Pack offsets of the objects in the file, in the order they were
    /// sent: the object sent `n`-th is at `offsets[n]` once written. The
    /// only list of offsets: the writer thread reads its delta bases'
    /// here, and takes it to finish the pack.
    offsets: Vec<u64>,
    /// While the caller waits: the queue level (bytes, objects) at which
    /// to wake it.
    wake_at: Option<(usize, usize)>,
}

struct Shared {
    in_flight: Mutex<InFlight>,
    drained: Condvar,
    failed: AtomicBool,
    error: Mutex<Option<StoreError>>,
}

impl Shared {
    fn in_flight(&self) -> MutexGuard<'_, InFlight> {
        // A poisoned lock only means the other thread panicked while
        // holding it; the map itself is still consistent.
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: StoreError) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.failed.store(true, Ordering::SeqCst);
        // Take the lock so that a caller about to wait sees the flag.
        drop(self.in_flight());
        self.drained.notify_all();
    }
}

/// Where a read finds an object.
enum Found {
    /// In the batch not yet sent.
    Batch(WriteItem),
    /// Sent, not yet in the file: in this batch.
    InFlight(WriteItem, Arc<Batch>),
    /// In the file, at this offset.
    Offset(u64),
}

/// Writes objects to a pack on a background thread: the caller's thread
/// hashes and queues, a [`PackWriter`] on the writer thread compresses
/// and appends. A `write` that returned an id only promises the object is
/// queued; errors of the writer thread come back on a later call or at
/// [`finish`](ObjectSink::finish). See the [module](self) docs.
pub struct ObjectSink {
    tx: Option<Sender<Msg>>,
    thread: Option<JoinHandle<Result<Option<PathBuf>>>>,
    shared: Arc<Shared>,
    /// The id of every object sent, in the order sent (its `seq`), and
    /// their index, for deduplication and `contains`: 20 bytes an object
    /// plus 4.6–9.2 for the index, the pack writer keeping none of its own
    /// (see [`PackWriter::forget_ids`]).
    ids: Vec<[u8; 20]>,
    index: IdIndex,
    /// What the pack writer will know of each object (pack type and delta
    /// depth), by `seq`, to decide on deltas as it will.
    types: Vec<[u8; 2]>,
    /// Objects queued but not yet sent to the writer thread: those sent
    /// last, numbered from `ids.len() - batch.len()`.
    batch: Batch,
    /// Queue bounds: bytes and objects in flight plus in the batch.
    max_bytes: usize,
    max_objects: usize,
    /// Reads the written part of the pack, opened on the first such read.
    reader: Option<PackReader>,
    /// Deltas of the object being read (their bytes, and where each is
    /// in them), and the buffer applying them.
    read_deltas: Vec<u8>,
    read_spans: Vec<(usize, usize)>,
    read_scratch: Vec<u8>,
    tmp_path: PathBuf,
    stats: StoreStats,
}

impl std::fmt::Debug for ObjectSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectSink")
            .field("tmp_path", &self.tmp_path)
            .field("objects", &self.ids.len())
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

    /// Runs `pack` on a background thread, queueing at most about
    /// `max_objects` objects and (unless a single object is larger)
    /// `max_bytes` bytes.
    pub fn with_writer(mut pack: PackWriter, max_objects: usize, max_bytes: usize) -> Result<Self> {
        pack.forget_ids()?;
        let (tx, rx) = channel();
        let shared = Arc::new(Shared {
            in_flight: Mutex::new(InFlight::default()),
            drained: Condvar::new(),
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
            ids: Vec::new(),
            index: IdIndex::new(),
            types: Vec::new(),
            batch: Batch::with_capacity(BATCH_OBJECTS),
            max_bytes: max_bytes.max(1),
            max_objects: max_objects.max(1),
            reader: None,
            read_deltas: Vec::new(),
            read_spans: Vec::new(),
            read_scratch: Vec::new(),
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
        self.ids.len()
    }

    /// Whether no object was queued.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// What this sink did so far.
    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    /// Whether `oid` was queued for this pack.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        self.seq_of(oid).is_some()
    }

    /// The position of `oid` in the order sent, if it was.
    fn seq_of(&self, oid: &ObjectId) -> Option<u32> {
        self.index.find(&oid_bytes(oid), &self.ids)
    }

    fn send_write(&mut self, oid: ObjectId, kind: Kind, payload: Payload, depth: u8) -> Result<()> {
        if self.shared.failed.load(Ordering::Relaxed) {
            return Err(self.take_error());
        }
        let seq = u32::try_from(self.ids.len())
            .map_err(|_| StoreError::WriterThread("more than 4 billion objects".into()))?;
        self.ids.push(oid_bytes(&oid));
        self.index.insert(seq, &self.ids);
        self.types.push([kind_to_type(kind), depth]);
        self.stats.written += 1;
        self.batch.items.push(WriteItem { oid, kind, payload });
        let batch_limit = (self.max_bytes / 4).max(1);
        if self.batch.items.len() >= BATCH_OBJECTS.min(self.max_objects)
            || self.batch.bytes >= batch_limit
        {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Sends the queued objects to the writer thread, once the queue has
    /// room for them (an empty queue always has).
    fn flush_batch(&mut self) -> Result<()> {
        if self.batch.items.is_empty() {
            return Ok(());
        }
        let (max_bytes, max_objects) = (self.max_bytes, self.max_objects);
        let (batch_bytes, batch_len) = (self.batch.bytes, self.batch.items.len());
        let full = |f: &InFlight| {
            f.objects != 0
                && (f.bytes + batch_bytes > max_bytes || f.objects + batch_len > max_objects)
        };
        let mut in_flight = self.shared.in_flight();
        if full(&in_flight) {
            // Wait until half the queue is drained: one wait for many
            // batches.
            let wake_at = (
                (max_bytes / 2).min(max_bytes.saturating_sub(batch_bytes)),
                (max_objects / 2).min(max_objects.saturating_sub(batch_len)),
            );
            self.stats.waits += 1;
            while full(&in_flight) {
                if self.shared.failed.load(Ordering::Relaxed) {
                    drop(in_flight);
                    return Err(self.take_error());
                }
                in_flight.wake_at = Some(wake_at);
                // Time out now and then to notice a writer thread that
                // died without saying so (a panic).
                in_flight = self
                    .shared
                    .drained
                    .wait_timeout(in_flight, std::time::Duration::from_millis(100))
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|p| p.into_inner().0);
                if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                    drop(in_flight);
                    return Err(self.take_error());
                }
            }
            in_flight.wake_at = None;
        }
        in_flight.bytes += batch_bytes;
        in_flight.objects += batch_len;
        let next = in_flight
            .spare
            .pop()
            .unwrap_or_else(|| Batch::with_capacity(BATCH_OBJECTS));
        let batch = Arc::new(std::mem::replace(&mut self.batch, next));
        in_flight.batches.push_back(Arc::clone(&batch));
        drop(in_flight);
        self.batch.first_seq = self.ids.len();
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
        self.reader = None;
        self.stats.messages += 1;
        // The ids go to the writer thread, for the pack index.
        self.index = IdIndex::new();
        self.types = Vec::new();
        let ids = std::mem::take(&mut self.ids);
        let sent = match self.tx.as_ref() {
            Some(tx) => tx.send(Msg::Finish(ids)).is_ok(),
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

/// Reads an object queued or written earlier; `Ok(None)` if it was not
/// sent to this sink. Never waits for the writer thread: see the
/// [module](self) docs.
impl ObjectRead for ObjectSink {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        if !self.contains(oid) {
            return Ok(None);
        }
        // Follow queued deltas down to an object held whole or written.
        let mut deltas = std::mem::take(&mut self.read_deltas);
        let mut spans = std::mem::take(&mut self.read_spans);
        deltas.clear();
        spans.clear();
        let mut current = *oid;
        let kind = loop {
            let found = match self.find(&current) {
                Ok(f) => f,
                Err(e) => {
                    self.read_deltas = deltas;
                    self.read_spans = spans;
                    return Err(e);
                }
            };
            if current == *oid {
                match &found {
                    Found::Batch(..) => self.stats.read_batch += 1,
                    Found::InFlight(..) => self.stats.read_in_flight += 1,
                    Found::Offset(_) => {}
                }
            }
            let (item, batch) = match &found {
                Found::Batch(item) => (item, &self.batch),
                Found::InFlight(item, batch) => (item, &**batch),
                Found::Offset(offset) => {
                    let reader = match &mut self.reader {
                        Some(r) => r,
                        None => self.reader.insert(PackReader::open(&self.tmp_path)?),
                    };
                    let kind = reader.read(*offset, out)?;
                    if current == *oid {
                        self.stats.count_pack_read(kind);
                    }
                    break kind;
                }
            };
            match item.payload {
                Payload::Full(data) => {
                    out.clear();
                    out.extend_from_slice(batch.get(data));
                    break item.kind;
                }
                Payload::Delta { base, delta, .. } => {
                    let start = deltas.len();
                    deltas.extend_from_slice(batch.get(delta));
                    spans.push((start, deltas.len()));
                    current = base;
                }
            }
        };
        let mut result = Ok(());
        for &(start, end) in spans.iter().rev() {
            result = apply_delta(out, &deltas[start..end], &mut self.read_scratch);
            if result.is_err() {
                break;
            }
            std::mem::swap(out, &mut self.read_scratch);
        }
        self.read_deltas = deltas;
        self.read_spans = spans;
        result.map(|()| Some(kind))
    }
}

impl ObjectSink {
    /// Where `oid`, which was sent, is now.
    fn find(&mut self, oid: &ObjectId) -> Result<Found> {
        let seq = match self.seq_of(oid) {
            Some(s) => s as usize,
            None => return Err(StoreError::NotFound(*oid)),
        };
        if let Some(item) = self.batch.item(seq) {
            return Ok(Found::Batch(*item));
        }
        let found = {
            let in_flight = self.shared.in_flight();
            match in_flight.offsets.get(seq) {
                Some(offset) => Some(Found::Offset(*offset)),
                None => in_flight.batches.iter().find_map(|batch| {
                    let item = batch.item(seq)?;
                    Some(Found::InFlight(*item, Arc::clone(batch)))
                }),
            }
        };
        match found {
            Some(f) => Ok(f),
            // Neither written nor in flight: the writer thread failed.
            None => Err(self.take_error()),
        }
    }
}

/// Queues objects for the writer thread, once each. The data is copied
/// into the batch's arena, except a large owned buffer
/// ([`write_owned`](ObjectWrite::write_owned)), which is taken as it is. A delta is passed on when its base was sent to
/// this sink, and the [`PackWriter`] decides whether to use it.
impl ObjectWrite for ObjectSink {
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()> {
        if self.contains(&oid) {
            return Ok(());
        }
        let data = self.batch.keep(data);
        self.send_write(oid, kind, Payload::Full(data), 0)
    }

    fn write_delta_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        if self.contains(&oid) {
            return Ok(());
        }
        let based = self
            .seq_of(base)
            .and_then(|seq| Some((seq, *self.types.get(seq as usize)?)));
        match based {
            Some((base_seq, [ty, depth]))
                if delta_allowed(ty, depth, kind, delta.len(), data.len()) =>
            {
                let payload = Payload::Delta {
                    base: *base,
                    base_seq,
                    base_type: [ty, depth],
                    size: data.len(),
                    delta: self.batch.keep(Cow::Borrowed(delta)),
                };
                self.send_write(oid, kind, payload, depth + 1)
            }
            _ => {
                let data = self.batch.keep(data);
                self.send_write(oid, kind, Payload::Full(data), 0)
            }
        }
    }
}
