//! hg changesets ⇄ git commits: the commit's signatures and message, the
//! git2hg note ("changeset metadata") that keeps what git cannot hold, and
//! the exact rebuild of the changeset text from both.

use crate::hg::changeset::{parse_extra, serialize_extra, unescape_extra, Changeset, ExtraItem};
use crate::hg::{FormatError, HgNode};

use super::authorship::Authorship;
use super::patch::{apply_patch, encode_patch, parse_patch, text_patch};

/// The git side of a changeset: author and committer lines, and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitSignatures {
    pub author: Vec<u8>,
    pub committer: Vec<u8>,
}

/// Computes the git author and committer of a changeset (spec 3.3).
pub fn signatures(node: HgNode, cs: &Changeset) -> Result<CommitSignatures, FormatError> {
    let author =
        Authorship::from_hg(&cs.user, &cs.time, &cs.tz).ok_or_else(|| FormatError::Malformed {
            kind: "changeset",
            node,
            reason: format!(
                "unsupported date {:?} {:?}",
                String::from_utf8_lossy(&cs.time),
                String::from_utf8_lossy(&cs.tz)
            ),
        })?;
    let git_author = author.to_git();
    let committer = match cs.extra_value(b"committer") {
        Some(c) if c.ends_with(b">") => Authorship {
            who: c,
            ..author.clone()
        }
        .to_git(),
        Some(c) => match Authorship::from_hg_str(&c) {
            Some(a) => a.to_git(),
            None => git_author.clone(),
        },
        None => git_author.clone(),
    };
    Ok(CommitSignatures {
        author: git_author,
        committer,
    })
}

/// The git2hg note of a changeset commit (spec 3.6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangesetNote {
    pub changeset: HgNode,
    pub manifest: HgNode,
    /// The raw hg user, when the git author does not give it back.
    pub author: Option<Vec<u8>>,
    /// Extra items (escaped), sorted by key, NUL-joined.
    pub extra: Option<Vec<u8>>,
    /// The files list, when the changeset has one.
    pub files: Option<Vec<Vec<u8>>>,
    /// Encoded hunks turning the rebuilt text into the original.
    pub patch: Option<Vec<u8>>,
}

impl ChangesetNote {
    /// Computes the note for a changeset that became a commit with these
    /// signatures and message (which may carry collision bytes).
    pub fn new(
        node: HgNode,
        cs: &Changeset,
        raw: &[u8],
        sigs: &CommitSignatures,
        message: &[u8],
    ) -> ChangesetNote {
        let git_author = Authorship::from_git(&sigs.author);
        let author = match &git_author {
            Some(a) if a.who == cs.user => None,
            _ => Some(cs.user.clone()),
        };
        let recomputed_committer = Authorship::from_git(&sigs.committer).map(|c| c.to_hg_str());
        let extra = cs.extra.as_deref().and_then(|extra| {
            let mut items: Vec<ExtraItem<'_>> = parse_extra(extra)
                .into_iter()
                .filter(|i| {
                    i.key != b"committer" || Some(unescape_extra(i.value)) != recomputed_committer
                })
                .collect();
            if items.is_empty() {
                return None;
            }
            let mut out = Vec::new();
            serialize_extra(&mut items, &mut out);
            Some(out)
        });
        let mut note = ChangesetNote {
            changeset: node,
            manifest: cs.manifest,
            author,
            extra,
            files: (!cs.files.is_empty()).then(|| cs.files.clone()),
            patch: None,
        };
        let rebuilt = note.rebuild_unpatched(sigs, message);
        if rebuilt != raw {
            note.patch = Some(encode_patch(&text_patch(&rebuilt, raw)));
        }
        note
    }

    /// Serializes the note blob: lines joined by LF, no trailing LF.
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = b"changeset ".to_vec();
        self.changeset.write_hex(&mut out);
        if !self.manifest.is_null() {
            out.extend_from_slice(b"\nmanifest ");
            self.manifest.write_hex(&mut out);
        }
        if let Some(author) = &self.author {
            out.extend_from_slice(b"\nauthor ");
            out.extend_from_slice(author);
        }
        if let Some(extra) = &self.extra {
            out.extend_from_slice(b"\nextra ");
            out.extend_from_slice(extra);
        }
        if let Some(files) = &self.files {
            out.extend_from_slice(b"\nfiles ");
            out.extend_from_slice(&files.join(&b"\0"[..]));
        }
        if let Some(patch) = &self.patch {
            out.extend_from_slice(b"\npatch ");
            out.extend_from_slice(patch);
        }
        out
    }

    /// Parses a note blob; lines may come in any order, unknown keys are
    /// refused.
    pub fn parse(blob: &[u8]) -> Result<ChangesetNote, FormatError> {
        let bad = |why: &str| FormatError::Invalid(format!("invalid changeset metadata: {why}"));
        let mut note = ChangesetNote::default();
        let mut has_changeset = false;
        for line in blob.split(|&b| b == b'\n') {
            let sp = memchr::memchr(b' ', line).ok_or_else(|| bad("line without value"))?;
            let (key, value) = (&line[..sp], &line[sp + 1..]);
            match key {
                b"changeset" => {
                    note.changeset = HgNode::from_hex(value).map_err(|_| bad("changeset"))?;
                    has_changeset = true;
                }
                b"manifest" => {
                    note.manifest = HgNode::from_hex(value).map_err(|_| bad("manifest"))?
                }
                b"author" => note.author = Some(value.to_vec()),
                b"extra" => note.extra = Some(value.to_vec()),
                b"files" => {
                    note.files = Some(value.split(|&b| b == 0).map(<[u8]>::to_vec).collect())
                }
                b"patch" => note.patch = Some(value.to_vec()),
                _ => return Err(bad("unknown key")),
            }
        }
        if !has_changeset {
            return Err(bad("no changeset"));
        }
        Ok(note)
    }

    /// Rebuilds the exact changeset text from the commit (spec 3.7).
    pub fn rebuild(&self, sigs: &CommitSignatures, message: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut text = self.rebuild_unpatched(sigs, message);
        if let Some(patch) = &self.patch {
            let hunks = parse_patch(patch)?;
            text = apply_patch(&text, &hunks).ok_or_else(|| {
                FormatError::Invalid(format!("changeset {} has a bad patch", self.changeset))
            })?;
        }
        Ok(text)
    }

    fn rebuild_unpatched(&self, sigs: &CommitSignatures, message: &[u8]) -> Vec<u8> {
        let author = Authorship::from_git(&sigs.author).unwrap_or(Authorship {
            who: Vec::new(),
            time: 0,
            utcoffset: 0,
        });
        let mut text = Vec::with_capacity(128 + message.len());
        self.manifest.write_hex(&mut text);
        text.push(b'\n');
        text.extend_from_slice(self.author.as_deref().unwrap_or(&author.who));
        text.push(b'\n');
        text.extend_from_slice(format!("{} {}", author.time, author.utcoffset).as_bytes());
        let mut items = self.extra.as_deref().map(parse_extra).unwrap_or_default();
        let committer;
        if !items.iter().any(|i| i.key == b"committer") && sigs.author != sigs.committer {
            if let Some(c) = Authorship::from_git(&sigs.committer) {
                committer = crate::hg::changeset::escape_extra(&c.to_hg_str());
                items.push(ExtraItem {
                    key: b"committer",
                    value: &committer,
                });
            }
        }
        if !items.is_empty() {
            text.push(b' ');
            serialize_extra(&mut items, &mut text);
        }
        if let Some(files) = &self.files {
            let mut files: Vec<&Vec<u8>> = files.iter().collect();
            files.sort();
            for f in files {
                text.push(b'\n');
                text.extend_from_slice(f);
            }
        }
        text.extend_from_slice(b"\n\n");
        text.extend_from_slice(message);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(hex: &str) -> HgNode {
        HgNode::from_hex(hex.as_bytes()).unwrap()
    }

    #[test]
    fn simple_changeset() {
        let raw = b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nnobody\n0 0\na\n\na";
        let n = node("f92470d7f6966a39dfbced6a525fe81ebf5c37b9");
        let cs = Changeset::parse(n, raw).unwrap();
        let sigs = signatures(n, &cs).unwrap();
        assert_eq!(sigs.author, b"nobody <> 0 +0000");
        let note = ChangesetNote::new(n, &cs, raw, &sigs, &cs.description);
        assert_eq!(
            note.serialize(),
            b"changeset f92470d7f6966a39dfbced6a525fe81ebf5c37b9\nmanifest a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nfiles a"
        );
        assert_eq!(ChangesetNote::parse(&note.serialize()).unwrap(), note);
        assert_eq!(note.rebuild(&sigs, &cs.description).unwrap(), raw);
    }

    #[test]
    fn branch_extra_and_collision() {
        let raw = b"a539ce0c1a22b0ecf34498f9f5ce8ea56df9ecb7\nnobody\n1 0 branch:foo\nb\n\nb";
        let n = node("97b815fb8d45129120112766f8c69db8e93fbe8f");
        let cs = Changeset::parse(n, raw).unwrap();
        let sigs = signatures(n, &cs).unwrap();
        let note = ChangesetNote::new(n, &cs, raw, &sigs, b"b\n");
        assert_eq!(note.extra.as_deref(), Some(&b"branch:foo"[..]));
        assert!(note.patch.is_some());
        assert_eq!(note.rebuild(&sigs, b"b\n").unwrap(), raw);
    }

    #[test]
    fn unusual_texts_rebuild_exactly() {
        let cases: &[&[u8]] = &[
            b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nFoo Bar (foo@bar)\n5 -3630\nb\na\n\nmsg\n",
            b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nx <y>\n5 0 z:1\0branch:q\0committer:c <d> 7 3600\nb\n\nm",
            b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nx <y>\n5 0 committer:x <y> 5 0\n\nm",
            b"a0c8bcbbb45c63b90b70ad007bf38961f64f2af0\nx <y>\n5 0 committer:C <c>\n\nm",
        ];
        for raw in cases {
            let cs = Changeset::parse(HgNode::NULL, raw).unwrap();
            let sigs = signatures(HgNode::NULL, &cs).unwrap();
            let note = ChangesetNote::new(HgNode::NULL, &cs, raw, &sigs, &cs.description);
            let back = ChangesetNote::parse(&note.serialize()).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&back.rebuild(&sigs, &cs.description).unwrap()),
                String::from_utf8_lossy(raw)
            );
        }
    }
}
