//! bundle2 framing (spec 8.2, `hg help internals.bundle2`): stream
//! parameters, part headers and part payloads.
//!
//! After `HG20`, a big-endian `u32` gives the size of the stream
//! parameters: space-separated, URL-quoted `name[=value]` items. A name
//! starting with an uppercase letter is mandatory. Then come parts (after
//! decompression when a `Compression` parameter is given): a `u32` header
//! size (0 ends the bundle), the header, and a payload made of chunks,
//! each a signed `i32` size then the bytes; size 0 ends the payload and
//! size -1 announces an out-of-band "interrupt" part.

use std::io::{self, BufRead, Read};

use percent_encoding::{percent_decode, percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::Compression;
use crate::hg::FormatError;

/// Decoded stream parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamParams {
    /// The compression of everything after the parameters.
    pub compression: Option<Compression>,
    /// All parameters, decoded, in order.
    pub params: Vec<(String, Option<String>)>,
}

/// Parses the stream parameters block that starts at byte `offset`.
///
/// As in Mercurial, a parameter name must start with a letter; the
/// `compression` parameter (any case) must have a known value; other
/// parameters are ignored when their name starts with a lowercase letter
/// and rejected otherwise ([`FormatError::UnknownMandatoryParam`]).
pub fn parse_stream_params(block: &[u8], offset: u64) -> Result<StreamParams, FormatError> {
    let mut result = StreamParams::default();
    if block.is_empty() {
        return Ok(result);
    }
    for item in block.split(|&c| c == b' ') {
        let (name, value) = match item.iter().position(|&c| c == b'=') {
            Some(i) => (&item[..i], Some(&item[i + 1..])),
            None => (item, None),
        };
        let name = String::from_utf8_lossy(&unquote(name)).into_owned();
        let value = value.map(|v| String::from_utf8_lossy(&unquote(v)).into_owned());
        let Some(first) = name.chars().next() else {
            return Err(FormatError::Invalid(format!(
                "empty bundle2 stream parameter name in the parameters at byte offset {offset}"
            )));
        };
        if !first.is_ascii_alphabetic() {
            return Err(FormatError::Invalid(format!(
                "bundle2 stream parameter {name:?} at byte offset {offset} does not start with a letter"
            )));
        }
        if name.eq_ignore_ascii_case("compression") {
            let v = value.clone().unwrap_or_default();
            match Compression::from_bundle_type(&v) {
                Some(c) => result.compression = Some(c),
                None => return Err(FormatError::UnknownCompression { name: v, offset }),
            }
        } else if first.is_ascii_uppercase() {
            return Err(FormatError::UnknownMandatoryParam { name, offset });
        }
        result.params.push((name, value));
    }
    Ok(result)
}

/// The bytes Mercurial's bundle2 code percent-quotes in stream and
/// capability parameters: all but ASCII letters, digits and `_.-~`
/// (Python's `urllib.parse.quote`, here with `/` quoted as well; both
/// decode the same).
const QUOTE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Percent-decodes `%XX` sequences (invalid ones are kept as they are).
pub fn unquote(s: &[u8]) -> Vec<u8> {
    percent_decode(s).collect()
}

/// Percent-encodes everything but ASCII letters, digits and `_.-~`.
pub fn quote(s: &[u8]) -> String {
    percent_encode(s, QUOTE_SET).to_string()
}

/// bundle2 capabilities (`hg help internals.bundle2`): capability names
/// with their values, in order.
pub type Bundle2Caps = Vec<(String, Vec<String>)>;

/// Decodes a bundle2 capabilities blob (the `replycaps` payload, or the
/// unquoted value of the `bundle2` wire capability): lines
/// `name[=value,value…]`, each name and value quoted.
pub fn decode_caps(blob: &[u8]) -> Bundle2Caps {
    let text = |s: &[u8]| String::from_utf8_lossy(&unquote(s)).into_owned();
    blob.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| match line.iter().position(|&b| b == b'=') {
            None => (text(line), Vec::new()),
            Some(i) => (
                text(&line[..i]),
                line[i + 1..].split(|&b| b == b',').map(text).collect(),
            ),
        })
        .collect()
}

/// Encodes bundle2 capabilities as Mercurial does: sorted by name, one
/// `name[=value,value…]` line each, joined by newlines.
pub fn encode_caps(caps: &[(&str, &[&str])]) -> String {
    let mut sorted: Vec<&(&str, &[&str])> = caps.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let lines: Vec<String> = sorted
        .into_iter()
        .map(|(name, values)| {
            let mut line = quote(name.as_bytes());
            if !values.is_empty() {
                line.push('=');
                let values: Vec<String> = values.iter().map(|v| quote(v.as_bytes())).collect();
                line.push_str(&values.join(","));
            }
            line
        })
        .collect();
    lines.join("\n")
}

/// A part's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartHeader {
    /// The part type as written (uppercase letters make it mandatory).
    pub part_type: String,
    /// The part id.
    pub id: u32,
    /// Mandatory parameters, in order.
    pub mandatory_params: Vec<(String, String)>,
    /// Advisory parameters, in order.
    pub advisory_params: Vec<(String, String)>,
    /// Byte offset of the header (its size field) in the bundle stream.
    pub offset: u64,
}

impl PartHeader {
    /// The part type, lowercased (how parts are compared).
    pub fn name(&self) -> String {
        self.part_type.to_ascii_lowercase()
    }

    /// Whether the part must be understood: its type has an uppercase
    /// letter.
    pub fn is_mandatory(&self) -> bool {
        self.part_type.bytes().any(|c| c.is_ascii_uppercase())
    }

    /// The value of a (mandatory or advisory) parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.mandatory_params
            .iter()
            .chain(&self.advisory_params)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Parses a header block (without its size field) found at `offset`.
    pub fn parse(block: &[u8], offset: u64) -> Result<PartHeader, FormatError> {
        let mut cur = Cursor {
            data: block,
            pos: 0,
            offset,
        };
        let type_len = cur.u8("type length")?;
        let part_type = cur.string(type_len.into(), "type")?;
        let id = u32::from_be_bytes(cur.array("id")?);
        let mandatory = cur.u8("mandatory parameter count")?;
        let advisory = cur.u8("advisory parameter count")?;
        let mut sizes = Vec::with_capacity(usize::from(mandatory) + usize::from(advisory));
        for _ in 0..usize::from(mandatory) + usize::from(advisory) {
            let [k, v] = cur.array("parameter sizes")?;
            sizes.push((k, v));
        }
        let mut params = Vec::with_capacity(sizes.len());
        for (k, v) in sizes {
            let key = cur.string(k.into(), "parameter name")?;
            let value = cur.string(v.into(), "parameter value")?;
            params.push((key, value));
        }
        let advisory_params = params.split_off(mandatory.into());
        Ok(PartHeader {
            part_type,
            id,
            mandatory_params: params,
            advisory_params,
            offset,
        })
    }

    /// Encodes the header block (without its size field).
    pub fn encode(&self) -> io::Result<Vec<u8>> {
        let too_long = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bundle2 part {what} is too long"),
            )
        };
        let mut out = Vec::new();
        out.push(u8::try_from(self.part_type.len()).map_err(|_| too_long("type"))?);
        out.extend_from_slice(self.part_type.as_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.push(
            u8::try_from(self.mandatory_params.len()).map_err(|_| too_long("parameter list"))?,
        );
        out.push(u8::try_from(self.advisory_params.len()).map_err(|_| too_long("parameter list"))?);
        let all = self.mandatory_params.iter().chain(&self.advisory_params);
        for (k, v) in all.clone() {
            out.push(u8::try_from(k.len()).map_err(|_| too_long("parameter name"))?);
            out.push(u8::try_from(v.len()).map_err(|_| too_long("parameter value"))?);
        }
        for (k, v) in all {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        Ok(out)
    }

    /// The error for an `error:*` part.
    pub(crate) fn remote_error(&self) -> FormatError {
        let message = match self.param("message") {
            Some(m) => m.to_string(),
            None => self
                .mandatory_params
                .iter()
                .chain(&self.advisory_params)
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        FormatError::Remote {
            kind: self.name(),
            message,
            hint: self.param("hint").map(str::to_string),
        }
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    offset: u64,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], FormatError> {
        let Some(bytes) = self.data.get(self.pos..self.pos + n) else {
            return Err(FormatError::Invalid(format!(
                "bundle2 part header at byte offset {} is too short for its {what} ({} bytes, {} more needed)",
                self.offset,
                self.data.len(),
                self.pos + n - self.data.len()
            )));
        };
        self.pos += n;
        Ok(bytes)
    }

    fn u8(&mut self, what: &str) -> Result<u8, FormatError> {
        Ok(self.take(1, what)?[0])
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FormatError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn string(&mut self, n: usize, what: &str) -> Result<String, FormatError> {
        Ok(String::from_utf8_lossy(self.take(n, what)?).into_owned())
    }
}

/// A decompressed bundle stream that knows how far it has been read.
pub(crate) trait Source: BufRead {
    /// Bytes consumed so far (counting from the start of the bundle).
    fn offset(&self) -> u64;
}

/// Reads a big-endian `i32`.
pub(crate) fn read_i32(src: &mut dyn Source, what: &'static str) -> Result<i32, FormatError> {
    let offset = src.offset();
    let mut b = [0u8; 4];
    src.read_exact(&mut b)
        .map_err(|e| FormatError::from_io(e, what, offset))?;
    Ok(i32::from_be_bytes(b))
}

/// Reads `len` bytes, growing the buffer only as data arrives.
pub(crate) fn read_block(
    src: &mut dyn Source,
    len: u64,
    what: &'static str,
) -> Result<Vec<u8>, FormatError> {
    let offset = src.offset();
    let mut buf = Vec::with_capacity((len as usize).min(1 << 16));
    let n = src
        .take(len)
        .read_to_end(&mut buf)
        .map_err(|e| FormatError::from_io(e, what, offset))?;
    if (n as u64) < len {
        return Err(FormatError::Truncated { what, offset });
    }
    Ok(buf)
}

/// Reads a part header (size and block); `None` at the end-of-stream
/// marker.
pub(crate) fn read_part_header(
    src: &mut dyn Source,
    what: &'static str,
) -> Result<Option<PartHeader>, FormatError> {
    let offset = src.offset();
    let size = read_i32(src, what)?;
    if size == 0 {
        return Ok(None);
    }
    if size < 0 {
        return Err(FormatError::BadLength {
            what,
            len: u64::from(size as u32),
            offset,
        });
    }
    let block = read_block(src, size as u64, what)?;
    PartHeader::parse(&block, offset).map(Some)
}

/// Where a part's payload reading stands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PayloadState {
    /// Bytes left in the current payload chunk.
    chunk_left: u32,
    /// The end of the payload was read.
    done: bool,
}

/// A part's payload, as a stream: the chunk framing is removed on the fly
/// (nothing is buffered beyond the underlying reader's buffer). Reading
/// returns 0 bytes at the end of the payload. Interrupt parts (chunk size
/// -1) are handled as Mercurial does: the out-of-band part is read and,
/// unless it is an `error:*` part (which becomes a
/// [`FormatError::Remote`]), skipped; then the payload resumes.
///
/// Errors are [`FormatError`]s wrapped in [`io::Error`]
/// ([`FormatError::from_io`] gets them back); their offsets are in the
/// bundle stream.
pub struct PartPayload<'b> {
    src: &'b mut (dyn Source + 'b),
    state: &'b mut PayloadState,
    /// bundle1: the payload is the rest of the stream, unframed.
    raw: bool,
    /// Reading an interrupt part: nested interrupts are refused.
    in_interrupt: bool,
}

impl<'b> PartPayload<'b> {
    pub(crate) fn new(src: &'b mut (dyn Source + 'b), state: &'b mut PayloadState) -> Self {
        PartPayload {
            src,
            state,
            raw: false,
            in_interrupt: false,
        }
    }

    pub(crate) fn raw(src: &'b mut (dyn Source + 'b), state: &'b mut PayloadState) -> Self {
        PartPayload {
            src,
            state,
            raw: true,
            in_interrupt: false,
        }
    }

    /// Offset in the bundle stream of the next payload byte (or chunk
    /// size).
    pub fn offset(&self) -> u64 {
        self.src.offset()
    }

    /// Reads and drops the rest of the payload.
    pub fn skip_rest(&mut self) -> Result<(), FormatError> {
        loop {
            if !self.next_chunk()? {
                return Ok(());
            }
            let offset = self.src.offset();
            let available = self
                .src
                .fill_buf()
                .map_err(|e| FormatError::from_io(e, "bundle2 part payload", offset))?
                .len();
            if available == 0 {
                if self.raw {
                    self.state.done = true;
                    return Ok(());
                }
                return Err(FormatError::Truncated {
                    what: "bundle2 part payload chunk",
                    offset,
                });
            }
            let n = if self.raw {
                available
            } else {
                available.min(self.state.chunk_left as usize)
            };
            self.src.consume(n);
            if !self.raw {
                self.state.chunk_left -= n as u32;
            }
        }
    }

    /// Makes sure payload bytes are available in the current chunk; false
    /// at the end of the payload.
    fn next_chunk(&mut self) -> Result<bool, FormatError> {
        if self.raw {
            return Ok(!self.state.done);
        }
        loop {
            if self.state.done {
                return Ok(false);
            }
            if self.state.chunk_left > 0 {
                return Ok(true);
            }
            let offset = self.src.offset();
            let size = read_i32(self.src, "bundle2 payload chunk size")?;
            match size {
                0 => self.state.done = true,
                -1 if self.in_interrupt => {
                    return Err(FormatError::Invalid(format!(
                        "nested bundle2 interrupt at byte offset {offset}"
                    )))
                }
                -1 => self.interrupt()?,
                s if s < 0 => {
                    return Err(FormatError::BadLength {
                        what: "bundle2 payload chunk",
                        len: u64::from(s as u32),
                        offset,
                    })
                }
                s => self.state.chunk_left = s as u32,
            }
        }
    }

    /// Handles an interrupt: reads the out-of-band part.
    fn interrupt(&mut self) -> Result<(), FormatError> {
        let Some(header) = read_part_header(self.src, "bundle2 interrupt part header")? else {
            return Ok(());
        };
        if header.name().starts_with("error:") {
            return Err(header.remote_error());
        }
        let mut state = PayloadState::default();
        let mut inner = PartPayload {
            src: &mut *self.src,
            state: &mut state,
            raw: false,
            in_interrupt: true,
        };
        inner.skip_rest()
    }
}

impl Read for PartPayload<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || !self.next_chunk().map_err(FormatError::into_io)? {
            return Ok(0);
        }
        let want = if self.raw {
            buf.len()
        } else {
            buf.len().min(self.state.chunk_left as usize)
        };
        let offset = self.src.offset();
        let n = match self.src.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(FormatError::from_io(e, "bundle2 part payload", offset).into_io()),
        };
        if self.raw {
            if n == 0 {
                self.state.done = true;
            }
            return Ok(n);
        }
        if n == 0 {
            return Err(FormatError::Truncated {
                what: "bundle2 part payload chunk",
                offset,
            }
            .into_io());
        }
        self.state.chunk_left -= n as u32;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_params() {
        let p = parse_stream_params(b"Compression=BZ", 8).unwrap();
        assert_eq!(p.compression, Some(Compression::Bzip2));
        let p = parse_stream_params(b"foo%20bar=x%3Dy other", 8).unwrap();
        assert_eq!(p.compression, None);
        assert_eq!(
            p.params,
            vec![
                ("foo bar".to_string(), Some("x=y".to_string())),
                ("other".to_string(), None)
            ]
        );
        assert!(matches!(
            parse_stream_params(b"Compression=XX", 8),
            Err(FormatError::UnknownCompression { name, offset: 8 }) if name == "XX"
        ));
        assert!(matches!(
            parse_stream_params(b"Compression", 8),
            Err(FormatError::UnknownCompression { .. })
        ));
        assert!(matches!(
            parse_stream_params(b"Unknown=1", 8),
            Err(FormatError::UnknownMandatoryParam { name, .. }) if name == "Unknown"
        ));
        assert!(parse_stream_params(b"a  b", 8).is_err());
        assert!(parse_stream_params(b"1abc", 8).is_err());
        assert_eq!(
            parse_stream_params(b"", 8).unwrap(),
            StreamParams::default()
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(unquote(b"a%2Fb%zz%4"), b"a/b%zz%4");
        assert_eq!(quote(b"a b/c=d"), "a%20b%2Fc%3Dd");
        assert_eq!(unquote(quote(b"\x00\xff x").as_bytes()), b"\x00\xff x");
        // The set, byte by byte.
        for b in 0..=255u8 {
            let expected = if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(quote(&[b]), expected, "{b:#x}");
            assert_eq!(unquote(expected.as_bytes()), [b]);
            assert_eq!(unquote(expected.to_lowercase().as_bytes()).len(), 1);
        }
    }

    #[test]
    fn caps() {
        let blob = encode_caps(&[("changegroup", &["01", "02"]), ("HG20", &[])]);
        assert_eq!(blob, "HG20\nchangegroup=01,02");
        assert_eq!(
            format!("HG20,bundle2={}", quote(blob.as_bytes())),
            crate::wire::BUNDLECAPS
        );
        assert_eq!(
            decode_caps(b"HG20\nerror=abort,push%2Craced\n\nlistkeys\nphases=heads"),
            vec![
                ("HG20".to_string(), vec![]),
                (
                    "error".to_string(),
                    vec!["abort".to_string(), "push,raced".to_string()]
                ),
                ("listkeys".to_string(), vec![]),
                ("phases".to_string(), vec!["heads".to_string()]),
            ]
        );
        assert_eq!(encode_caps(&[("a b", &["x=y", "z"])]), "a%20b=x%3Dy,z");
    }

    #[test]
    fn part_headers() {
        let h = PartHeader {
            part_type: "CHANGEGROUP".into(),
            id: 7,
            mandatory_params: vec![("version".into(), "02".into())],
            advisory_params: vec![("nbchanges".into(), "3".into())],
            offset: 0,
        };
        let block = h.encode().unwrap();
        let parsed = PartHeader::parse(&block, 0).unwrap();
        assert_eq!(parsed, h);
        assert!(parsed.is_mandatory());
        assert_eq!(parsed.name(), "changegroup");
        assert_eq!(parsed.param("nbchanges"), Some("3"));
        for cut in 0..block.len() {
            let e = PartHeader::parse(&block[..cut], 100).unwrap_err();
            assert!(e.to_string().contains("byte offset 100"), "{e}");
        }
    }
}
