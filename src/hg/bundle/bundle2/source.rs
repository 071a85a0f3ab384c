//! Reading bundle2 framing from a decompressed stream ([`Source`]):
//! sizes, blocks and part headers.

use std::io::{BufRead, Read};

use super::header::PartHeader;
use crate::hg::FormatError;

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
