//! Bundle compression engines: none, zlib (`GZ`), bzip2 (`BZ`) and
//! zstandard (`ZS`).

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};

/// A bundle compression engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// No compression (`UN`, bundlespec `none`).
    None,
    /// A zlib stream (`GZ`, bundlespec `gzip`; zlib framing, not gzip).
    Zlib,
    /// bzip2 (`BZ`, bundlespec `bzip2`).
    Bzip2,
    /// Zstandard (`ZS`, bundlespec `zstd`; bundle2 only).
    Zstd,
}

/// Size of the buffer over decompressed data.
const BUFFER_SIZE: usize = 64 * 1024;

impl Compression {
    /// The two-letter name used in bundle headers and the bundle2
    /// `Compression` stream parameter.
    pub fn bundle_type(self) -> &'static str {
        match self {
            Compression::None => "UN",
            Compression::Zlib => "GZ",
            Compression::Bzip2 => "BZ",
            Compression::Zstd => "ZS",
        }
    }

    /// Parses a two-letter bundle compression name (`UN`, `GZ`, `BZ`, `ZS`).
    pub fn from_bundle_type(name: &str) -> Option<Compression> {
        match name {
            "UN" => Some(Compression::None),
            "GZ" => Some(Compression::Zlib),
            "BZ" => Some(Compression::Bzip2),
            "ZS" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// The name used in bundle specifications (`none`, `gzip`, `bzip2`,
    /// `zstd`).
    pub fn spec_name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Zlib => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
        }
    }

    /// Parses a bundle specification compression name.
    pub fn from_spec_name(name: &str) -> Option<Compression> {
        match name {
            "none" => Some(Compression::None),
            "gzip" => Some(Compression::Zlib),
            "bzip2" => Some(Compression::Bzip2),
            "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// A buffered reader of the decompressed data of `input`.
    pub fn decoder<'a>(self, input: Box<dyn BufRead + 'a>) -> io::Result<Box<dyn BufRead + 'a>> {
        Ok(match self {
            Compression::None => input,
            Compression::Zlib => Box::new(BufReader::with_capacity(
                BUFFER_SIZE,
                flate2::bufread::ZlibDecoder::new(input),
            )),
            Compression::Bzip2 => Box::new(BufReader::with_capacity(
                BUFFER_SIZE,
                bzip2::bufread::BzDecoder::new(input),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                BUFFER_SIZE,
                zstd::stream::read::Decoder::with_buffer(input)?,
            )),
        })
    }

    /// A compressor writing to `out`, at Mercurial's default levels (zlib
    /// 6, bzip2 9, zstd 3).
    pub fn encoder<W: Write>(self, out: W) -> io::Result<Encoder<W>> {
        Ok(Encoder(match self {
            Compression::None => EncoderInner::None(out),
            Compression::Zlib => EncoderInner::Zlib(flate2::write::ZlibEncoder::new(
                out,
                flate2::Compression::new(6),
            )),
            Compression::Bzip2 => EncoderInner::Bzip2(bzip2::write::BzEncoder::new(
                out,
                bzip2::Compression::new(9),
            )),
            Compression::Zstd => EncoderInner::Zstd(zstd::stream::write::Encoder::new(out, 3)?),
        }))
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec_name())
    }
}

/// A compressing writer; [`Encoder::finish`] ends the compressed stream.
pub struct Encoder<W: Write>(EncoderInner<W>);

enum EncoderInner<W: Write> {
    None(W),
    Zlib(flate2::write::ZlibEncoder<W>),
    Bzip2(bzip2::write::BzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Ends the compressed stream and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        match self.0 {
            EncoderInner::None(w) => Ok(w),
            EncoderInner::Zlib(e) => e.finish(),
            EncoderInner::Bzip2(e) => e.finish(),
            EncoderInner::Zstd(e) => e.finish(),
        }
    }

    /// The underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        match &mut self.0 {
            EncoderInner::None(w) => w,
            EncoderInner::Zlib(e) => e.get_mut(),
            EncoderInner::Bzip2(e) => e.get_mut(),
            EncoderInner::Zstd(e) => e.get_mut(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            EncoderInner::None(w) => w.write(buf),
            EncoderInner::Zlib(e) => e.write(buf),
            EncoderInner::Bzip2(e) => e.write(buf),
            EncoderInner::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            EncoderInner::None(w) => w.flush(),
            EncoderInner::Zlib(e) => e.flush(),
            EncoderInner::Bzip2(e) => e.flush(),
            EncoderInner::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for c in [
            Compression::None,
            Compression::Zlib,
            Compression::Bzip2,
            Compression::Zstd,
        ] {
            let mut e = c.encoder(Vec::new()).unwrap();
            e.write_all(&data).unwrap();
            let compressed = e.finish().unwrap();
            let mut d = c.decoder(Box::new(&compressed[..])).unwrap();
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut out).unwrap();
            assert_eq!(out, data, "{c}");
            assert_eq!(Compression::from_bundle_type(c.bundle_type()), Some(c));
            assert_eq!(Compression::from_spec_name(c.spec_name()), Some(c));
        }
    }
}
