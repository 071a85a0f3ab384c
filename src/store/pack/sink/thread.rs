//! The writer thread of an [`ObjectSink`](super::ObjectSink): compression
//! and writing only.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use super::{Msg, Payload, Shared, BATCH_OBJECTS};
use crate::store::error::{Result, StoreError};
use crate::store::pack::writer::PackWriter;

/// Written batches kept for reuse, at most.
const SPARE_BATCHES: usize = 4;
/// A batch whose arena grew larger than this is not kept.
const SPARE_BYTES: usize = 4 << 20;

/// The writer thread: writes batches in order until `Finish` (finish the
/// pack) or until the channel closes (abort, removing the temporary pack).
/// After each batch its bytes are flushed to the file and its offsets
/// published, so the caller can read them there, and the batch goes back
/// to the caller, cleared, to be filled again.
pub(super) fn run(
    mut pack: PackWriter,
    rx: Receiver<Msg>,
    shared: Arc<Shared>,
) -> Result<Option<PathBuf>> {
    let mut offsets = Vec::with_capacity(BATCH_OBJECTS);
    // Objects written before this batch: their offsets are published.
    let mut published = 0usize;
    while let Ok(msg) = rx.recv() {
        let batch = match msg {
            Msg::Writes(batch) => batch,
            Msg::Finish(ids) => {
                let offsets = std::mem::take(&mut shared.in_flight().offsets);
                return pack.finish_with_ids(ids, offsets);
            }
        };
        offsets.clear();
        let mut result = Ok(());
        for item in &batch.items {
            // The sink sends each object once: no lookup here.
            let written = match &item.payload {
                Payload::Full(data) => {
                    pack.append_unchecked(&item.oid, item.kind, batch.get(*data))
                }
                Payload::Delta {
                    base,
                    base_seq,
                    base_type,
                    size,
                    delta,
                } => {
                    let seq = *base_seq as usize;
                    let offset = match seq.checked_sub(published) {
                        Some(i) => offsets.get(i).copied(),
                        None => shared.in_flight().offsets.get(seq).copied(),
                    };
                    match offset {
                        Some(offset) => pack.append_delta_unchecked(
                            &item.oid,
                            item.kind,
                            *size,
                            (base, offset, *base_type),
                            batch.get(*delta),
                        ),
                        None => Err(StoreError::WriterThread(format!(
                            "the base of {} was not written",
                            item.oid
                        ))),
                    }
                }
            };
            match written {
                Ok(offset) => offsets.push(offset),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = pack.flush();
        }
        if let Err(e) = result {
            shared.fail(e);
            return Err(StoreError::WriterThread("a write failed".into()));
        }
        let (objects, bytes) = (batch.items.len(), batch.bytes);
        // Only the in-flight list holds the batch now (or a reader for a
        // moment: then it is not recycled).
        drop(batch);
        let wake = {
            let mut in_flight = shared.in_flight();
            in_flight.offsets.extend_from_slice(&offsets);
            published = in_flight.offsets.len();
            // Batches are written in the order sent.
            if let Some(done) = in_flight.batches.pop_front() {
                in_flight.objects -= objects;
                in_flight.bytes -= bytes;
                if let Ok(mut done) = Arc::try_unwrap(done) {
                    if in_flight.spare.len() < SPARE_BATCHES && done.capacity() <= SPARE_BYTES {
                        done.clear();
                        in_flight.spare.push(done);
                    }
                }
            }
            match in_flight.wake_at {
                Some((bytes, objects)) => {
                    let wake = in_flight.objects == 0
                        || (in_flight.bytes <= bytes && in_flight.objects <= objects);
                    if wake {
                        in_flight.wake_at = None;
                    }
                    wake
                }
                None => false,
            }
        };
        if wake {
            shared.drained.notify_all();
        }
    }
    // The sink was dropped: `pack` is dropped here, removing the file.
    Ok(None)
}
