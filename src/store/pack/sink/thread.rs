//! The writer thread of an [`ObjectSink`](super::ObjectSink): compression
//! and writing only.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use super::{Msg, Payload, Shared, BATCH_OBJECTS};
use crate::store::error::{Result, StoreError};
use crate::store::pack::writer::PackWriter;

/// The writer thread: writes batches in order until `Finish` (finish the
/// pack) or until the channel closes (abort, removing the temporary pack).
/// After each batch its bytes are flushed to the file and its offsets
/// published, so the caller can read them there.
pub(super) fn run(
    mut pack: PackWriter,
    rx: Receiver<Msg>,
    shared: Arc<Shared>,
) -> Result<Option<PathBuf>> {
    let mut offsets = Vec::with_capacity(BATCH_OBJECTS);
    // Objects written before this batch: their offsets are published.
    let mut published = 0usize;
    while let Ok(msg) = rx.recv() {
        let items = match msg {
            Msg::Writes(items) => items,
            Msg::Finish(ids) => {
                let offsets = std::mem::take(&mut shared.in_flight().offsets);
                return pack.finish_with_ids(ids, offsets);
            }
        };
        offsets.clear();
        let mut result = Ok(());
        for item in &items {
            // The sink sends each object once: no lookup here.
            let written = match &item.payload {
                Payload::Full(data) => pack.append_unchecked(&item.oid, item.kind, data),
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
                            delta,
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
        let wake = {
            let mut in_flight = shared.in_flight();
            in_flight.offsets.extend_from_slice(&offsets);
            published = in_flight.offsets.len();
            for item in &items {
                if in_flight.objects.remove(&item.oid).is_some() {
                    in_flight.bytes -= item.payload.bytes();
                }
            }
            match in_flight.wake_at {
                Some((bytes, objects)) => {
                    let wake = in_flight.objects.is_empty()
                        || (in_flight.bytes <= bytes && in_flight.objects.len() <= objects);
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
