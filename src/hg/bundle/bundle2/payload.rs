//! A part's payload as a stream ([`PartPayload`]): chunk framing removed,
//! interrupt parts handled.

use std::io::{self, Read};

use super::source::{read_i32, read_part_header, Source};
use crate::hg::FormatError;

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
