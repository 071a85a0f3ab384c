//! Streaming changegroup reader (versions 01, 02 and 03; spec 8.3,
//! `hg help internals.changegroups`).
//!
//! A changegroup is a changeset group, a manifest group, then for each file
//! a file-name chunk followed by the file's group, and an empty chunk. A
//! group is a sequence of revision chunks ended by an empty chunk. A chunk
//! is a big-endian `u32` length *including* its 4 bytes, then the payload;
//! length 0 is the empty chunk and lengths 1 to 4 are invalid (as in
//! Mercurial, which also rejects lengths of 2 GiB and more).
//!
//! The reader holds one chunk at a time, in a buffer reused from chunk to
//! chunk; it grows as data actually arrives, so a corrupt length cannot
//! make it allocate more than the input holds. Errors name the byte offset
//! in the changegroup stream (the data handed to the reader).
//!
//! Version 03 always has a tree manifests segment between the manifest
//! group and the files (as Mercurial's cg3 packer and unpacker do, whether
//! or not the bundle2 `treemanifest` parameter is set): a list of
//! directory groups ended by an empty chunk; for flat manifests the list
//! is empty. Tree manifest directory groups come out of
//! [`ChangegroupReader::next_file`] like files, with names ending in `/`,
//! and [`ChangegroupReader::group`] tells them apart.
//!
//! Limitations: version 04 (sidedata) is not supported.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use super::{FormatError, HgNode};

/// Changegroup format version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CgVersion {
    /// `01`: 80-byte headers, implicit delta base.
    V1,
    /// `02`: 100-byte headers with an explicit delta base.
    V2,
    /// `03`: 102-byte headers, with revision flags.
    V3,
}

impl CgVersion {
    /// The version string used in bundle2 and the wire protocol.
    pub fn as_str(self) -> &'static str {
        match self {
            CgVersion::V1 => "01",
            CgVersion::V2 => "02",
            CgVersion::V3 => "03",
        }
    }

    /// Size of a revision chunk header.
    pub fn header_len(self) -> usize {
        match self {
            CgVersion::V1 => 80,
            CgVersion::V2 => 100,
            CgVersion::V3 => 102,
        }
    }
}

impl FromStr for CgVersion {
    type Err = FormatError;

    /// Parses `01`, `02` or `03`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "01" => Ok(CgVersion::V1),
            "02" => Ok(CgVersion::V2),
            "03" => Ok(CgVersion::V3),
            _ => Err(FormatError::UnknownChangegroupVersion(s.to_string())),
        }
    }
}

impl fmt::Display for CgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Revision flag: censored revision (its text was replaced).
pub const FLAG_CENSORED: u16 = 1 << 15;
/// Revision flag: ellipsis revision (its hash does not match its data).
pub const FLAG_ELLIPSIS: u16 = 1 << 14;
/// Revision flag: text stored externally (LFS).
pub const FLAG_EXTSTORED: u16 = 1 << 13;
/// Revision flag: carries copy information.
pub const FLAG_HASCOPIESINFO: u16 = 1 << 12;

/// One revision of a group.
#[derive(Clone, Copy, Debug)]
pub struct RevisionChunk<'a> {
    /// The revision's node.
    pub node: HgNode,
    /// First parent.
    pub p1: HgNode,
    /// Second parent.
    pub p2: HgNode,
    /// The revision the delta applies to (NULL: the empty text). Explicit
    /// in versions 02 and 03; for 01 the previous revision of the same
    /// group, or `p1` for the first one.
    pub delta_base: HgNode,
    /// The changeset this revision belongs to.
    pub linknode: HgNode,
    /// Revision flags (`FLAG_*`; always 0 before version 03).
    pub flags: u16,
    /// The delta (hunks, see [`crate::hg::mdiff`]).
    pub delta: &'a [u8],
    /// Byte offset of the chunk (its length field) in the changegroup.
    pub offset: u64,
}

/// The group being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The changeset group.
    Changesets,
    /// The (root) manifest group.
    Manifests,
    /// A tree manifest directory's group (name from
    /// [`ChangegroupReader::current_file`]).
    TreeManifest,
    /// A file's group (name from [`ChangegroupReader::current_file`]).
    File,
    /// Between groups: call [`ChangegroupReader::next_file`].
    BetweenFiles,
    /// The end of the changegroup was read.
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Group(Group),
    /// Between tree manifest directory groups.
    BetweenTrees,
}

/// Reads a changegroup from a stream, one revision chunk at a time.
pub struct ChangegroupReader<R> {
    reader: R,
    version: CgVersion,
    state: State,
    offset: u64,
    buf: Vec<u8>,
    /// Previous node of the current group (version 01 delta base).
    prev: Option<HgNode>,
    file: Vec<u8>,
}

impl<R: Read> ChangegroupReader<R> {
    /// A reader of a changegroup of the given version from `reader`.
    pub fn new(reader: R, version: CgVersion) -> Self {
        ChangegroupReader {
            reader,
            version,
            state: State::Group(Group::Changesets),
            offset: 0,
            buf: Vec::new(),
            prev: None,
            file: Vec::new(),
        }
    }

    /// Counts byte offsets from `offset` rather than 0, for a changegroup
    /// found at that offset of a larger stream.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The changegroup version.
    pub fn version(&self) -> CgVersion {
        self.version
    }

    /// Bytes of changegroup read so far: the offset of the next chunk.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The group being read.
    pub fn group(&self) -> Group {
        match self.state {
            State::Group(g) => g,
            State::BetweenTrees => Group::BetweenFiles,
        }
    }

    /// The name of the current file (or tree manifest directory), as
    /// returned by the last [`ChangegroupReader::next_file`].
    pub fn current_file(&self) -> Option<&[u8]> {
        match self.state {
            State::Group(Group::File | Group::TreeManifest) => Some(&self.file),
            _ => None,
        }
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// The next revision of the current group: changesets first, then
    /// manifests, then the file (or tree manifest directory) opened by
    /// [`ChangegroupReader::next_file`]. `Ok(None)` at the end of the group
    /// (the next call then reads the next group), and when no group is open.
    pub fn next_revision(&mut self) -> Result<Option<RevisionChunk<'_>>, FormatError> {
        let State::Group(group) = self.state else {
            return Ok(None);
        };
        let what = match group {
            Group::Changesets => "changeset chunk",
            Group::Manifests => "manifest chunk",
            Group::TreeManifest => "tree manifest chunk",
            Group::File => "file revision chunk",
            Group::BetweenFiles | Group::End => return Ok(None),
        };
        let start = self.offset;
        if !self.read_chunk(what)? {
            self.prev = None;
            self.state = match group {
                Group::Changesets => State::Group(Group::Manifests),
                Group::Manifests if self.version == CgVersion::V3 => State::BetweenTrees,
                Group::TreeManifest => State::BetweenTrees,
                _ => State::Group(Group::BetweenFiles),
            };
            return Ok(None);
        }
        let header_len = self.version.header_len();
        let Some((header, delta)) = self.buf.split_at_checked(header_len) else {
            return Err(FormatError::BadLength {
                what,
                len: self.buf.len() as u64 + 4,
                offset: start,
            });
        };
        let node_at = |i: usize| {
            let mut n = [0u8; 20];
            n.copy_from_slice(&header[i..i + 20]);
            HgNode(n)
        };
        let (node, p1, p2) = (node_at(0), node_at(20), node_at(40));
        let (delta_base, linknode, flags) = match self.version {
            CgVersion::V1 => (self.prev.unwrap_or(p1), node_at(60), 0),
            CgVersion::V2 => (node_at(60), node_at(80), 0),
            CgVersion::V3 => (
                node_at(60),
                node_at(80),
                u16::from_be_bytes([header[100], header[101]]),
            ),
        };
        self.prev = Some(node);
        Ok(Some(RevisionChunk {
            node,
            p1,
            p2,
            delta_base,
            linknode,
            flags,
            delta,
            offset: start,
        }))
    }

    /// Moves to the next file: skips what is left of the current group
    /// (and of the changeset and manifest groups if they were not read),
    /// then reads the next file name. `Ok(None)` at the end of the
    /// changegroup. With tree manifests, the directories come first, with
    /// names ending in `/`.
    pub fn next_file(&mut self) -> Result<Option<&[u8]>, FormatError> {
        loop {
            match self.state {
                State::Group(Group::End) => return Ok(None),
                State::Group(Group::BetweenFiles) | State::BetweenTrees => {
                    let trees = self.state == State::BetweenTrees;
                    let what = if trees {
                        "tree manifest directory chunk"
                    } else {
                        "file name chunk"
                    };
                    if !self.read_chunk(what)? {
                        if trees {
                            self.state = State::Group(Group::BetweenFiles);
                            continue;
                        }
                        self.state = State::Group(Group::End);
                        return Ok(None);
                    }
                    std::mem::swap(&mut self.file, &mut self.buf);
                    self.prev = None;
                    self.state = State::Group(if trees {
                        Group::TreeManifest
                    } else {
                        Group::File
                    });
                    return Ok(Some(&self.file));
                }
                State::Group(_) => while self.next_revision()?.is_some() {},
            }
        }
    }

    /// Reads what is left of the changegroup, checking its framing only.
    pub fn skip_to_end(&mut self) -> Result<(), FormatError> {
        while self.next_file()?.is_some() {}
        Ok(())
    }

    /// Reads a chunk into `self.buf`; false for the empty chunk.
    fn read_chunk(&mut self, what: &'static str) -> Result<bool, FormatError> {
        let start = self.offset;
        let mut len = [0u8; 4];
        self.reader
            .read_exact(&mut len)
            .map_err(|e| FormatError::from_io(e, what, start))?;
        self.offset += 4;
        let len = u32::from_be_bytes(len);
        if len == 0 {
            return Ok(false);
        }
        if len <= 4 || len > i32::MAX as u32 {
            return Err(FormatError::BadLength {
                what,
                len: len.into(),
                offset: start,
            });
        }
        let body = u64::from(len - 4);
        self.buf.clear();
        // Grow with the data actually read, not with the declared length.
        self.buf.reserve((body as usize).min(1 << 20));
        let n = (&mut self.reader)
            .take(body)
            .read_to_end(&mut self.buf)
            .map_err(|e| FormatError::from_io(e, what, start))?;
        self.offset += n as u64;
        if (n as u64) < body {
            return Err(FormatError::Truncated {
                what,
                offset: start,
            });
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(out: &mut Vec<u8>, payload: &[u8]) {
        out.extend_from_slice(&(payload.len() as u32 + 4).to_be_bytes());
        out.extend_from_slice(payload);
    }

    fn rev(out: &mut Vec<u8>, version: CgVersion, nodes: &[u8], delta: &[u8]) {
        let mut p = Vec::new();
        for &n in nodes {
            p.extend_from_slice(&[n; 20]);
        }
        if version == CgVersion::V3 {
            p.extend_from_slice(&[0x80, 0x01]);
        }
        p.extend_from_slice(delta);
        chunk(out, &p);
    }

    fn sample(version: CgVersion) -> Vec<u8> {
        let mut cg = Vec::new();
        let n = |v1: &[u8], v2: &[u8]| -> Vec<u8> {
            if version == CgVersion::V1 {
                v1.to_vec()
            } else {
                v2.to_vec()
            }
        };
        rev(&mut cg, version, &n(&[1, 0, 0, 1], &[1, 0, 0, 0, 1]), b"d1");
        rev(&mut cg, version, &n(&[2, 1, 0, 2], &[2, 1, 0, 1, 2]), b"d2");
        cg.extend_from_slice(&[0; 4]);
        rev(&mut cg, version, &n(&[3, 0, 0, 1], &[3, 0, 0, 0, 1]), b"m");
        cg.extend_from_slice(&[0; 4]);
        if version == CgVersion::V3 {
            // No tree manifests.
            cg.extend_from_slice(&[0; 4]);
        }
        chunk(&mut cg, b"foo");
        rev(&mut cg, version, &n(&[4, 9, 0, 1], &[4, 9, 0, 9, 1]), b"f");
        rev(&mut cg, version, &n(&[5, 4, 0, 2], &[5, 4, 0, 4, 2]), b"");
        cg.extend_from_slice(&[0; 4]);
        chunk(&mut cg, b"bar");
        cg.extend_from_slice(&[0; 4]);
        cg.extend_from_slice(&[0; 4]);
        cg
    }

    #[test]
    fn read_all_versions() {
        for version in [CgVersion::V1, CgVersion::V2, CgVersion::V3] {
            let data = sample(version);
            let mut r = ChangegroupReader::new(&data[..], version);
            assert_eq!(r.group(), Group::Changesets);
            let c = r.next_revision().unwrap().unwrap();
            assert_eq!(c.node, HgNode([1; 20]));
            assert_eq!(c.delta_base, HgNode::NULL);
            assert_eq!(c.linknode, HgNode([1; 20]));
            assert_eq!(c.delta, b"d1");
            assert_eq!(c.offset, 0);
            let flags = if version == CgVersion::V3 { 0x8001 } else { 0 };
            assert_eq!(c.flags, flags);
            let c = r.next_revision().unwrap().unwrap();
            assert_eq!(c.delta_base, HgNode([1; 20]));
            assert_eq!(c.linknode, HgNode([2; 20]));
            assert!(r.next_revision().unwrap().is_none());
            assert_eq!(r.group(), Group::Manifests);
            let c = r.next_revision().unwrap().unwrap();
            assert_eq!(c.node, HgNode([3; 20]));
            assert!(r.next_revision().unwrap().is_none());
            assert!(r.next_revision().unwrap().is_none());
            assert_eq!(r.group(), Group::BetweenFiles);
            assert_eq!(r.next_file().unwrap(), Some(&b"foo"[..]));
            assert_eq!(r.current_file(), Some(&b"foo"[..]));
            let c = r.next_revision().unwrap().unwrap();
            // Version 01: the first delta base is p1.
            assert_eq!(c.delta_base, HgNode([9; 20]));
            let c = r.next_revision().unwrap().unwrap();
            assert_eq!(c.delta_base, HgNode([4; 20]));
            assert_eq!(c.delta, b"");
            assert!(r.next_revision().unwrap().is_none());
            assert_eq!(r.next_file().unwrap(), Some(&b"bar"[..]));
            assert_eq!(r.next_file().unwrap(), None);
            assert_eq!(r.group(), Group::End);
            assert_eq!(r.offset(), data.len() as u64);
            assert_eq!(r.next_file().unwrap(), None);
        }
    }

    #[test]
    fn next_file_skips_groups() {
        let data = sample(CgVersion::V2);
        let mut r = ChangegroupReader::new(&data[..], CgVersion::V2);
        assert_eq!(r.next_file().unwrap(), Some(&b"foo"[..]));
        assert_eq!(r.next_file().unwrap(), Some(&b"bar"[..]));
        assert_eq!(r.next_file().unwrap(), None);
    }

    #[test]
    fn tree_manifests() {
        let v = CgVersion::V3;
        let mut cg = Vec::new();
        cg.extend_from_slice(&[0; 4]); // no changesets
        cg.extend_from_slice(&[0; 4]); // no manifests
        chunk(&mut cg, b"dir/");
        rev(&mut cg, v, &[7, 0, 0, 0, 1], b"t");
        cg.extend_from_slice(&[0; 4]);
        cg.extend_from_slice(&[0; 4]); // end of tree manifests
        chunk(&mut cg, b"dir/file");
        cg.extend_from_slice(&[0; 4]);
        cg.extend_from_slice(&[0; 4]);
        let mut r = ChangegroupReader::new(&cg[..], v);
        assert_eq!(r.next_file().unwrap(), Some(&b"dir/"[..]));
        assert_eq!(r.group(), Group::TreeManifest);
        assert_eq!(r.next_revision().unwrap().unwrap().node, HgNode([7; 20]));
        assert_eq!(r.next_file().unwrap(), Some(&b"dir/file"[..]));
        assert_eq!(r.group(), Group::File);
        assert_eq!(r.next_file().unwrap(), None);
    }

    #[test]
    fn bad_chunks() {
        for len in 1u32..=4 {
            let mut data = len.to_be_bytes().to_vec();
            data.extend_from_slice(&[0; 8]);
            let mut r = ChangegroupReader::new(&data[..], CgVersion::V1);
            let e = r.next_revision().unwrap_err();
            assert!(matches!(e, FormatError::BadLength { offset: 0, .. }), "{e}");
        }
        // Shorter than the header.
        let mut data = Vec::new();
        chunk(&mut data, &[0; 79]);
        let e = ChangegroupReader::new(&data[..], CgVersion::V1)
            .next_revision()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("invalid changeset chunk length 83 at byte offset 0"),
            "{e}"
        );
        // Past the end of the stream, with a huge length.
        let data = [0x7f, 0xff, 0xff, 0xff, 1, 2, 3];
        let e = ChangegroupReader::new(&data[..], CgVersion::V2)
            .next_revision()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("truncated changeset chunk at byte offset 0"),
            "{e}"
        );
        // Negative as a signed length.
        let data = [0xff, 0xff, 0xff, 0xff];
        let e = ChangegroupReader::new(&data[..], CgVersion::V2)
            .next_revision()
            .unwrap_err();
        assert!(matches!(e, FormatError::BadLength { .. }), "{e}");
        // Truncated at every offset.
        let data = sample(CgVersion::V2);
        for cut in 0..data.len() {
            let mut r = ChangegroupReader::new(&data[..cut], CgVersion::V2);
            let mut result = Ok(());
            while r.group() != Group::End {
                let step = match r.group() {
                    Group::BetweenFiles => r.next_file().map(|_| ()),
                    _ => r.next_revision().map(|_| ()),
                };
                if let Err(e) = step {
                    result = Err(e);
                    break;
                }
            }
            let e = result.unwrap_err();
            assert!(matches!(e, FormatError::Truncated { .. }), "cut {cut}: {e}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!("02".parse::<CgVersion>().unwrap(), CgVersion::V2);
        assert!("04".parse::<CgVersion>().is_err());
        assert_eq!(CgVersion::V3.to_string(), "03");
    }
}
