//! Raw commit objects, byte for byte. Author and committer lines are
//! arbitrary bytes here (cinnabar's metadata commits have an empty name,
//! hg users can be anything), which gix's owned commit type refuses; and the
//! message is written as given, with no newline added.

use gix::ObjectId;

use super::error::{Result, StoreError};
use super::object::oid_from_hex;
use crate::util::hex;

/// Builds a commit object's bytes:
/// `tree <hex>\n` `parent <hex>\n`… `author <author>\n`
/// `committer <committer>\n` `\n` `<message>`.
pub fn raw_commit(
    tree: &ObjectId,
    parents: &[ObjectId],
    author: &[u8],
    committer: &[u8],
    message: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        48 + parents.len() * 48 + author.len() + committer.len() + 22 + message.len(),
    );
    out.extend_from_slice(b"tree ");
    hex::encode_into(&mut out, tree.as_slice());
    out.push(b'\n');
    for p in parents {
        out.extend_from_slice(b"parent ");
        hex::encode_into(&mut out, p.as_slice());
        out.push(b'\n');
    }
    out.extend_from_slice(b"author ");
    out.extend_from_slice(author);
    out.extend_from_slice(b"\ncommitter ");
    out.extend_from_slice(committer);
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(message);
    out
}

/// A parsed commit, borrowing from the object's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCommit<'a> {
    /// The tree.
    pub tree: ObjectId,
    /// The parents, in order.
    pub parents: Vec<ObjectId>,
    /// The author line after `author ` (name, email, date), as is.
    pub author: &'a [u8],
    /// The committer line after `committer `, as is.
    pub committer: &'a [u8],
    /// Other headers (`encoding`, `gpgsig`, `mergetag`…), name and value,
    /// continuation lines included in the value (with their `\n `).
    pub extra_headers: Vec<(&'a [u8], &'a [u8])>,
    /// Everything after the first empty line; empty when there is none.
    pub message: &'a [u8],
}

fn malformed(reason: impl Into<String>) -> StoreError {
    StoreError::MalformedCommit(reason.into())
}

fn parse_oid(value: &[u8], what: &str) -> Result<ObjectId> {
    oid_from_hex(value).ok_or_else(|| {
        malformed(format!(
            "bad {what} id {:?}",
            String::from_utf8_lossy(value)
        ))
    })
}

/// Parses a commit object's bytes. Requires `tree` first, then `parent`
/// lines, then exactly one `author` and one `committer`; other headers are
/// kept. A commit without an empty line (cinnabar writes such when a
/// message would be empty) has an empty message.
pub fn parse_commit(data: &[u8]) -> Result<RawCommit<'_>> {
    // Split headers from the message at the first empty line.
    let (headers, message) = if data.starts_with(b"\n") {
        (&data[..0], &data[1..])
    } else {
        match memchr::memmem::find(data, b"\n\n") {
            Some(i) => (&data[..i + 1], &data[i + 2..]),
            None => (data, &data[data.len()..]),
        }
    };
    let mut tree = None;
    let mut parents = Vec::new();
    let mut author = None;
    let mut committer = None;
    let mut extra_headers: Vec<(&[u8], &[u8])> = Vec::new();
    let mut lines = headers.split(|&b| b == b'\n').peekable();
    let mut pos = 0usize;
    while let Some(line) = lines.next() {
        let line_start = pos;
        pos += line.len() + 1;
        if line.is_empty() {
            // Only the last, from the trailing newline of the headers.
            if lines.peek().is_some() {
                return Err(malformed("empty header line"));
            }
            continue;
        }
        if line[0] == b' ' {
            return Err(malformed("continuation line without a header"));
        }
        let (name, value) = match memchr::memchr(b' ', line) {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &line[line.len()..]),
        };
        match name {
            b"tree" => {
                if tree.is_some() || !parents.is_empty() || author.is_some() || line_start != 0 {
                    return Err(malformed("tree must be the first header"));
                }
                tree = Some(parse_oid(value, "tree")?);
            }
            b"parent" => {
                if tree.is_none() || author.is_some() {
                    return Err(malformed("parent out of place"));
                }
                parents.push(parse_oid(value, "parent")?);
            }
            b"author" => {
                if tree.is_none() || author.is_some() {
                    return Err(malformed("author out of place"));
                }
                author = Some(value);
            }
            b"committer" => {
                if author.is_none() || committer.is_some() {
                    return Err(malformed("committer out of place"));
                }
                committer = Some(value);
            }
            _ => {
                // Gather continuation lines (starting with a space).
                let value_start = line_start + name.len() + 1;
                let mut value_end = line_start + line.len();
                while let Some(next) = lines.peek() {
                    if next.first() != Some(&b' ') {
                        break;
                    }
                    value_end = pos + next.len();
                    pos += next.len() + 1;
                    lines.next();
                }
                let value = headers.get(value_start..value_end).unwrap_or_default();
                extra_headers.push((name, value));
            }
        }
    }
    Ok(RawCommit {
        tree: tree.ok_or_else(|| malformed("no tree"))?,
        parents,
        author: author.ok_or_else(|| malformed("no author"))?,
        committer: committer.ok_or_else(|| malformed("no committer"))?,
        extra_headers,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::object::{empty_tree, hash_object};
    use gix::object::Kind;

    const SIG: &[u8] = b" <cinnabar@git> 0 +0000";

    #[test]
    fn files_meta_commit_is_known() {
        // Spec 2.5: an unused files-meta notes tree is this commit.
        let raw = raw_commit(&empty_tree(), &[], SIG, SIG, b"");
        assert_eq!(
            hash_object(Kind::Commit, &raw).to_string(),
            "06960cd44d1ded330aa2b0f99558e319960f11fc"
        );
        assert!(raw.ends_with(b"committer  <cinnabar@git> 0 +0000\n\n"));
    }

    #[test]
    fn round_trip() -> Result<()> {
        let p1 = hash_object(Kind::Commit, b"1");
        let p2 = hash_object(Kind::Commit, b"2");
        let author = b"Foo \xff Bar <foo@bar> 1 -0100";
        let raw = raw_commit(&empty_tree(), &[p1, p2], author, SIG, b"msg\n\nbody");
        let c = parse_commit(&raw)?;
        assert_eq!(c.tree, empty_tree());
        assert_eq!(c.parents, vec![p1, p2]);
        assert_eq!(c.author, &author[..]);
        assert_eq!(c.committer, SIG);
        assert_eq!(c.message, b"msg\n\nbody");
        assert!(c.extra_headers.is_empty());
        Ok(())
    }

    #[test]
    fn no_blank_line_and_extra_headers() -> Result<()> {
        let data = format!(
            "tree {}\nauthor a <b> 0 +0000\ncommitter c <d> 0 +0000\nencoding latin1\ngpgsig -----BEGIN\n line2\n -----END\n\nmessage",
            empty_tree()
        );
        let c = parse_commit(data.as_bytes())?;
        assert_eq!(c.message, b"message");
        assert_eq!(
            c.extra_headers,
            vec![
                (&b"encoding"[..], &b"latin1"[..]),
                (&b"gpgsig"[..], &b"-----BEGIN\n line2\n -----END"[..])
            ]
        );
        let data = format!(
            "tree {}\nauthor a <b> 0 +0000\ncommitter c <d> 0 +0000\n",
            empty_tree()
        );
        let c = parse_commit(data.as_bytes())?;
        assert_eq!(c.message, b"");
        assert_eq!(c.committer, b"c <d> 0 +0000");
        Ok(())
    }

    #[test]
    fn rejects_malformed() {
        let t = empty_tree();
        for data in [
            "".to_string(),
            format!("parent {t}\ntree {t}\nauthor a\ncommitter c\n\n"),
            format!("tree {t}\ncommitter c\n\n"),
            format!("tree {t}\nauthor a\n\n"),
            "tree xyz\nauthor a\ncommitter c\n\n".to_string(),
            format!("tree {t}\nauthor a\nparent {t}\ncommitter c\n\n"),
        ] {
            assert!(parse_commit(data.as_bytes()).is_err(), "{data:?}");
        }
    }
}
