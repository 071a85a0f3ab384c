//! The writer thread of an [`ObjectSink`](super::ObjectSink): compression
//! and writing only.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use super::{Msg, Payload, Shared, BATCH_OBJECTS};
use crate::store::error::{Result, StoreError};
use crate::store::object::ObjectWrite;
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
    while let Ok(msg) = rx.recv() {
        let items = match msg {
            Msg::Writes(items) => items,
            Msg::Finish => return pack.finish(),
        };
        offsets.clear();
        let mut result = Ok(());
        for item in &items {
            result = match &item.payload {
                Payload::Full(data) => {
                    pack.write_hashed(item.oid, item.kind, Cow::Borrowed(&data[..]))
                }
                Payload::Delta { base, size, delta } => {
                    pack.append_planned_delta(item.oid, item.kind, *size, base, delta)
                }
            };
            if result.is_err() {
                break;
            }
            match pack.offset_of(&item.oid) {
                Some(offset) => offsets.push(offset),
                None => {
                    result = Err(StoreError::WriterThread(format!(
                        "{} was not written",
                        item.oid
                    )));
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
