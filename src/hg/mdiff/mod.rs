//! Mercurial's binary deltas ("mdiff"/"bdiff" patches, spec 1.4).
//!
//! A delta is a sequence of hunks. Each hunk is a 12-byte header of three
//! big-endian `u32` (start, end, length) followed by `length` bytes: the
//! bytes `[start, end)` of the base text are replaced by the hunk's data.
//! Hunks are sorted and do not overlap.
//!
//! - [`hunks`] parses the framing of a delta;
//! - [`apply`] rebuilds a text from its base and a delta, validating the
//!   hunks against the base;
//! - [`diff`] produces a line-based delta between two texts;
//! - [`git_delta`] turns a Mercurial delta into a git pack delta.

mod apply;
mod diff;
mod git_delta;

use std::fmt;

use super::{FormatError, HgNode};

pub use apply::{apply, patched_len};
pub use diff::diff;
pub use git_delta::git_delta;

/// Size of a hunk header: start, end and data length, each a big-endian u32.
pub const HUNK_HEADER_LEN: usize = 12;

/// One hunk of a delta: replace bytes `[start, end)` of the base by `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hunk<'a> {
    /// First replaced byte of the base.
    pub start: u32,
    /// End (exclusive) of the replaced range of the base.
    pub end: u32,
    /// Replacement bytes.
    pub data: &'a [u8],
}

/// What is wrong with a delta.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeltaErrorKind {
    /// Fewer than 12 bytes left for a hunk header.
    TruncatedHeader {
        /// Bytes left in the delta.
        available: usize,
    },
    /// The hunk's data runs past the end of the delta.
    TruncatedData {
        /// Declared data length.
        len: u32,
        /// Bytes left after the header.
        available: usize,
    },
    /// `start > end`.
    StartAfterEnd {
        /// Hunk start.
        start: u32,
        /// Hunk end.
        end: u32,
    },
    /// The hunk starts before the end of the previous one.
    OutOfOrder {
        /// Hunk start.
        start: u32,
        /// End of the previous hunk.
        previous_end: u32,
    },
    /// The hunk ends past the end of the base text.
    PastEnd {
        /// Hunk end.
        end: u32,
        /// Length of the base text.
        base_len: usize,
    },
}

/// A malformed delta: which hunk (0-based), at which byte offset of the
/// delta its header starts, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaError {
    /// Index of the offending hunk.
    pub hunk: usize,
    /// Byte offset of the hunk header in the delta.
    pub offset: usize,
    /// The problem.
    pub kind: DeltaErrorKind,
}

impl DeltaError {
    /// The error as a [`FormatError::BadDelta`] for the revision `node`.
    pub fn for_node(self, node: HgNode) -> FormatError {
        FormatError::BadDelta {
            node,
            reason: self.to_string(),
        }
    }
}

impl fmt::Display for DeltaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hunk {} at delta byte offset {}: ",
            self.hunk, self.offset
        )?;
        match &self.kind {
            DeltaErrorKind::TruncatedHeader { available } => write!(
                f,
                "truncated hunk header ({available} bytes left, {HUNK_HEADER_LEN} needed)"
            ),
            DeltaErrorKind::TruncatedData { len, available } => write!(
                f,
                "hunk data of {len} bytes runs past the end of the delta ({available} bytes left)"
            ),
            DeltaErrorKind::StartAfterEnd { start, end } => {
                write!(f, "start {start} is after end {end}")
            }
            DeltaErrorKind::OutOfOrder {
                start,
                previous_end,
            } => write!(
                f,
                "start {start} is before the end {previous_end} of the previous hunk"
            ),
            DeltaErrorKind::PastEnd { end, base_len } => {
                write!(f, "end {end} is past the end of the {base_len}-byte base")
            }
        }
    }
}

impl std::error::Error for DeltaError {}

/// Iterator over the hunks of a delta; see [`hunks`].
#[derive(Clone, Debug)]
pub struct Hunks<'a> {
    delta: &'a [u8],
    pos: usize,
    index: usize,
    failed: bool,
}

impl<'a> Hunks<'a> {
    /// Byte offset in the delta of the next hunk header.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Index of the next hunk.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<'a> Iterator for Hunks<'a> {
    type Item = Result<Hunk<'a>, DeltaError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.delta.len() {
            return None;
        }
        let rest = &self.delta[self.pos..];
        let error = |kind| DeltaError {
            hunk: self.index,
            offset: self.pos,
            kind,
        };
        let Some((header, tail)) = rest.split_first_chunk::<HUNK_HEADER_LEN>() else {
            self.failed = true;
            return Some(Err(error(DeltaErrorKind::TruncatedHeader {
                available: rest.len(),
            })));
        };
        let field =
            |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (start, end, len) = (field(0), field(4), field(8));
        let Some(data) = tail.get(..len as usize) else {
            self.failed = true;
            return Some(Err(error(DeltaErrorKind::TruncatedData {
                len,
                available: tail.len(),
            })));
        };
        self.pos += HUNK_HEADER_LEN + data.len();
        self.index += 1;
        Some(Ok(Hunk { start, end, data }))
    }
}

impl std::iter::FusedIterator for Hunks<'_> {}

/// Parses the framing of `delta`: its hunks, in order. Only the framing is
/// checked here (header and data within the delta); [`apply`] also checks
/// the hunks against the base. The iterator stops after the first error.
pub fn hunks(delta: &[u8]) -> Hunks<'_> {
    Hunks {
        delta,
        pos: 0,
        index: 0,
        failed: false,
    }
}

/// Appends one hunk (header and data) to `out`.
pub fn write_hunk(out: &mut Vec<u8>, start: u32, end: u32, data: &[u8]) {
    out.extend_from_slice(&start.to_be_bytes());
    out.extend_from_slice(&end.to_be_bytes());
    // Hunk data longer than 4 GiB cannot be represented; callers never build
    // such texts (Mercurial's own limit is 2 GiB per revision).
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
}

/// A delta that replaces the whole of a `base_len`-byte base by `text`
/// (for a full text, `base_len` is 0).
pub fn replace_all(base_len: u32, text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HUNK_HEADER_LEN + text.len());
    write_hunk(&mut out, 0, base_len, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_hunks() {
        let mut d = Vec::new();
        write_hunk(&mut d, 0, 2, b"abc");
        write_hunk(&mut d, 5, 5, b"");
        let hs: Vec<_> = hunks(&d).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            hs,
            vec![
                Hunk {
                    start: 0,
                    end: 2,
                    data: b"abc"
                },
                Hunk {
                    start: 5,
                    end: 5,
                    data: b""
                },
            ]
        );
        assert_eq!(hunks(b"").count(), 0);
    }

    #[test]
    fn truncated_hunks() {
        let mut d = Vec::new();
        write_hunk(&mut d, 0, 2, b"abc");
        let mut t = d.clone();
        t.pop();
        let e = hunks(&t).next().unwrap().unwrap_err();
        assert_eq!(
            e.kind,
            DeltaErrorKind::TruncatedData {
                len: 3,
                available: 2
            }
        );
        d.extend_from_slice(&[0, 0, 0]);
        let mut it = hunks(&d);
        assert!(it.next().unwrap().is_ok());
        let e = it.next().unwrap().unwrap_err();
        assert_eq!(e.hunk, 1);
        assert_eq!(e.offset, 15);
        assert_eq!(e.kind, DeltaErrorKind::TruncatedHeader { available: 3 });
        assert!(it.next().is_none());
        let msg = e.for_node(HgNode::NULL).to_string();
        assert!(
            msg.contains("0000000000000000000000000000000000000000"),
            "{msg}"
        );
        assert!(msg.contains("offset 15"), "{msg}");
    }
}
