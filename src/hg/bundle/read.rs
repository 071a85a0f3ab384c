//! Opening a bundle and reading its parts and changegroups.

use std::io::{self, BufRead, BufReader, Read};

use super::bundle2::{
    parse_stream_params, read_block, read_part_header, PartHeader, PartPayload, PayloadState,
    Source,
};
use super::Compression;
use crate::hg::changegroup::{CgVersion, ChangegroupReader};
use crate::hg::FormatError;

/// Size of the buffer over the input.
const BUFFER_SIZE: usize = 64 * 1024;

/// The container format of a bundle (spec 8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleKind {
    /// A bare changegroup version 01 with no header.
    RawChangegroup,
    /// `HG10` + compression: one changegroup version 01.
    Bundle1(Compression),
    /// `HG20`: bundle2, compressed as given by its stream parameters.
    Bundle2(Compression),
}

/// The changegroup readers handed out by [`BundleReader`].
pub type BundleChangegroup<'b> = ChangegroupReader<Box<dyn Read + 'b>>;

/// A part of a bundle: its header and its payload.
pub struct Part<'b> {
    /// The part header.
    pub header: PartHeader,
    /// The payload, streamed.
    pub payload: PartPayload<'b>,
}

/// What is done with a part when looking for changegroups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartAction {
    /// A changegroup: read it.
    Changegroup,
    /// Data that a git clone does not need: skipped, even when mandatory.
    Ignore,
    /// An `error:*` part from the sender: fail with its message.
    RemoteError,
    /// A stream clone part: fail, stream bundles are not supported.
    Stream,
    /// Not known: skipped when advisory, an error when mandatory.
    Unknown,
}

/// How a part type is handled by [`BundleReader::next_changegroup`].
///
/// Parts skipped even when mandatory (they hold data a git clone has no
/// use for): `phase-heads`, `bookmarks`, `obsmarkers`, `hgtagsfnodes`,
/// `cache:*` (e.g. `cache:rev-branch-cache`), `listkeys`, `output`,
/// `replycaps`, `reply:*` and `pushvars`. `stream2`/`stream3-exp` fail with
/// "Stream bundles are not supported.", `error:*` parts fail with their
/// message. Any other part is skipped when advisory and refused when
/// mandatory ([`FormatError::UnknownMandatoryPart`]).
pub fn part_action(name: &str) -> PartAction {
    match name {
        "changegroup" => PartAction::Changegroup,
        "phase-heads" | "bookmarks" | "obsmarkers" | "hgtagsfnodes" | "listkeys" | "output"
        | "replycaps" | "pushvars" => PartAction::Ignore,
        n if n.starts_with("cache:") || n.starts_with("reply:") => PartAction::Ignore,
        n if n.starts_with("error:") => PartAction::RemoteError,
        "stream2" | "stream3-exp" => PartAction::Stream,
        _ => PartAction::Unknown,
    }
}

/// Counts the bytes consumed from the (decompressed) bundle stream.
struct Counting<'a> {
    inner: Box<dyn BufRead + 'a>,
    offset: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl BufRead for Counting<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.offset += amt as u64;
    }
}

impl Source for Counting<'_> {
    fn offset(&self) -> u64 {
        self.offset
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// bundle1: whether the changegroup was handed out.
    Bundle1 {
        done: bool,
    },
    /// bundle2: between parts, or in a part whose payload may not be fully
    /// read.
    Bundle2 {
        in_part: bool,
    },
    End,
}

/// Reads a bundle (any format of spec 8.1) from a stream, part by part and
/// changegroup by changegroup, without buffering more than one chunk.
///
/// Byte offsets in errors count bytes of the decompressed bundle stream
/// from its start, headers included: for uncompressed bundles they are
/// file offsets. Changegroup errors of a bundle2 part count from the start
/// of the changegroup (the part payload without its chunk framing);
/// payload framing errors use bundle stream offsets.
pub struct BundleReader<'a> {
    kind: BundleKind,
    src: Counting<'a>,
    params: Vec<(String, Option<String>)>,
    payload: PayloadState,
    state: State,
}

impl<'a> BundleReader<'a> {
    /// Reads the bundle header and sets decompression up.
    ///
    /// `HG20` is bundle2; `HG10` followed by `UN`, `GZ` or `BZ` is bundle1
    /// (for `BZ`, those two bytes are also the start of the bzip2 stream);
    /// `HGS1` (stream clone bundles) is refused; any other magic starting
    /// with `HG` is [`FormatError::BadMagic`]; anything else is taken as a
    /// headerless changegroup whose first 4 bytes are a chunk length.
    pub fn open(reader: impl Read + 'a) -> Result<BundleReader<'a>, FormatError> {
        let mut raw = BufReader::with_capacity(BUFFER_SIZE, reader);
        let mut magic = [0u8; 4];
        raw.read_exact(&mut magic)
            .map_err(|e| FormatError::from_io(e, "bundle header", 0))?;
        let decoder = |c: Compression, input: Box<dyn BufRead + 'a>, offset: u64| {
            c.decoder(input)
                .map_err(|e| FormatError::Io { offset, source: e })
        };
        let mut params = Vec::new();
        let (kind, inner, offset): (_, Box<dyn BufRead + 'a>, u64) = match &magic {
            b"HG10" => {
                let mut comp = [0u8; 2];
                raw.read_exact(&mut comp)
                    .map_err(|e| FormatError::from_io(e, "bundle1 header", 4))?;
                match &comp {
                    b"UN" => (BundleKind::Bundle1(Compression::None), Box::new(raw), 6),
                    b"GZ" => (
                        BundleKind::Bundle1(Compression::Zlib),
                        decoder(Compression::Zlib, Box::new(raw), 6)?,
                        6,
                    ),
                    b"BZ" => (
                        BundleKind::Bundle1(Compression::Bzip2),
                        // The bzip2 decoder needs the "BZ" magic back.
                        decoder(
                            Compression::Bzip2,
                            Box::new(io::Cursor::new(comp).chain(raw)),
                            6,
                        )?,
                        6,
                    ),
                    _ => {
                        return Err(FormatError::UnknownCompression {
                            name: String::from_utf8_lossy(&comp).into_owned(),
                            offset: 4,
                        })
                    }
                }
            }
            b"HG20" => {
                let mut size = [0u8; 4];
                raw.read_exact(&mut size)
                    .map_err(|e| FormatError::from_io(e, "bundle2 stream parameters size", 4))?;
                let size = i32::from_be_bytes(size);
                if size < 0 {
                    return Err(FormatError::BadLength {
                        what: "bundle2 stream parameters",
                        len: u64::from(size as u32),
                        offset: 4,
                    });
                }
                let mut src = Counting {
                    inner: Box::new(raw),
                    offset: 8,
                };
                let block = read_block(&mut src, size as u64, "bundle2 stream parameters")?;
                let parsed = parse_stream_params(&block, 8)?;
                params = parsed.params;
                let c = parsed.compression.unwrap_or(Compression::None);
                let offset = src.offset;
                (
                    BundleKind::Bundle2(c),
                    decoder(c, src.inner, offset)?,
                    offset,
                )
            }
            b"HGS1" => {
                return Err(FormatError::Unsupported(
                    "Stream bundles are not supported.".into(),
                ))
            }
            [b'H', b'G', _, _] => {
                return Err(FormatError::BadMagic {
                    magic: String::from_utf8_lossy(&magic).into_owned(),
                })
            }
            _ => (
                BundleKind::RawChangegroup,
                Box::new(io::Cursor::new(magic).chain(raw)),
                0,
            ),
        };
        let state = match kind {
            BundleKind::Bundle2(_) => State::Bundle2 { in_part: false },
            _ => State::Bundle1 { done: false },
        };
        Ok(BundleReader {
            kind,
            src: Counting { inner, offset },
            params,
            payload: PayloadState::default(),
            state,
        })
    }

    /// The container format.
    pub fn kind(&self) -> BundleKind {
        self.kind
    }

    /// The bundle2 stream parameters (empty for bundle1).
    pub fn stream_params(&self) -> &[(String, Option<String>)] {
        &self.params
    }

    /// Bytes of the decompressed bundle stream read so far.
    pub fn offset(&self) -> u64 {
        self.src.offset
    }

    /// Reads the next part header, after skipping what is left of the
    /// previous part. A bundle1 appears as one mandatory `CHANGEGROUP`
    /// part with `version=01`.
    pub fn next_part_header(&mut self) -> Result<Option<PartHeader>, FormatError> {
        match self.state {
            State::End => Ok(None),
            State::Bundle1 { done: true } => self.end(),
            State::Bundle1 { done: false } => {
                self.state = State::Bundle1 { done: true };
                self.payload = PayloadState::default();
                Ok(Some(PartHeader {
                    part_type: "CHANGEGROUP".into(),
                    id: 0,
                    mandatory_params: vec![("version".into(), "01".into())],
                    advisory_params: Vec::new(),
                    offset: self.src.offset,
                }))
            }
            State::Bundle2 { in_part } => {
                if in_part {
                    PartPayload::new(&mut self.src, &mut self.payload).skip_rest()?;
                    self.state = State::Bundle2 { in_part: false };
                }
                match read_part_header(&mut self.src, "bundle2 part header")? {
                    None => self.end(),
                    Some(header) => {
                        self.state = State::Bundle2 { in_part: true };
                        self.payload = PayloadState::default();
                        Ok(Some(header))
                    }
                }
            }
        }
    }

    /// Past the last part: reads what is left of a compressed stream, so
    /// that a damaged or truncated end of it (checksums, end markers) is
    /// an error. Whatever data comes after the bundle is ignored.
    fn end(&mut self) -> Result<Option<PartHeader>, FormatError> {
        self.state = State::End;
        let compressed = match self.kind {
            BundleKind::RawChangegroup => false,
            BundleKind::Bundle1(c) | BundleKind::Bundle2(c) => c != Compression::None,
        };
        if compressed {
            let offset = self.src.offset;
            io::copy(&mut self.src, &mut io::sink())
                .map_err(|e| FormatError::from_io(e, "compressed stream", offset))?;
        }
        Ok(None)
    }

    /// The payload of the part whose header was just read.
    fn payload(&mut self) -> PartPayload<'_> {
        match self.kind {
            BundleKind::Bundle2(_) => PartPayload::new(&mut self.src, &mut self.payload),
            _ => PartPayload::raw(&mut self.src, &mut self.payload),
        }
    }

    /// The next part, with its payload to read. What is not read of it is
    /// skipped by the next call.
    pub fn next_part(&mut self) -> Result<Option<Part<'_>>, FormatError> {
        match self.next_part_header()? {
            None => Ok(None),
            Some(header) => Ok(Some(Part {
                header,
                payload: self.payload(),
            })),
        }
    }

    /// The next changegroup, skipping other parts as [`part_action`] says.
    /// A bundle1 has one changegroup, version 01. The `version` part
    /// parameter defaults to `01`.
    pub fn next_changegroup(&mut self) -> Result<Option<BundleChangegroup<'_>>, FormatError> {
        loop {
            let Some(header) = self.next_part_header()? else {
                return Ok(None);
            };
            let name = header.name();
            match part_action(&name) {
                PartAction::Changegroup => {
                    let version: CgVersion = header.param("version").unwrap_or("01").parse()?;
                    let bundle1 = !matches!(self.kind, BundleKind::Bundle2(_));
                    let start = self.src.offset;
                    let payload: Box<dyn Read + '_> = Box::new(self.payload());
                    let mut cg = ChangegroupReader::new(payload, version);
                    if bundle1 {
                        cg = cg.with_offset(start);
                    }
                    return Ok(Some(cg));
                }
                PartAction::Ignore => {}
                PartAction::RemoteError => return Err(header.remote_error()),
                PartAction::Stream => {
                    return Err(FormatError::Unsupported(
                        "Stream bundles are not supported.".into(),
                    ))
                }
                PartAction::Unknown if header.is_mandatory() => {
                    return Err(FormatError::UnknownMandatoryPart {
                        part: header.part_type,
                        offset: header.offset,
                    })
                }
                PartAction::Unknown => {}
            }
        }
    }
}
