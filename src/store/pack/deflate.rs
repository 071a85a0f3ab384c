//! Compression of the objects of a pack: one state per writer, nothing
//! set up per object where that can be helped.

use flate2::{Compress, CompressError, Compression, FlushCompress, Status};

use super::quick::QuickDeflate;

/// Objects (or deltas) of at most this many bytes are compressed by
/// [`QuickDeflate`]: fixed Huffman codes, no per-object set-up. zlib's
/// dynamic trees pay for themselves only on larger inputs.
const QUICK_MAX: usize = 1024;
/// The same bound for whole trees: half their bytes are object ids, which
/// no Huffman code shrinks, so that dynamic trees gain little over fixed
/// codes on them (corpus packs +0.5–1.2%), while the largest trees written,
/// notes trees rewritten at every checkpoint of a long import, took most
/// of the writer thread's time in zlib.
const QUICK_MAX_TREE: usize = 8192;

/// Appends zlib streams to a buffer: small inputs through [`QuickDeflate`],
/// the rest through zlib at the level asked for (reset, not rebuilt,
/// between objects).
pub(crate) struct Deflater {
    zlib: Compress,
    /// `None` at level 0 (no compression asked for).
    quick: Option<QuickDeflate>,
}

impl Deflater {
    /// A deflater at zlib `level` (0–9).
    pub(crate) fn new(level: u32) -> Self {
        Deflater {
            zlib: Compress::new(Compression::new(level.min(9)), true),
            quick: (level > 0).then(QuickDeflate::new),
        }
    }

    /// Appends the zlib stream of `data` (a whole tree when `tree`) to
    /// `out`.
    pub(crate) fn deflate(
        &mut self,
        data: &[u8],
        tree: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), CompressError> {
        if data.len() <= if tree { QUICK_MAX_TREE } else { QUICK_MAX } {
            if let Some(quick) = &mut self.quick {
                quick.compress(data, out);
                return Ok(());
            }
        }
        self.zlib.reset();
        out.reserve(data.len() / 2 + 64);
        loop {
            let consumed = self.zlib.total_in() as usize;
            match self
                .zlib
                .compress_vec(&data[consumed..], out, FlushCompress::Finish)?
            {
                Status::StreamEnd => return Ok(()),
                Status::Ok | Status::BufError => {
                    let more = out.capacity().max(4096);
                    out.reserve(more);
                }
            }
        }
    }
}
