//! Writing bundles: bundle2 with parts, bundle1, and the changegroups
//! inside them.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use super::bundle2::PartHeader;
use super::Compression;
use crate::hg::changegroup::{CgVersion, RevisionChunk};
use crate::hg::{FormatError, HgNode};

/// Size of bundle2 payload chunks written.
pub const PAYLOAD_CHUNK_SIZE: usize = 32768;

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

/// A bundle specification (spec 8.4): `none-v1`, `gzip-v1`, `bzip2-v1`,
/// `none-v2`, `gzip-v2`, `bzip2-v2`, `zstd-v2`, or `raw` (headerless
/// changegroup version 01).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleSpec {
    /// Headerless changegroup version 01.
    Raw,
    /// bundle1 (`HG10`), with no, zlib or bzip2 compression.
    V1(Compression),
    /// bundle2 (`HG20`).
    V2(Compression),
}

impl FromStr for BundleSpec {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, FormatError> {
        let bad = || FormatError::Invalid(format!("invalid bundle specification {s:?}"));
        if s == "raw" {
            return Ok(BundleSpec::Raw);
        }
        let (comp, version) = s.split_once('-').ok_or_else(bad)?;
        let comp = Compression::from_spec_name(comp).ok_or_else(bad)?;
        match (version, comp) {
            ("v1", Compression::Zstd) => Err(FormatError::Invalid(
                "zstd compression needs a v2 bundle".into(),
            )),
            ("v1", c) => Ok(BundleSpec::V1(c)),
            ("v2", c) => Ok(BundleSpec::V2(c)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for BundleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleSpec::Raw => f.write_str("raw"),
            BundleSpec::V1(c) => write!(f, "{}-v1", c.spec_name()),
            BundleSpec::V2(c) => write!(f, "{}-v2", c.spec_name()),
        }
    }
}

/// Writes a bundle2: `HG20`, the stream parameters (`Compression=GZ|BZ|ZS`
/// when compressed, nothing otherwise), parts, and the end marker on
/// [`Bundle2Writer::finish`].
pub struct Bundle2Writer<W: Write> {
    out: super::compression::Encoder<W>,
    next_id: u32,
    part_open: bool,
}

impl<W: Write> Bundle2Writer<W> {
    /// Writes the bundle header and sets compression up.
    pub fn new(mut out: W, compression: Compression) -> io::Result<Self> {
        out.write_all(b"HG20")?;
        let params = match compression {
            Compression::None => String::new(),
            c => format!("Compression={}", c.bundle_type()),
        };
        out.write_all(&(params.len() as u32).to_be_bytes())?;
        out.write_all(params.as_bytes())?;
        Ok(Bundle2Writer {
            out: compression.encoder(out)?,
            next_id: 0,
            part_open: false,
        })
    }

    /// Starts a part. A mandatory part's type is written in uppercase, an
    /// advisory part's in lowercase; all `params` are written as mandatory
    /// parameters (as cinnabar does). Write the payload into the returned
    /// writer, then call [`PartWriter::finish`]; starting another part or
    /// finishing the bundle before that is an error.
    pub fn start_part(
        &mut self,
        part_type: &str,
        mandatory: bool,
        params: &[(&str, &str)],
    ) -> io::Result<PartWriter<'_, W>> {
        if self.part_open {
            return Err(invalid("previous bundle2 part was not finished"));
        }
        let header = PartHeader {
            part_type: if mandatory {
                part_type.to_ascii_uppercase()
            } else {
                part_type.to_ascii_lowercase()
            },
            id: self.next_id,
            mandatory_params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            advisory_params: Vec::new(),
            offset: 0,
        };
        let block = header.encode()?;
        self.out.write_all(&(block.len() as u32).to_be_bytes())?;
        self.out.write_all(&block)?;
        self.next_id += 1;
        self.part_open = true;
        Ok(PartWriter {
            writer: self,
            buf: Vec::with_capacity(PAYLOAD_CHUNK_SIZE),
            id: header.id,
        })
    }

    /// Writes a whole part; returns its id.
    pub fn add_part(
        &mut self,
        part_type: &str,
        mandatory: bool,
        params: &[(&str, &str)],
        payload: &[u8],
    ) -> io::Result<u32> {
        let mut part = self.start_part(part_type, mandatory, params)?;
        part.write_all(payload)?;
        part.finish()
    }

    /// Writes the end-of-bundle marker, ends compression and returns the
    /// underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.part_open {
            return Err(invalid("last bundle2 part was not finished"));
        }
        self.out.write_all(&[0; 4])?;
        self.out.finish()
    }
}

/// Writes a part's payload in chunks of [`PAYLOAD_CHUNK_SIZE`] bytes.
pub struct PartWriter<'b, W: Write> {
    writer: &'b mut Bundle2Writer<W>,
    buf: Vec<u8>,
    id: u32,
}

impl<W: Write> PartWriter<'_, W> {
    /// The part id.
    pub fn id(&self) -> u32 {
        self.id
    }

    fn write_chunk(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let out = &mut self.writer.out;
            out.write_all(&(self.buf.len() as u32).to_be_bytes())?;
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes the last chunk and the end-of-payload marker; returns the
    /// part id.
    pub fn finish(mut self) -> io::Result<u32> {
        self.write_chunk()?;
        self.writer.out.write_all(&[0; 4])?;
        self.writer.part_open = false;
        Ok(self.id)
    }
}

impl<W: Write> Write for PartWriter<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(PAYLOAD_CHUNK_SIZE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == PAYLOAD_CHUNK_SIZE {
            self.write_chunk()?;
        }
        Ok(n)
    }

    /// Does not cut a chunk: chunks are always full but the last one.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes a bundle1: `HG10UN`, `HG10GZ` (a zlib stream) or `HG10BZ` (a
/// bzip2 stream whose own `BZ` magic is the end of the header), then one
/// changegroup version 01.
pub struct Bundle1Writer<W: Write> {
    out: super::compression::Encoder<W>,
}

impl<W: Write> Bundle1Writer<W> {
    /// Writes the header; zstd is refused (bundle1 does not have it).
    pub fn new(mut out: W, compression: Compression) -> io::Result<Self> {
        match compression {
            Compression::None => out.write_all(b"HG10UN")?,
            Compression::Zlib => out.write_all(b"HG10GZ")?,
            // The bzip2 stream starts with "BZ".
            Compression::Bzip2 => out.write_all(b"HG10")?,
            Compression::Zstd => return Err(invalid("bundle1 cannot be zstd-compressed")),
        }
        Ok(Bundle1Writer {
            out: compression.encoder(out)?,
        })
    }

    /// Ends compression and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.finish()
    }
}

impl<W: Write> Write for Bundle1Writer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.out.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Changesets,
    Manifests,
    BetweenFiles,
    File,
    Done,
}

/// Writes a changegroup (version 01, 02 or 03): the changeset group, the
/// manifest group, then each file's name and group. For version 03 an
/// empty tree manifests segment is written after the manifest group (tree
/// manifests cannot be written).
///
/// Call [`ChangegroupWriter::write_revision`] for each revision,
/// [`ChangegroupWriter::end_group`] after each group,
/// [`ChangegroupWriter::start_file`] before each file's revisions, and
/// [`ChangegroupWriter::finish`] at the end. Calls out of that order are
/// errors.
pub struct ChangegroupWriter<W: Write> {
    out: W,
    version: CgVersion,
    stage: Stage,
    prev: Option<HgNode>,
    header: Vec<u8>,
}

impl<W: Write> ChangegroupWriter<W> {
    /// A writer of a changegroup of the given version.
    pub fn new(out: W, version: CgVersion) -> Self {
        ChangegroupWriter {
            out,
            version,
            stage: Stage::Changesets,
            prev: None,
            header: Vec::with_capacity(102),
        }
    }

    /// Writes a revision chunk (its `offset` is ignored).
    ///
    /// Version 01 has no delta base field: `delta_base` must be the
    /// previous revision of the group, or `p1` for the first one. Versions
    /// before 03 have no flags: `flags` must be 0.
    pub fn write_revision(&mut self, rev: &RevisionChunk<'_>) -> io::Result<()> {
        if matches!(self.stage, Stage::BetweenFiles | Stage::Done) {
            return Err(invalid("revision written outside of a group"));
        }
        self.header.clear();
        for n in [&rev.node, &rev.p1, &rev.p2] {
            self.header.extend_from_slice(&n.0);
        }
        match self.version {
            CgVersion::V1 => {
                let expected = self.prev.unwrap_or(rev.p1);
                if rev.delta_base != expected {
                    return Err(invalid(format!(
                        "changegroup 01 cannot express delta base {} for {} (must be {expected})",
                        rev.delta_base, rev.node
                    )));
                }
            }
            CgVersion::V2 | CgVersion::V3 => self.header.extend_from_slice(&rev.delta_base.0),
        }
        self.header.extend_from_slice(&rev.linknode.0);
        if self.version == CgVersion::V3 {
            self.header.extend_from_slice(&rev.flags.to_be_bytes());
        } else if rev.flags != 0 {
            return Err(invalid(format!(
                "changegroup {} cannot carry revision flags",
                self.version
            )));
        }
        let len = 4 + self.header.len() + rev.delta.len();
        let len = u32::try_from(len)
            .ok()
            .filter(|&l| l <= i32::MAX as u32)
            .ok_or_else(|| {
                invalid(format!(
                    "revision {} is too large for a changegroup",
                    rev.node
                ))
            })?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&self.header)?;
        self.out.write_all(rev.delta)?;
        self.prev = Some(rev.node);
        Ok(())
    }

    /// Ends the current group (changesets, manifests or the current file).
    pub fn end_group(&mut self) -> io::Result<()> {
        let manifests = self.stage == Stage::Manifests;
        self.stage = match self.stage {
            Stage::Changesets => Stage::Manifests,
            Stage::Manifests | Stage::File => Stage::BetweenFiles,
            Stage::BetweenFiles | Stage::Done => return Err(invalid("no group to end")),
        };
        self.prev = None;
        self.out.write_all(&[0; 4])?;
        if manifests && self.version == CgVersion::V3 {
            // End of the (empty) tree manifests segment.
            self.out.write_all(&[0; 4])?;
        }
        Ok(())
    }

    /// Starts a file's group (after the manifest group has ended).
    pub fn start_file(&mut self, name: &[u8]) -> io::Result<()> {
        if self.stage != Stage::BetweenFiles {
            return Err(invalid("file started inside another group"));
        }
        if name.is_empty() {
            return Err(invalid("empty file name"));
        }
        let len = u32::try_from(4 + name.len()).map_err(|_| invalid("file name too long"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(name)?;
        self.stage = Stage::File;
        Ok(())
    }

    /// Writes the end of the changegroup and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.stage != Stage::BetweenFiles {
            return Err(invalid("changegroup finished inside a group"));
        }
        self.stage = Stage::Done;
        self.out.write_all(&[0; 4])?;
        Ok(self.out)
    }
}
