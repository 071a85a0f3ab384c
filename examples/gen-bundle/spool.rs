//! Revisions spooled to temporary files while the history is generated
//! (changesets, manifests and files come out interleaved; a changegroup
//! wants them grouped), then replayed into the project's bundle writer.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::os::unix::fs::FileExt;

use cinnabar::hg::bundle::{Bundle2Writer, BundleSpec, ChangegroupWriter, Compression};
use cinnabar::hg::{CgVersion, HgNode, RevisionChunk};

/// One revision as spooled: node, p1, p2, delta base, linknode, delta.
pub struct Rev<'a> {
    pub node: HgNode,
    pub p1: HgNode,
    pub p2: HgNode,
    pub base: HgNode,
    pub link: HgNode,
    pub delta: &'a [u8],
}

/// A temporary file of revision records.
pub struct Spool {
    out: BufWriter<File>,
    len: u64,
}

const HEADER: usize = 104;

impl Spool {
    pub fn new() -> io::Result<Spool> {
        Ok(Spool {
            out: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?),
            len: 0,
        })
    }

    /// Appends a record; returns its offset.
    pub fn push(&mut self, rev: &Rev<'_>) -> io::Result<u64> {
        let offset = self.len;
        for n in [rev.node, rev.p1, rev.p2, rev.base, rev.link] {
            self.out.write_all(&n.0)?;
        }
        self.out
            .write_all(&(rev.delta.len() as u32).to_be_bytes())?;
        self.out.write_all(rev.delta)?;
        self.len += (HEADER + rev.delta.len()) as u64;
        Ok(offset)
    }

    fn into_file(self) -> io::Result<File> {
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(file)
    }
}

fn decode(header: &[u8; HEADER]) -> ([HgNode; 5], usize) {
    let node = |i: usize| HgNode::from_slice(&header[i * 20..i * 20 + 20]).unwrap_or_default();
    let len = u32::from_be_bytes([header[100], header[101], header[102], header[103]]);
    ([node(0), node(1), node(2), node(3), node(4)], len as usize)
}

fn write<W: Write>(
    out: &mut ChangegroupWriter<W>,
    nodes: [HgNode; 5],
    delta: &[u8],
) -> io::Result<()> {
    out.write_revision(&RevisionChunk {
        node: nodes[0],
        p1: nodes[1],
        p2: nodes[2],
        delta_base: nodes[3],
        linknode: nodes[4],
        flags: 0,
        delta,
        offset: 0,
    })
}

/// Replays every record of `spool`, in order, as one group.
fn replay_all<W: Write>(out: &mut ChangegroupWriter<W>, spool: Spool) -> io::Result<()> {
    let mut input = BufReader::with_capacity(1 << 20, spool.into_file()?);
    let mut header = [0u8; HEADER];
    let mut delta = Vec::new();
    loop {
        match input.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        let (nodes, len) = decode(&header);
        delta.resize(len, 0);
        input.read_exact(&mut delta)?;
        write(out, nodes, &delta)?;
    }
    out.end_group()
}

/// The file groups: `(path name, offsets of its records in order)`.
pub type FileGroups<'a> = Vec<(&'a [u8], Vec<u64>)>;

/// Writes the bundle: changesets, manifests, then each file's group.
pub fn write_bundle<W: Write>(
    out: W,
    compression: Compression,
    changesets: Spool,
    manifests: Spool,
    files: Spool,
    groups: FileGroups<'_>,
) -> io::Result<W> {
    let mut writer = Bundle2Writer::new(out, compression)?;
    let part = writer.start_part("changegroup", true, &[("version", "02")])?;
    let mut cg = ChangegroupWriter::new(part, CgVersion::V2);
    replay_all(&mut cg, changesets)?;
    replay_all(&mut cg, manifests)?;
    let files = files.into_file()?;
    let mut header = [0u8; HEADER];
    let mut delta = Vec::new();
    for (name, offsets) in groups {
        cg.start_file(name)?;
        for offset in offsets {
            files.read_exact_at(&mut header, offset)?;
            let (nodes, len) = decode(&header);
            delta.resize(len, 0);
            files.read_exact_at(&mut delta, offset + HEADER as u64)?;
            write(&mut cg, nodes, &delta)?;
        }
        cg.end_group()?;
    }
    cg.finish()?.finish()?;
    writer.finish()
}

/// The compression of a bundle spec (only `*-v2` specs are supported:
/// file deltas name their parent as base, which changegroup 01 cannot).
pub fn compression_of(spec: &str) -> Option<Compression> {
    match spec.parse::<BundleSpec>().ok()? {
        BundleSpec::V2(c) => Some(c),
        _ => None,
    }
}
