//! Spooling a bundle to a temporary file ([`Spool`]), to send it with its
//! length, possibly several times.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// How much of the bundle is read (and sent) at a time.
pub const UPLOAD_CHUNK_SIZE: usize = 64 * 1024;
/// Reads up to `n` bytes (fewer only at the end of the stream).
pub fn read_prefix(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A bundle copied to an anonymous temporary file, to be sent with its
/// length (HTTP servers want a `Content-Length`), possibly several times
/// (authentication, redirects).
pub struct Spool {
    file: File,
    len: u64,
}

impl Spool {
    /// Copies `body` to a temporary file, `UPLOAD_CHUNK_SIZE` bytes at a
    /// time.
    pub fn new(body: &mut dyn Read) -> io::Result<Spool> {
        let mut file = tempfile::tempfile()?;
        let mut buf = vec![0; UPLOAD_CHUNK_SIZE];
        let mut len = 0u64;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            file.write_all(&buf[..n])?;
            len += n as u64;
        }
        file.flush()?;
        Ok(Spool { file, len })
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the bundle is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first bytes (up to 4: the bundle magic).
    pub fn magic(&self) -> io::Result<Vec<u8>> {
        let mut r = self.reader()?;
        read_prefix(&mut r, 4)
    }

    /// A reader over the whole bundle, from its start.
    pub fn reader(&self) -> io::Result<File> {
        let mut f = self.file.try_clone()?;
        f.seek(SeekFrom::Start(0))?;
        Ok(f)
    }
}
