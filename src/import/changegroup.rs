//! One changegroup into git: manifests while they are read, then files,
//! then the changesets (spooled to a temporary file while the rest is read,
//! so memory does not grow with the number of changesets).

use std::io::{BufReader, BufWriter, Read, Seek, Write};

use miette::{miette, IntoDiagnostic};

use super::changesets::{ChangesetImporter, Imported};
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use super::state::State;
use crate::hg::changegroup::ChangegroupReader;
use crate::hg::{HgNode, RevisionChunk};
use crate::store::Store;

/// Reusable importers for the three kinds of revisions.
pub struct Importers {
    pub manifests: ManifestImporter,
    pub files: FileImporter,
    pub changesets: ChangesetImporter,
}

/// Counts of revisions read, for progress and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub changesets: u64,
    pub manifests: u64,
    pub files: u64,
}

/// Imports a whole changegroup. `on_changeset` sees every changeset of the
/// group, imported now or known before.
pub fn import_changegroup<R: Read>(
    cg: &mut ChangegroupReader<R>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    progress: &mut dyn FnMut(&str, u64),
    on_changeset: &mut dyn FnMut(&Imported),
) -> miette::Result<Counts> {
    let mut counts = Counts::default();
    let spool = tempfile::tempfile().into_diagnostic()?;
    let mut spool = BufWriter::new(spool);
    while let Some(c) = cg.next_revision()? {
        for n in [c.node, c.p1, c.p2, c.delta_base] {
            spool.write_all(&n.0).into_diagnostic()?;
        }
        spool
            .write_all(&(c.delta.len() as u64).to_le_bytes())
            .into_diagnostic()?;
        spool.write_all(c.delta).into_diagnostic()?;
        counts.changesets += 1;
    }
    while let Some(c) = cg.next_revision()? {
        importers.manifests.import(store, state, &c)?;
        counts.manifests += 1;
        progress("manifests", counts.manifests);
    }
    while let Some(name) = cg.next_file()? {
        let path = name.to_vec();
        importers.files.start_file();
        while let Some(c) = cg.next_revision()? {
            importers.files.import(store, state, &path, &c)?;
            counts.files += 1;
            progress("files", counts.files);
        }
    }
    let mut spool = spool
        .into_inner()
        .map_err(|e| miette!("cannot spool changesets: {e}"))?;
    spool.rewind().into_diagnostic()?;
    let mut spool = BufReader::new(spool);
    let mut header = [0u8; 88];
    let mut delta = Vec::new();
    for i in 0..counts.changesets {
        spool.read_exact(&mut header).into_diagnostic()?;
        let node = |k: usize| {
            let mut n = [0u8; 20];
            n.copy_from_slice(&header[k * 20..k * 20 + 20]);
            HgNode(n)
        };
        let mut len = [0u8; 8];
        len.copy_from_slice(&header[80..]);
        delta.resize(u64::from_le_bytes(len) as usize, 0);
        spool.read_exact(&mut delta).into_diagnostic()?;
        let rev = RevisionChunk {
            node: node(0),
            p1: node(1),
            p2: node(2),
            delta_base: node(3),
            linknode: node(0),
            flags: 0,
            delta: &delta,
            offset: 0,
        };
        let imported = importers.changesets.import(store, state, &rev)?;
        on_changeset(&imported);
        progress("changesets", i + 1);
    }
    Ok(counts)
}
