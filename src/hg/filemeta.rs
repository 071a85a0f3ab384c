//! File revision metadata: `\x01\n<key: value\n…>\x01\n<content>`.

/// The marker that opens and closes the metadata block.
pub const MARKER: &[u8] = b"\x01\n";

/// Splits a file revision text into (metadata, content). The metadata is
/// the bytes between the two markers; `None` when the text has no block.
pub fn split(text: &[u8]) -> (Option<&[u8]>, &[u8]) {
    if let Some(rest) = text.strip_prefix(MARKER) {
        if let Some(end) = memchr::memmem::find(rest, MARKER) {
            return (Some(&rest[..end]), &rest[end + 2..]);
        }
    }
    (None, text)
}

/// Rebuilds a file revision text from its metadata and content.
pub fn join(meta: Option<&[u8]>, content: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if let Some(meta) = meta {
        out.extend_from_slice(MARKER);
        out.extend_from_slice(meta);
        out.extend_from_slice(MARKER);
    }
    out.extend_from_slice(content);
}

/// The value of a metadata key (`copy`, `copyrev`, …).
pub fn get<'a>(meta: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    meta.split(|&b| b == b'\n').find_map(|line| {
        let rest = line.strip_prefix(key)?;
        rest.strip_prefix(b": ")
    })
}

/// The parent pairs a file revision's hash is checked with, in order
/// (spec 5.3): hg may record one parent of a merge, or the first twice.
pub fn parent_candidates(
    p1: super::HgNode,
    p2: super::HgNode,
) -> [(super::HgNode, super::HgNode); 6] {
    let n = super::HgNode::NULL;
    [(p1, p2), (p1, n), (p2, n), (p1, p1), (p2, p2), (n, n)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join() {
        let text = b"\x01\ncopy: a\ncopyrev: 0123\n\x01\ncontent";
        let (meta, content) = split(text);
        assert_eq!(meta, Some(&b"copy: a\ncopyrev: 0123\n"[..]));
        assert_eq!(content, b"content");
        assert_eq!(get(meta.unwrap(), b"copy"), Some(&b"a"[..]));
        let mut out = Vec::new();
        join(meta, content, &mut out);
        assert_eq!(out, text);
        assert_eq!(split(b"plain"), (None, &b"plain"[..]));
        // Empty metadata block (content that starts with the marker).
        assert_eq!(
            split(b"\x01\n\x01\n\x01\nx"),
            (Some(&b""[..]), &b"\x01\nx"[..])
        );
    }
}
