//! A batch of queued objects: their bytes in one arena, recycled.
//!
//! Every object of a batch (or its delta) is appended to the batch's
//! arena and named by a [`Span`] of it, so queueing an object allocates
//! nothing once the arena has grown to its working size. An owned buffer
//! of [`OWN_MIN`] bytes or more is kept as it is instead (moving it costs
//! less than copying it). A written batch goes back to the caller, cleared,
//! to be filled again.

use std::borrow::Cow;

use gix::object::Kind;
use gix::ObjectId;

/// Owned buffers at least this large are kept whole, not copied.
const OWN_MIN: usize = 64 << 10;

/// Where the bytes of an object (or of its delta) are in a [`Batch`]: in
/// the arena (`buf` 0) or in its own buffer (`buf` n is `owned[n - 1]`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    buf: u32,
    start: usize,
    end: usize,
}

/// What is queued of an object: its data, or, when the pack will store
/// it as a delta (the sink decides as the
/// [`PackWriter`](crate::store::pack::PackWriter) would), only the delta:
/// a long text changed a little costs the queue a few bytes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Payload {
    Full(Span),
    Delta {
        base: ObjectId,
        /// The position of `base` in the order of writes, and its pack
        /// type and delta depth.
        base_seq: u32,
        base_type: [u8; 2],
        size: usize,
        delta: Span,
    },
}

/// One object to write.
#[derive(Clone, Copy, Debug)]
pub(super) struct WriteItem {
    pub(super) oid: ObjectId,
    pub(super) kind: Kind,
    pub(super) payload: Payload,
}

/// Objects queued together, sent to the writer thread in one message.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// The position (`seq`) of the first object in the order of writes.
    pub(super) first_seq: usize,
    pub(super) items: Vec<WriteItem>,
    arena: Vec<u8>,
    owned: Vec<Vec<u8>>,
    /// The bytes its objects hold.
    pub(super) bytes: usize,
}

impl Batch {
    pub(super) fn with_capacity(objects: usize) -> Self {
        Batch {
            items: Vec::with_capacity(objects),
            ..Batch::default()
        }
    }

    /// Empties it for reuse, keeping the arena's and list's capacity.
    pub(super) fn clear(&mut self) {
        self.items.clear();
        self.arena.clear();
        self.owned.clear();
        self.bytes = 0;
    }

    /// The arena's capacity: how much a spare batch holds on to.
    pub(super) fn capacity(&self) -> usize {
        self.arena.capacity()
    }

    /// Keeps `data`, copied into the arena or, if owned and large, as it is.
    pub(super) fn keep(&mut self, data: Cow<'_, [u8]>) -> Span {
        self.bytes += data.len();
        match data {
            Cow::Owned(v) if v.len() >= OWN_MIN => {
                let end = v.len();
                self.owned.push(v);
                Span {
                    buf: self.owned.len() as u32,
                    start: 0,
                    end,
                }
            }
            data => {
                let start = self.arena.len();
                self.arena.extend_from_slice(&data);
                Span {
                    buf: 0,
                    start,
                    end: self.arena.len(),
                }
            }
        }
    }

    /// The bytes at `span`, which this batch returned.
    pub(super) fn get(&self, span: Span) -> &[u8] {
        let buf = match span.buf {
            0 => &self.arena,
            n => &self.owned[n as usize - 1],
        };
        &buf[span.start..span.end]
    }

    /// The item at `seq`, if this batch holds it.
    pub(super) fn item(&self, seq: usize) -> Option<&WriteItem> {
        seq.checked_sub(self.first_seq)
            .and_then(|i| self.items.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_name_copied_and_owned_bytes() {
        let mut b = Batch::with_capacity(4);
        let small = b.keep(Cow::Borrowed(b"abc"));
        let small_owned = b.keep(Cow::Owned(b"defg".to_vec()));
        let big = b.keep(Cow::Owned(vec![7u8; OWN_MIN]));
        assert_eq!(b.get(small), b"abc");
        assert_eq!(b.get(small_owned), b"defg");
        assert_eq!(b.get(big).len(), OWN_MIN);
        assert_eq!(b.bytes, 7 + OWN_MIN);
        b.clear();
        assert_eq!(b.bytes, 0);
        assert!(b.capacity() >= 7);
    }
}
