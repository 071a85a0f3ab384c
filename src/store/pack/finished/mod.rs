//! The packs this process finished, looked up and read without mapping
//! them: a long import finishes a pack at every checkpoint, and every
//! object it writes afterwards asks whether those packs hold it already.
//! Through git's memory-mapped indexes that search touched every page of
//! every index (they stayed resident: ~28 bytes an object), and the
//! objects read back (notes trees, delta bases) the pages of the packs.
//!
//! Here the question is answered by a Bloom filter of all their ids
//! ([`filter`]), about 1.5 bytes an object, which says "no" for nearly
//! every new object. On "maybe", each pack's index is searched with
//! `pread`: its fan-out table and every 64th id's first eight bytes are
//! kept in memory (0.13 bytes an object), which narrow the search to a
//! block of at most 63 ids read from the file; then the object's offset.
//! Objects are read with [`PackReader`] (`pread`, delta chains within the
//! pack). What is read goes through the page cache, not into this
//! process's resident memory.
//!
//! An import in passes adds the packs the repository had before it as
//! well ([`FinishedPacks::add_existing`]); an object of theirs that
//! [`PackReader`] cannot read (git's `REF_DELTA`) is left to git.

mod filter;

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use gix::object::Kind;
use gix::ObjectId;

use super::reader::PackReader;
use crate::store::error::{IoContext, Result, StoreError};
use filter::IdFilter;

/// One id in this many is sampled.
const SAMPLE: usize = 64;
/// Readers of packs kept open.
const OPEN_READERS: usize = 4;
/// Index files kept open; older ones are opened per lookup.
const OPEN_INDEXES: usize = 64;

/// A pack searched here: what narrows a search of its index.
struct Pack {
    idx_path: PathBuf,
    pack_path: PathBuf,
    idx: Option<File>,
    /// Whether this process wrote the pack. [`PackReader`] follows only
    /// `OFS_DELTA` chains, which is all our packs have: an object of
    /// another pack it cannot read is left to git.
    ours: bool,
    count: u32,
    fanout: Box<[u32; 256]>,
    /// The first eight bytes (big-endian) of the ids at positions 0,
    /// `SAMPLE`, 2 × `SAMPLE`…
    sample: Vec<u64>,
}

/// Packs finished by this process (and those a long import found). See
/// the [module](self) docs.
#[derive(Default)]
pub struct FinishedPacks {
    packs: Vec<Pack>,
    filter: Option<IdFilter>,
    objects: usize,
    /// The objects the packs are expected to hold in the end (see
    /// [`expect`](Self::expect)).
    expected: usize,
    readers: Vec<(usize, PackReader)>,
    /// Searches of the indexes the filter let through.
    pub searches: u64,
}

impl std::fmt::Debug for FinishedPacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinishedPacks")
            .field("packs", &self.packs.len())
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

fn corrupt(path: &Path, reason: &str) -> StoreError {
    StoreError::CorruptPack {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn prefix(id: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    head.copy_from_slice(&id[..8]);
    u64::from_be_bytes(head)
}

/// The header and fan-out table of a version 2 index.
fn read_fanout(path: &Path, r: &mut impl Read) -> Result<Box<[u32; 256]>> {
    let mut header = [0u8; 8];
    r.read_exact(&mut header)
        .io_context(|| format!("reading {}", path.display()))?;
    if header != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
        return Err(corrupt(path, "not a version 2 pack index"));
    }
    let mut fanout = Box::new([0u32; 256]);
    let mut word = [0u8; 4];
    for slot in fanout.iter_mut() {
        r.read_exact(&mut word)
            .io_context(|| format!("reading {}", path.display()))?;
        *slot = u32::from_be_bytes(word);
    }
    if fanout.windows(2).any(|w| w[0] > w[1]) {
        return Err(corrupt(path, "fan-out table not sorted"));
    }
    Ok(fanout)
}

/// Calls `f` with every id of the index at `path`, in order, read
/// sequentially.
fn for_each_id(path: &Path, mut f: impl FnMut(usize, &[u8; 20])) -> Result<()> {
    let file = File::open(path).io_context(|| format!("opening {}", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    let fanout = read_fanout(path, &mut r)?;
    let mut id = [0u8; 20];
    for i in 0..fanout[255] as usize {
        r.read_exact(&mut id)
            .io_context(|| format!("reading {}", path.display()))?;
        f(i, &id);
    }
    Ok(())
}

impl FinishedPacks {
    /// Adds a pack just finished: its index at `idx_path`, its pack beside
    /// it.
    pub fn add(&mut self, idx_path: &Path) -> Result<()> {
        self.add_pack(idx_path, true)
    }

    /// Adds a pack someone else wrote (perhaps an earlier run); an object
    /// of it that cannot be read here is left to git.
    pub fn add_existing(&mut self, idx_path: &Path) -> Result<()> {
        self.add_pack(idx_path, false)
    }

    /// Whether the pack whose index is at `idx_path` was added.
    pub fn has_index(&self, idx_path: &Path) -> bool {
        self.packs.iter().any(|p| p.idx_path == idx_path)
    }

    fn add_pack(&mut self, idx_path: &Path, ours: bool) -> Result<()> {
        let file = File::open(idx_path).io_context(|| format!("opening {}", idx_path.display()))?;
        let fanout = read_fanout(idx_path, &mut &file)?;
        let count = fanout[255];
        let mut sample = Vec::with_capacity((count as usize).div_ceil(SAMPLE));
        let total = self.objects + count as usize;
        let grow = self.filter.as_ref().is_none_or(|f| f.capacity() < total);
        if grow {
            // Sized with room for more packs like this one; the ids of the
            // packs already added are read again.
            let mut filter = IdFilter::with_capacity((total + total / 2).max(self.expected));
            for p in &self.packs {
                for_each_id(&p.idx_path, |_, id| filter.insert(id))?;
            }
            self.filter = Some(filter);
        }
        let filter = self
            .filter
            .as_mut()
            .ok_or_else(|| corrupt(idx_path, "no filter"))?;
        let mut seen = 0usize;
        for_each_id(idx_path, |i, id| {
            if i % SAMPLE == 0 {
                sample.push(prefix(id));
            }
            filter.insert(id);
            seen += 1;
        })?;
        if seen != count as usize {
            return Err(corrupt(idx_path, "truncated"));
        }
        if self.packs.len() >= OPEN_INDEXES {
            if let Some(p) = self.packs.iter_mut().find(|p| p.idx.is_some()) {
                p.idx = None;
            }
        }
        self.packs.push(Pack {
            idx_path: idx_path.to_path_buf(),
            pack_path: idx_path.with_extension("pack"),
            idx: Some(file),
            ours,
            count,
            fanout,
            sample,
        });
        self.objects = total;
        Ok(())
    }

    /// Sizes the filter, when it is next made, for `objects` more than
    /// the packs added so far hold: every time it grows, the ids of the
    /// packs are read again.
    pub fn expect(&mut self, objects: usize) {
        self.expected = self.objects.saturating_add(objects);
    }

    /// Whether none was added.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// The pack and offset of `oid`, if one of the packs holds it.
    fn find(&mut self, oid: &ObjectId) -> Result<Option<(usize, u64)>> {
        let mut id = [0u8; 20];
        id.copy_from_slice(oid.as_slice());
        if !self.filter.as_ref().is_some_and(|f| f.may_contain(&id)) {
            return Ok(None);
        }
        self.searches += 1;
        // The latest packs first: what is read back is mostly recent.
        for (i, pack) in self.packs.iter().enumerate().rev() {
            if let Some(offset) = pack.offset_of(&id)? {
                return Ok(Some((i, offset)));
            }
        }
        Ok(None)
    }

    /// Whether one of the packs holds `oid`.
    pub fn contains(&mut self, oid: &ObjectId) -> Result<bool> {
        Ok(self.find(oid)?.is_some())
    }

    /// Reads `oid` into `out` if one of the packs holds it.
    pub fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        let Some((pack, offset)) = self.find(oid)? else {
            return Ok(None);
        };
        let slot = match self.readers.iter().position(|(p, _)| *p == pack) {
            Some(slot) => slot,
            None => {
                // Gone (repacked by someone else): git's lookups find the
                // object where it is now.
                let Ok(reader) = PackReader::open(&self.packs[pack].pack_path) else {
                    return Ok(None);
                };
                if self.readers.len() >= OPEN_READERS {
                    self.readers.remove(0);
                }
                self.readers.push((pack, reader));
                self.readers.len() - 1
            }
        };
        match self.readers[slot].1.read(offset, out) {
            Ok(kind) => Ok(Some(kind)),
            Err(_) if !self.packs[pack].ours => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Pack {
    fn read_exact_at(&self, file: &File, buf: &mut [u8], offset: u64) -> Result<()> {
        file.read_exact_at(buf, offset)
            .io_context(|| format!("reading {}", self.idx_path.display()))
    }

    /// The offset in the pack of the object `id`, searched in the index.
    fn offset_of(&self, id: &[u8; 20]) -> Result<Option<u64>> {
        let first = id[0] as usize;
        let lo = if first == 0 {
            0
        } else {
            self.fanout[first - 1]
        } as usize;
        let hi = self.fanout[first] as usize;
        if lo >= hi {
            return Ok(None);
        }
        // Positions whose sample is below the id's prefix are below it;
        // those from the first sample above it are above.
        let key = prefix(id);
        let below = self.sample.partition_point(|&s| s < key);
        let not_above = self.sample.partition_point(|&s| s <= key);
        let start = lo.max(if below == 0 {
            0
        } else {
            (below - 1) * SAMPLE + 1
        });
        let end = hi.min(not_above * SAMPLE);
        if start >= end {
            return Ok(None);
        }
        let opened;
        let file = match &self.idx {
            Some(f) => f,
            None => {
                // Gone (repacked by someone else): not searched here.
                let Ok(f) = File::open(&self.idx_path) else {
                    return Ok(None);
                };
                opened = f;
                &opened
            }
        };
        let count = self.count as u64;
        let mut ids = vec![0u8; (end - start) * 20];
        self.read_exact_at(file, &mut ids, 8 + 1024 + start as u64 * 20)?;
        let (mut a, mut b) = (0, end - start);
        let found = loop {
            if a >= b {
                return Ok(None);
            }
            let m = (a + b) / 2;
            match ids[m * 20..m * 20 + 20].cmp(&id[..]) {
                std::cmp::Ordering::Less => a = m + 1,
                std::cmp::Ordering::Greater => b = m,
                std::cmp::Ordering::Equal => break m,
            }
        };
        let position = (start + found) as u64;
        let mut word = [0u8; 4];
        self.read_exact_at(file, &mut word, 8 + 1024 + count * 24 + position * 4)?;
        let small = u32::from_be_bytes(word);
        if small & 0x8000_0000 == 0 {
            return Ok(Some(u64::from(small)));
        }
        let mut large = [0u8; 8];
        let at = 8 + 1024 + count * 28 + u64::from(small & 0x7fff_ffff) * 8;
        self.read_exact_at(file, &mut large, at)?;
        Ok(Some(u64::from_be_bytes(large)))
    }
}

#[cfg(test)]
mod tests;
