//! Revisions set aside in a temporary file while the rest of a changegroup
//! is read, so that memory does not grow with the number of revisions.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

use miette::{miette, IntoDiagnostic};

use crate::hg::{HgNode, RevisionChunk};

/// Revision chunks written to a temporary file, read back in order.
pub struct Spool {
    file: BufWriter<File>,
    count: u64,
}

const HEADER: usize = 5 * 20 + 8;

impl Spool {
    /// An empty spool.
    pub fn new() -> miette::Result<Spool> {
        let file = tempfile::tempfile().into_diagnostic()?;
        Ok(Spool {
            file: BufWriter::new(file),
            count: 0,
        })
    }

    /// Sets a revision aside.
    pub fn push(&mut self, c: &RevisionChunk<'_>) -> miette::Result<()> {
        for n in [c.node, c.p1, c.p2, c.delta_base, c.linknode] {
            self.file.write_all(&n.0).into_diagnostic()?;
        }
        self.file
            .write_all(&(c.delta.len() as u64).to_le_bytes())
            .into_diagnostic()?;
        self.file.write_all(c.delta).into_diagnostic()?;
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
    pub fn into_reader(self) -> miette::Result<SpoolReader> {
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| miette!("cannot write to a temporary file: {e}"))?;
        file.rewind().into_diagnostic()?;
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
    /// The next revision, or `None` after the last.
    pub fn next_revision(&mut self) -> miette::Result<Option<RevisionChunk<'_>>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut header = [0u8; HEADER];
        self.file.read_exact(&mut header).into_diagnostic()?;
        let node = |k: usize| {
            let mut n = [0u8; 20];
            n.copy_from_slice(&header[k * 20..k * 20 + 20]);
            HgNode(n)
        };
        let mut len = [0u8; 8];
        len.copy_from_slice(&header[100..]);
        self.delta.resize(u64::from_le_bytes(len) as usize, 0);
        self.file.read_exact(&mut self.delta).into_diagnostic()?;
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
