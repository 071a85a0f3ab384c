//! Applying a delta to its base text.

use super::{hunks, DeltaError, DeltaErrorKind, Hunk};

/// Checks every hunk of `delta` against a `base_len`-byte base and returns
/// the length of the patched text.
///
/// The checks are those of [`apply`]: complete framing, `start <= end`,
/// `start >= ` the previous hunk's end, `end <= base_len`.
pub fn patched_len(base_len: usize, delta: &[u8]) -> Result<usize, DeltaError> {
    let mut it = hunks(delta);
    let mut last_end = 0usize;
    let mut len = 0usize;
    loop {
        let index = it.index();
        let offset = it.offset();
        let Some(hunk) = it.next() else { break };
        let Hunk { start, end, data } = hunk?;
        let error = |kind| DeltaError {
            hunk: index,
            offset,
            kind,
        };
        let (s, e) = (start as usize, end as usize);
        if s < last_end {
            return Err(error(DeltaErrorKind::OutOfOrder {
                start,
                // last_end came from a u32.
                previous_end: last_end as u32,
            }));
        }
        if s > e {
            return Err(error(DeltaErrorKind::StartAfterEnd { start, end }));
        }
        if e > base_len {
            return Err(error(DeltaErrorKind::PastEnd { end, base_len }));
        }
        len += (s - last_end) + data.len();
        last_end = e;
    }
    Ok(len + (base_len - last_end))
}

/// Applies `delta` to `base`, leaving the result in `out` (cleared first;
/// its allocation is reused).
///
/// The hunks must be complete, ordered and non-overlapping
/// (`start >= ` previous end), with `start <= end <= base.len()`. On error
/// `out` is left empty.
pub fn apply(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Result<(), DeltaError> {
    out.clear();
    // First pass: validate everything and size the output exactly. The
    // result is at most `base.len() + delta.len()` bytes, so untrusted
    // input cannot make this allocation large.
    let len = patched_len(base.len(), delta)?;
    out.reserve(len);
    let mut last_end = 0usize;
    for hunk in hunks(delta).flatten() {
        let (s, e) = (hunk.start as usize, hunk.end as usize);
        // Validated above: last_end <= s <= e <= base.len().
        out.extend_from_slice(&base[last_end..s]);
        out.extend_from_slice(hunk.data);
        last_end = e;
    }
    out.extend_from_slice(&base[last_end..]);
    debug_assert_eq!(out.len(), len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{write_hunk, DeltaErrorKind};
    use super::*;

    fn delta(hs: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut d = Vec::new();
        for &(s, e, data) in hs {
            write_hunk(&mut d, s, e, data);
        }
        d
    }

    #[test]
    fn apply_hunks() {
        let mut out = b"garbage".to_vec();
        apply(
            b"hello world",
            &delta(&[(0, 5, b"HELLO"), (6, 11, b"there!")]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"HELLO there!");
        apply(b"abc", &[], &mut out).unwrap();
        assert_eq!(out, b"abc");
        apply(b"", &delta(&[(0, 0, b"full")]), &mut out).unwrap();
        assert_eq!(out, b"full");
        apply(b"abc", &delta(&[(1, 1, b"X"), (1, 2, b"")]), &mut out).unwrap();
        assert_eq!(out, b"aXc");
        assert_eq!(patched_len(3, &delta(&[(1, 1, b"X"), (1, 2, b"")])), Ok(3));
    }

    #[test]
    fn reject_bad_hunks() {
        let mut out = Vec::new();
        let e = apply(b"abcdef", &delta(&[(2, 4, b""), (3, 5, b"")]), &mut out).unwrap_err();
        assert_eq!(e.hunk, 1);
        assert_eq!(e.offset, 12);
        assert_eq!(
            e.kind,
            DeltaErrorKind::OutOfOrder {
                start: 3,
                previous_end: 4
            }
        );
        let e = apply(b"abcdef", &delta(&[(4, 2, b"")]), &mut out).unwrap_err();
        assert_eq!(e.kind, DeltaErrorKind::StartAfterEnd { start: 4, end: 2 });
        let e = apply(b"abcdef", &delta(&[(4, 7, b"")]), &mut out).unwrap_err();
        assert_eq!(
            e.kind,
            DeltaErrorKind::PastEnd {
                end: 7,
                base_len: 6
            }
        );
        let e = apply(b"abcdef", &delta(&[(7, 7, b"")]), &mut out).unwrap_err();
        assert_eq!(
            e.kind,
            DeltaErrorKind::PastEnd {
                end: 7,
                base_len: 6
            }
        );
        let e = apply(b"abcdef", &delta(&[(u32::MAX, u32::MAX, b"")]), &mut out).unwrap_err();
        assert!(matches!(e.kind, DeltaErrorKind::PastEnd { .. }));
        assert!(out.is_empty());
        let e = apply(
            b"abcdef",
            &[0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255],
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(e.kind, DeltaErrorKind::TruncatedData { .. }));
        assert!(
            e.to_string().contains("hunk 0 at delta byte offset 0"),
            "{e}"
        );
    }
}
