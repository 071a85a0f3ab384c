//! Reading objects back from the written part of a pack being written,
//! by offset: entry headers and zlib streams read with `pread` on a file
//! handle of the reader's own, `OFS_DELTA` chains resolved, and a small
//! cache of resolved objects (by offset) so that a chain read again, or a
//! delta against an object just read, does not inflate the whole chain
//! again. One inflate state, reset between streams, and reused buffers.
//!
//! The caller must only ask for offsets of entries that are entirely in
//! the file (the pack writer flushed them): the reader trusts the offset,
//! and checks everything it reads from the file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use flate2::{Decompress, FlushDecompress, Status};
use gix::object::Kind;

use super::delta::apply_delta;
use super::format::{decode_entry_header, decode_ofs, type_to_kind, OBJ_OFS_DELTA};
use crate::store::error::{IoContext, Result, StoreError};

/// Longest chain followed before the pack is declared corrupt; the writer
/// writes at most [`MAX_DELTA_DEPTH`](super::MAX_DELTA_DEPTH).
const MAX_CHAIN: usize = 64;

/// Cache slots (direct-mapped by offset).
const CACHE_SLOTS: usize = 64;
/// Bytes the cache may hold in all.
const CACHE_BYTES: usize = 2 << 20;
/// Objects larger than this are not cached.
const CACHE_MAX_OBJECT: usize = 512 << 10;

/// One cache slot: the offset of an entry and its resolved object.
#[derive(Default)]
struct Slot {
    offset: u64,
    kind: Option<Kind>,
    data: Vec<u8>,
}

/// Resolved objects by pack offset, direct-mapped, bounded in bytes.
struct BaseCache {
    slots: Vec<Slot>,
    bytes: usize,
}

impl BaseCache {
    fn new() -> Self {
        BaseCache {
            slots: (0..CACHE_SLOTS).map(|_| Slot::default()).collect(),
            bytes: 0,
        }
    }

    fn slot(offset: u64) -> usize {
        // Entries are at least a few bytes apart; mix the bits a little.
        ((offset ^ (offset >> 7) ^ (offset >> 13)) as usize) % CACHE_SLOTS
    }

    fn get(&self, offset: u64) -> Option<(Kind, &[u8])> {
        let slot = &self.slots[Self::slot(offset)];
        match slot.kind {
            Some(kind) if slot.offset == offset => Some((kind, &slot.data)),
            _ => None,
        }
    }

    fn put(&mut self, offset: u64, kind: Kind, data: &[u8]) {
        if data.len() > CACHE_MAX_OBJECT {
            return;
        }
        let slot = &mut self.slots[Self::slot(offset)];
        if slot.kind.is_some() && slot.offset == offset {
            return;
        }
        self.bytes -= slot.data.len();
        slot.kind = None;
        slot.data.clear();
        if self.bytes + data.len() > CACHE_BYTES {
            // Give the memory back rather than grow past the bound.
            slot.data = Vec::new();
            return;
        }
        slot.data.extend_from_slice(data);
        slot.offset = offset;
        slot.kind = Some(kind);
        self.bytes += data.len();
    }
}

/// A delta entry of the chain being resolved: where its zlib stream
/// starts and how large its delta is.
#[derive(Clone, Copy)]
struct Link {
    offset: u64,
    data_pos: u64,
    size: u64,
}

/// Reads objects of a pack by offset. See the [module](self) docs.
pub(crate) struct PackReader {
    file: File,
    path: PathBuf,
    inflate: Decompress,
    /// Compressed input read from the file.
    input: Vec<u8>,
    /// The inflated delta being applied.
    delta: Vec<u8>,
    /// The result of the last delta applied.
    scratch: Vec<u8>,
    chain: Vec<Link>,
    cache: BaseCache,
}

impl std::fmt::Debug for PackReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl PackReader {
    /// Reads the pack at `path` through its own file handle.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).io_context(|| format!("opening {}", path.display()))?;
        Ok(Self::with_file(file, path))
    }

    /// Reads the pack at `path` through `file`.
    pub(crate) fn with_file(file: File, path: &Path) -> Self {
        PackReader {
            file,
            path: path.to_path_buf(),
            inflate: Decompress::new(true),
            input: Vec::new(),
            delta: Vec::new(),
            scratch: Vec::new(),
            chain: Vec::new(),
            cache: BaseCache::new(),
        }
    }

    fn corrupt(&self, reason: impl Into<String>) -> StoreError {
        StoreError::CorruptPack {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn read_at_most(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            let n = self
                .file
                .read_at(&mut buf[filled..], offset + filled as u64)
                .io_context(|| format!("reading {}", self.path.display()))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok(filled)
    }

    /// Reads the object whose entry starts at `offset` into `out`
    /// (replacing its contents), delta chain resolved; returns its kind.
    pub(crate) fn read(&mut self, offset: u64, out: &mut Vec<u8>) -> Result<Kind> {
        let mut chain = std::mem::take(&mut self.chain);
        chain.clear();
        let result = self.read_chain(offset, &mut chain, out);
        self.chain = chain;
        result
    }

    fn read_chain(
        &mut self,
        offset: u64,
        chain: &mut Vec<Link>,
        out: &mut Vec<u8>,
    ) -> Result<Kind> {
        let mut pos = offset;
        let kind = loop {
            if let Some((kind, data)) = self.cache.get(pos) {
                out.clear();
                out.extend_from_slice(data);
                break kind;
            }
            let mut head = [0u8; 32];
            let n = self.read_at_most(&mut head, pos)?;
            let (ty, size, used) = decode_entry_header(&head[..n])
                .ok_or_else(|| self.corrupt(format!("bad entry header at offset {pos}")))?;
            if ty == OBJ_OFS_DELTA {
                let (distance, used2) = decode_ofs(&head[used..n]).ok_or_else(|| {
                    self.corrupt(format!("bad delta base offset at offset {pos}"))
                })?;
                if distance == 0 || distance > pos {
                    return Err(self.corrupt(format!("bad delta base offset at offset {pos}")));
                }
                if chain.len() >= MAX_CHAIN {
                    return Err(self.corrupt(format!("delta chain too long at offset {offset}")));
                }
                chain.push(Link {
                    offset: pos,
                    data_pos: pos + (used + used2) as u64,
                    size,
                });
                pos -= distance;
            } else {
                let kind = type_to_kind(ty).ok_or_else(|| {
                    self.corrupt(format!("unexpected entry type {ty} at offset {pos}"))
                })?;
                self.inflate_at(pos + used as u64, size, out)?;
                self.cache.put(pos, kind, out);
                break kind;
            }
        };
        let mut delta = std::mem::take(&mut self.delta);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut result = Ok(());
        for link in chain.iter().rev() {
            result = self
                .inflate_at(link.data_pos, link.size, &mut delta)
                .and_then(|()| apply_delta(out, &delta, &mut scratch));
            if result.is_err() {
                break;
            }
            std::mem::swap(out, &mut scratch);
            self.cache.put(link.offset, kind, out);
        }
        // Keep the buffers for the next read, unless one grew large.
        if delta.capacity() <= CACHE_MAX_OBJECT {
            self.delta = delta;
        }
        if scratch.capacity() <= CACHE_MAX_OBJECT {
            self.scratch = scratch;
        }
        result.map(|()| kind)
    }

    /// Inflates the zlib stream at `pos`, which must give `size` bytes,
    /// into `out` (replacing its contents).
    fn inflate_at(&mut self, mut pos: u64, size: u64, out: &mut Vec<u8>) -> Result<()> {
        let size = usize::try_from(size).map_err(|_| self.corrupt("object too large"))?;
        out.clear();
        out.reserve(size + 1);
        self.inflate.reset(true);
        let chunk = (size + 64).clamp(256, 1 << 20);
        let mut input = std::mem::take(&mut self.input);
        input.resize(chunk, 0);
        let result = loop {
            let n = match self.read_at_most(&mut input, pos) {
                Ok(n) => n,
                Err(e) => break Err(e),
            };
            let (in_before, out_before) = (self.inflate.total_in(), out.len());
            let status = match self
                .inflate
                .decompress_vec(&input[..n], out, FlushDecompress::None)
            {
                Ok(s) => s,
                Err(e) => break Err(self.corrupt(format!("bad zlib data at offset {pos}: {e}"))),
            };
            pos += self.inflate.total_in() - in_before;
            if out.len() > size {
                break Err(self.corrupt(format!("object larger than its header says at {pos}")));
            }
            match status {
                Status::StreamEnd => break Ok(()),
                _ if self.inflate.total_in() == in_before && out.len() == out_before => {
                    if out.len() == out.capacity() {
                        out.reserve(64);
                        continue;
                    }
                    break Err(self.corrupt(format!("truncated zlib data at offset {pos}")));
                }
                _ => {}
            }
        };
        if input.capacity() <= CACHE_MAX_OBJECT {
            self.input = input;
        }
        result?;
        if out.len() != size {
            return Err(self.corrupt(format!(
                "object has {} bytes, its header says {size}",
                out.len()
            )));
        }
        Ok(())
    }
}
