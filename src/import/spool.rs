//! Revisions set aside in a temporary file while the rest of a changegroup
//! is read, so that memory does not grow with the number of revisions.

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
        for n in [c.node, c.p1, c.p2, c.delta_base, c.linknode] {
            self.file.write_all(&n.0)?;
        }
        self.file.write_all(&(c.delta.len() as u64).to_le_bytes())?;
        self.file.write_all(c.delta)?;
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
        let node = |k: usize| {
            let mut n = [0u8; 20];
            n.copy_from_slice(&header[k * 20..k * 20 + 20]);
            HgNode(n)
        };
        let mut len = [0u8; 8];
        len.copy_from_slice(&header[100..]);
        self.delta.resize(u64::from_le_bytes(len) as usize, 0);
        self.file.read_exact(&mut self.delta)?;
        Ok(Some(RevisionChunk {
            node: node(0),
            p1: node(1),
            p2: node(2),
            delta_base: node(3),
            linknode: node(4),
            flags: 0,
            delta: &self.delta,
            offset: 0,
        }))
    }
}
