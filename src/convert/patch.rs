//! The `patch` field of changeset metadata: byte hunks that turn a rebuilt
//! changeset text into the original, percent-encoded.

use percent_encoding::{percent_decode, percent_encode, NON_ALPHANUMERIC};

use crate::hg::FormatError;

/// One replacement: bytes `start..end` of the old text become `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchHunk {
    pub start: usize,
    pub end: usize,
    pub data: Vec<u8>,
}

/// Computes the hunks turning `old` into `new`: a line diff, then each hunk
/// shrunk by the bytes its old and new sides have in common at both ends.
pub fn text_patch(old: &[u8], new: &[u8]) -> Vec<PatchHunk> {
    line_hunks(old, new)
        .into_iter()
        .map(|(start, end, data)| shrink(old, start, end, data))
        .collect()
}

fn shrink(old: &[u8], mut start: usize, mut end: usize, data: &[u8]) -> PatchHunk {
    let mut data = data;
    while start < end && !data.is_empty() && old[start] == data[0] {
        start += 1;
        data = &data[1..];
    }
    while start < end && !data.is_empty() && old[end - 1] == data[data.len() - 1] {
        end -= 1;
        data = &data[..data.len() - 1];
    }
    PatchHunk {
        start,
        end,
        data: data.to_vec(),
    }
}

/// Line hunks `(start byte, end byte, new bytes)` between two texts.
fn line_hunks<'a>(old: &[u8], new: &'a [u8]) -> Vec<(usize, usize, &'a [u8])> {
    let ol = split_lines(old);
    let nl = split_lines(new);
    let ops = diff_lines(&ol, &nl);
    ops.into_iter()
        .map(|(o0, o1, n0, n1)| {
            let start = ol[..o0].iter().map(|l| l.len()).sum::<usize>();
            let end = start + ol[o0..o1].iter().map(|l| l.len()).sum::<usize>();
            let nstart = nl[..n0].iter().map(|l| l.len()).sum::<usize>();
            let nend = nstart + nl[n0..n1].iter().map(|l| l.len()).sum::<usize>();
            (start, end, &new[nstart..nend])
        })
        .collect()
}

/// Differing line ranges `(old start, old end, new start, new end)`.
// TODO: use the shared line diff of hg::mdiff once it lands.
fn diff_lines(old: &[&[u8]], new: &[&[u8]]) -> Vec<(usize, usize, usize, usize)> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if prefix == old.len() && prefix == new.len() {
        return Vec::new();
    }
    vec![(prefix, old.len() - suffix, prefix, new.len() - suffix)]
}

fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&b| b == b'\n').collect()
}

/// Encodes hunks as `start,end,data` joined by NUL, data percent-encoded
/// (every byte but ASCII alphanumerics as `%XX`).
pub fn encode_patch(hunks: &[PatchHunk]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, h) in hunks.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(format!("{},{},", h.start, h.end).as_bytes());
        for part in percent_encode(&h.data, NON_ALPHANUMERIC) {
            out.extend_from_slice(part.as_bytes());
        }
    }
    out
}

/// Parses an encoded patch.
pub fn parse_patch(patch: &[u8]) -> Result<Vec<PatchHunk>, FormatError> {
    let bad = || FormatError::Invalid("invalid patch in changeset metadata".into());
    patch
        .split(|&b| b == 0)
        .map(|h| {
            let mut parts = h.splitn(3, |&b| b == b',');
            let num = |p: Option<&[u8]>| -> Result<usize, FormatError> {
                std::str::from_utf8(p.ok_or_else(bad)?)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(bad)
            };
            let start = num(parts.next())?;
            let end = num(parts.next())?;
            let data = strict_percent_decode(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
            Ok(PatchHunk { start, end, data })
        })
        .collect()
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex
/// digits.
fn strict_percent_decode(data: &[u8]) -> Option<Vec<u8>> {
    let valid = data.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || data
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    valid.then(|| percent_decode(data).collect())
}

/// Applies hunks (ordered, within bounds) to a text.
pub fn apply_patch(old: &[u8], hunks: &[PatchHunk]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(old.len());
    let mut pos = 0;
    for h in hunks {
        if h.start < pos || h.end < h.start || h.end > old.len() {
            return None;
        }
        out.extend_from_slice(&old[pos..h.start]);
        out.extend_from_slice(&h.data);
        pos = h.end;
    }
    out.extend_from_slice(&old[pos..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let old = b"line1\nline2\nb\n";
        let new = b"line1\nLINE2\nb";
        let hunks = text_patch(old, new);
        let enc = encode_patch(&hunks);
        assert_eq!(apply_patch(old, &parse_patch(&enc).unwrap()).unwrap(), new);
    }

    #[test]
    fn collision_byte() {
        let hunks = text_patch(b"x\n\nb\n", b"x\n\nb");
        assert_eq!(encode_patch(&hunks), b"4,5,");
    }

    #[test]
    fn encoding() {
        // Every byte but ASCII letters and digits is escaped, in uppercase.
        let all: Vec<u8> = (0..=255).collect();
        let hunk = PatchHunk {
            start: 1,
            end: 2,
            data: all.clone(),
        };
        let mut expected = b"1,2,".to_vec();
        for &b in &all {
            if b.is_ascii_alphanumeric() {
                expected.push(b);
            } else {
                expected.extend_from_slice(format!("%{b:02X}").as_bytes());
            }
        }
        let encoded = encode_patch(std::slice::from_ref(&hunk));
        assert_eq!(encoded, expected);
        assert_eq!(parse_patch(&encoded).unwrap(), vec![hunk]);
        assert_eq!(parse_patch(b"0,0,%0a%0A").unwrap()[0].data, b"\n\n");
        for bad in [
            &b"0,0,%"[..],
            b"0,0,%4",
            b"0,0,%zz",
            b"0,0,a%4g",
            b"0,x,",
            b"0,1",
        ] {
            assert!(
                parse_patch(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
