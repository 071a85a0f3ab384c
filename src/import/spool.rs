//! Revisions set aside in a temporary file while the rest of a changegroup
//! is read, so that memory does not grow with the number of revisions
//! ([`Spool`]); and the revisions of one file group, set aside in memory
//! (in a reused temporary file past a bound) so that the group can be read
//! twice: once to plan its delta bases, once to import it ([`GroupSpool`]).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

use super::error::{invalid, Result};

use crate::hg::{HgNode, RevisionChunk};

/// Revision chunks written to a temporary file, read back in order.
pub struct Spool {
    file: BufWriter<File>,
    count: u64,
}

const HEADER: usize = 5 * 20 + 8;

impl Spool {
    /// An empty spool.
    pub fn new() -> Result<Spool> {
        let file = tempfile::tempfile()?;
        Ok(Spool {
            file: BufWriter::new(file),
            count: 0,
        })
    }

    /// Sets a revision aside.
    pub fn push(&mut self, c: &RevisionChunk<'_>) -> Result<()> {
        encode(c, &mut self.file)?;
        self.count += 1;
        Ok(())
    }

    /// Number of revisions set aside.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether the spool is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Reads the revisions back, in order.
    pub fn into_reader(self) -> Result<SpoolReader> {
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| invalid(format!("cannot write to a temporary file: {e}")))?;
        file.rewind()?;
        Ok(SpoolReader {
            file: BufReader::new(file),
            left: self.count,
            delta: Vec::new(),
        })
    }
}

/// Reads a spool back.
pub struct SpoolReader {
    file: BufReader<File>,
    left: u64,
    delta: Vec<u8>,
}

impl SpoolReader {
    /// Number of revisions left to read.
    pub fn len(&self) -> u64 {
        self.left
    }

    /// Whether every revision was read.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// The next revision, or `None` after the last.
    pub fn next_revision(&mut self) -> Result<Option<RevisionChunk<'_>>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut header = [0u8; HEADER];
        self.file.read_exact(&mut header)?;
        self.delta.resize(delta_len(&header)?, 0);
        self.file.read_exact(&mut self.delta)?;
        Ok(Some(decode(&header, &self.delta)))
    }
}

/// Writes a revision: its five nodes, the length of its delta, the delta.
fn encode(c: &RevisionChunk<'_>, out: &mut impl Write) -> Result<()> {
    for n in [c.node, c.p1, c.p2, c.delta_base, c.linknode] {
        out.write_all(&n.0)?;
    }
    out.write_all(&(c.delta.len() as u64).to_le_bytes())?;
    out.write_all(c.delta)?;
    Ok(())
}

/// The length of the delta following `header`.
fn delta_len(header: &[u8; HEADER]) -> Result<usize> {
    let mut len = [0u8; 8];
    len.copy_from_slice(&header[100..]);
    usize::try_from(u64::from_le_bytes(len)).map_err(|_| invalid("spooled delta too large"))
}

/// A revision from its header and delta (flags are refused before
/// spooling, so they are 0).
fn decode<'a>(header: &[u8; HEADER], delta: &'a [u8]) -> RevisionChunk<'a> {
    let node = |k: usize| {
        let mut n = [0u8; 20];
        n.copy_from_slice(&header[k * 20..k * 20 + 20]);
        HgNode(n)
    };
    RevisionChunk {
        node: node(0),
        p1: node(1),
        p2: node(2),
        delta_base: node(3),
        linknode: node(4),
        flags: 0,
        delta,
        offset: 0,
    }
}

/// Bytes of a group kept in memory before it goes to the temporary file.
const GROUP_MEMORY: usize = 4 << 20;

/// The revisions of one group, in memory up to [`GROUP_MEMORY`] bytes and
/// in a temporary file (made once, reused by later groups) beyond.
#[derive(Default)]
pub struct GroupSpool {
    memory: Vec<u8>,
    file: Option<File>,
    /// Whether part of the current group is in the file.
    spilled: bool,
    count: u64,
}

impl GroupSpool {
    /// Starts a new group, forgetting the last one.
    pub fn start(&mut self) -> Result<()> {
        self.memory.clear();
        self.count = 0;
        if self.spilled {
            if let Some(file) = &mut self.file {
                file.set_len(0)?;
                file.rewind()?;
            }
            self.spilled = false;
        }
        Ok(())
    }

    /// Sets a revision of the group aside.
    pub fn push(&mut self, c: &RevisionChunk<'_>) -> Result<()> {
        encode(c, &mut self.memory)?;
        self.count += 1;
        if self.memory.len() >= GROUP_MEMORY {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        file.write_all(&self.memory)?;
        self.memory.clear();
        self.spilled = true;
        Ok(())
    }

    /// Number of revisions of the group set aside.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether the group is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Reads the group back, in order.
    pub fn reader(&mut self) -> Result<GroupReader<'_>> {
        let source = if self.spilled {
            self.spill()?;
            let file = self
                .file
                .as_mut()
                .ok_or_else(|| invalid("spooled group without its file"))?;
            file.rewind()?;
            GroupSource::File(BufReader::with_capacity(1 << 16, file))
        } else {
            GroupSource::Memory(&self.memory)
        };
        Ok(GroupReader {
            source,
            left: self.count,
            delta: Vec::new(),
        })
    }
}

enum GroupSource<'a> {
    /// The bytes not read yet.
    Memory(&'a [u8]),
    File(BufReader<&'a mut File>),
}

/// Reads a [`GroupSpool`] back.
pub struct GroupReader<'a> {
    source: GroupSource<'a>,
    left: u64,
    delta: Vec<u8>,
}

impl GroupReader<'_> {
    /// The next revision, or `None` after the last.
    pub fn next_revision(&mut self) -> Result<Option<RevisionChunk<'_>>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut header = [0u8; HEADER];
        match &mut self.source {
            GroupSource::Memory(rest) => {
                let truncated = || invalid("truncated spooled group");
                let (h, tail) = rest.split_first_chunk::<HEADER>().ok_or_else(truncated)?;
                header = *h;
                let len = delta_len(&header)?;
                if tail.len() < len {
                    return Err(truncated());
                }
                let (delta, tail) = tail.split_at(len);
                *rest = tail;
                Ok(Some(decode(&header, delta)))
            }
            GroupSource::File(file) => {
                file.read_exact(&mut header)?;
                self.delta.resize(delta_len(&header)?, 0);
                file.read_exact(&mut self.delta)?;
                Ok(Some(decode(&header, &self.delta)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(k: u8, delta: &[u8]) -> RevisionChunk<'_> {
        RevisionChunk {
            node: HgNode([k; 20]),
            p1: HgNode([k + 1; 20]),
            p2: HgNode::NULL,
            delta_base: HgNode([k + 2; 20]),
            linknode: HgNode([k + 3; 20]),
            flags: 0,
            delta,
            offset: 0,
        }
    }

    fn read_all(spool: &mut GroupSpool) -> Vec<(HgNode, HgNode, usize)> {
        let mut reader = spool.reader().unwrap();
        let mut out = Vec::new();
        while let Some(c) = reader.next_revision().unwrap() {
            assert_eq!(c.p1.0[0], c.node.0[0] + 1);
            assert_eq!(c.linknode.0[0], c.node.0[0] + 3);
            out.push((c.node, c.delta_base, c.delta.len()));
        }
        out
    }

    #[test]
    fn group_spool_in_memory_and_in_file() {
        let mut spool = GroupSpool::default();
        let big = vec![7u8; GROUP_MEMORY / 2 + 1];
        for round in 0..2 {
            spool.start().unwrap();
            spool.push(&chunk(1, b"abc")).unwrap();
            spool.push(&chunk(5, b"")).unwrap();
            assert_eq!(read_all(&mut spool).len(), 2);
            assert!(!spool.spilled);
            // Past the bound, the group goes to the file, read twice.
            spool.start().unwrap();
            for k in 0..3 {
                spool.push(&chunk(10 * k + round, &big)).unwrap();
            }
            assert!(spool.spilled);
            for _ in 0..2 {
                let all = read_all(&mut spool);
                assert_eq!(all.len(), 3);
                assert_eq!(all[2].0, HgNode([20 + round; 20]));
                assert_eq!(all[2].1, HgNode([22 + round; 20]));
                assert_eq!(all[2].2, big.len());
            }
        }
    }
}
