//! `fetch --bundle`: a peer's bundle copied out as it comes, up to its end.

use std::io::{Read, Write};

use super::error::{invalid, Result};
use crate::hg::bundle::{BundleKind, BundleReader};

/// Copies a bundle2 stream to `out`, byte for byte, stopping at its end
/// (a peer's stream does not end there: the connection stays open).
pub fn copy_bundle(stream: Box<dyn Read + '_>, out: &mut dyn Write) -> Result<()> {
    let mut tee = Tee { inner: stream, out };
    let mut reader = BundleReader::open(&mut tee)?;
    if !matches!(reader.kind(), BundleKind::Bundle2(_)) {
        return Err(invalid(
            "the server did not send a bundle2; `fetch --bundle` needs one",
        ));
    }
    while reader.next_part_header()?.is_some() {}
    Ok(())
}

/// A reader copying what it reads to a writer.
struct Tee<'a, 'b> {
    inner: Box<dyn Read + 'a>,
    out: &'b mut dyn Write,
}

impl Read for Tee<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}
