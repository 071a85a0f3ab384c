//! The `patch` field of changeset metadata: byte hunks that turn a rebuilt
//! changeset text into the original, percent-encoded.

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
        for &b in &h.data {
            if b.is_ascii_alphanumeric() {
                out.push(b);
            } else {
                out.extend_from_slice(format!("%{b:02X}").as_bytes());
            }
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
            let data = percent_decode(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
            Ok(PatchHunk { start, end, data })
        })
        .collect()
}

fn percent_decode(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%' {
            let hex = data.get(i + 1..i + 3)?;
            let mut b = [0u8];
            if !crate::hg::node::decode_hex(hex, &mut b) {
                return None;
            }
            out.push(b[0]);
            i += 3;
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    Some(out)
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
}
