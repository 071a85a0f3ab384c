//! Changeset texts: parsing and serializing, and the `extra` field with
//! Mercurial's escaping.

use super::{FormatError, HgNode};

/// A parsed changeset text. Fields keep the raw bytes of the text so that it
/// can be serialized back byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changeset {
    /// The manifest node.
    pub manifest: HgNode,
    /// The user field.
    pub user: Vec<u8>,
    /// The time, as written (normally a decimal integer).
    pub time: Vec<u8>,
    /// The timezone offset in seconds west of UTC, as written.
    pub tz: Vec<u8>,
    /// The escaped extra field, as written, if any.
    pub extra: Option<Vec<u8>>,
    /// The files list, if the text has one.
    pub files: Vec<Vec<u8>>,
    /// The description.
    pub description: Vec<u8>,
}

impl Changeset {
    /// Parses a changeset text the way git-cinnabar does: split once at the
    /// first empty line; the header has at most four pieces (manifest, user,
    /// date line, files); the date line at most three (time, tz, extra).
    pub fn parse(node: HgNode, text: &[u8]) -> Result<Changeset, FormatError> {
        let malformed = |reason: &str| FormatError::Malformed {
            kind: "changeset",
            node,
            reason: reason.to_string(),
        };
        let split =
            memchr::memmem::find(text, b"\n\n").ok_or_else(|| malformed("no empty line"))?;
        let (header, description) = (&text[..split], &text[split + 2..]);
        let mut pieces = header.splitn(4, |&b| b == b'\n');
        let manifest = pieces.next().ok_or_else(|| malformed("no manifest"))?;
        let manifest = HgNode::from_hex(manifest).map_err(|_| malformed("bad manifest id"))?;
        let user = pieces.next().ok_or_else(|| malformed("no user"))?;
        let date = pieces.next().ok_or_else(|| malformed("no date"))?;
        let files = match pieces.next() {
            Some(rest) => rest.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect(),
            None => Vec::new(),
        };
        let mut date = date.splitn(3, |&b| b == b' ');
        let time = date.next().unwrap_or_default().to_vec();
        let tz = date
            .next()
            .ok_or_else(|| malformed("no timezone"))?
            .to_vec();
        let extra = date.next().map(<[u8]>::to_vec);
        Ok(Changeset {
            manifest,
            user: user.to_vec(),
            time,
            tz,
            extra,
            files,
            description: description.to_vec(),
        })
    }

    /// Serializes the changeset text.
    pub fn serialize(&self, out: &mut Vec<u8>) {
        out.clear();
        self.manifest.write_hex(out);
        out.push(b'\n');
        out.extend_from_slice(&self.user);
        out.push(b'\n');
        out.extend_from_slice(&self.time);
        out.push(b' ');
        out.extend_from_slice(&self.tz);
        if let Some(extra) = &self.extra {
            out.push(b' ');
            out.extend_from_slice(extra);
        }
        for f in &self.files {
            out.push(b'\n');
            out.extend_from_slice(f);
        }
        out.extend_from_slice(b"\n\n");
        out.extend_from_slice(&self.description);
    }

    /// The extra items, still escaped, in the order of the text.
    pub fn extra_items(&self) -> Vec<ExtraItem<'_>> {
        self.extra.as_deref().map(parse_extra).unwrap_or_default()
    }

    /// The unescaped value of an extra key.
    pub fn extra_value(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.extra_items()
            .into_iter()
            .find(|i| i.key == key)
            .map(|i| unescape_extra(i.value))
    }

    /// The branch name (extra `branch`, default `default`).
    pub fn branch(&self) -> Vec<u8> {
        self.extra_value(b"branch")
            .unwrap_or_else(|| b"default".to_vec())
    }

    /// Whether the changeset closes its branch (extra `close`).
    pub fn closes_branch(&self) -> bool {
        self.extra_items().iter().any(|i| i.key == b"close")
    }
}

/// One `key:value` item of an extra field; the value is still escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtraItem<'a> {
    pub key: &'a [u8],
    pub value: &'a [u8],
}

/// Splits an escaped extra field into items (at NUL, each at its first `:`).
/// An item without `:` has an empty value.
pub fn parse_extra(extra: &[u8]) -> Vec<ExtraItem<'_>> {
    extra
        .split(|&b| b == 0)
        .map(|item| match memchr::memchr(b':', item) {
            Some(i) => ExtraItem {
                key: &item[..i],
                value: &item[i + 1..],
            },
            None => ExtraItem {
                key: item,
                value: b"",
            },
        })
        .collect()
}

/// Serializes extra items sorted by key, joined by NUL.
pub fn serialize_extra(items: &mut [ExtraItem<'_>], out: &mut Vec<u8>) {
    items.sort_by(|a, b| a.key.cmp(b.key));
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(item.key);
        out.push(b':');
        out.extend_from_slice(item.value);
    }
}

/// Escapes an extra value: `\` `\n` `\r` and NUL.
pub fn escape_extra(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0 => out.extend_from_slice(b"\\0"),
            _ => out.push(b),
        }
    }
    out
}

/// Reverses [`escape_extra`]. Unknown escapes are kept as they are.
pub fn unescape_extra(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut iter = value.iter().copied();
    while let Some(b) = iter.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match iter.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b'0') => out.push(0),
            Some(c) => out.extend_from_slice(&[b'\\', c]),
            None => out.push(b'\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nnobody\n0 0\na\n\na";

    #[test]
    fn parse_and_serialize() {
        let node = HgNode::from_hex(b"f92470d7f6966a39dfbced6a525fe81ebf5c37b9").unwrap();
        let cs = Changeset::parse(node, A).unwrap();
        assert_eq!(cs.user, b"nobody");
        assert_eq!(cs.files, vec![b"a".to_vec()]);
        assert_eq!(cs.description, b"a");
        assert_eq!(cs.branch(), b"default");
        let mut out = Vec::new();
        cs.serialize(&mut out);
        assert_eq!(out, A);
        assert_eq!(HgNode::hash(&HgNode::NULL, &HgNode::NULL, &out), node);
    }

    #[test]
    fn extra_and_no_files() {
        let text = b"0000000000000000000000000000000000000000\nu\n1 -3600 branch:foo\0close:1\n\n";
        let cs = Changeset::parse(HgNode::NULL, text).unwrap();
        assert!(cs.files.is_empty());
        assert_eq!(cs.branch(), b"foo");
        assert!(cs.closes_branch());
        assert_eq!(cs.description, b"");
        let mut out = Vec::new();
        cs.serialize(&mut out);
        assert_eq!(out, text);
    }

    #[test]
    fn escaping_round_trips() {
        let v = b"a\\b\nc\rd\0e";
        assert_eq!(unescape_extra(&escape_extra(v)), v);
        assert_eq!(escape_extra(b"x\ny"), b"x\\ny");
    }

    #[test]
    fn malformed() {
        assert!(Changeset::parse(HgNode::NULL, b"garbage").is_err());
        assert!(Changeset::parse(HgNode::NULL, b"zz\nu\n0 0\n\nm").is_err());
        assert!(Changeset::parse(
            HgNode::NULL,
            b"0000000000000000000000000000000000000000\nu\n0\n\nm"
        )
        .is_err());
    }
}
