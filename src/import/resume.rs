//! Imports from the network that resume: a server's response or a clone
//! bundle is kept on disk, under the git directory's `cinnabar/`, so that
//! it can be imported in passes with checkpoints like a bundle file (see
//! [`super::chunked`]).
//!
//! - A `getbundle` response (or a bundle served over HTTP) is spooled, zstd-compressed, to an unnamed
//!   temporary file (gone with the process, even when killed), then
//!   imported. A fetch killed after a checkpoint keeps what the
//!   checkpoint committed, and the next one asks the server only for what the metadata lacks: discovery finds
//!   the checkpointed changesets in common.
//! - A clone bundle is downloaded to `cinnabar/clonebundle.hg` (through
//!   `clonebundle.hg.part`) and removed once imported. A clone killed
//!   while importing it leaves it there: the next fetch imports the rest
//!   of it (its first changeset must be imported, else it is not this
//!   clone's and is removed), then asks the server for what is newer. A
//!   download killed half-way leaves only the `.part`, replaced or removed
//!   next time:
//!   the clone starts over (no metadata was committed), and a clone whose
//!   checkpoints outlived its clone bundle fetches the rest from the
//!   server.
//! - [`super::marker`] says where an interrupted import stopped.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::chunked::{import_file, import_source, Checkpoints};
use super::error::{invalid, Result, ResultExt};
use super::importer::Importer;
use super::marker::dir;
use crate::hg::bundle::BundleReader;
use crate::store::Repo;
use crate::util::{CountingReader, Progress};

/// Imports a server's response, or a bundle served over HTTP: spooled and
/// imported in passes when there are checkpoints, else as it comes.
/// `shown` names the server; `on_changeset` sees every changeset.
pub fn import_response(
    importer: &mut Importer,
    stream: Box<dyn Read + '_>,
    shown: &str,
    checkpoints: &Checkpoints,
    on_changeset: &mut dyn FnMut(&super::changesets::Imported),
) -> Result<()> {
    if !checkpoints.enabled() {
        return importer.import_stream(stream, on_changeset);
    }
    let (spool, changesets) = spool(importer.store.repo(), stream, importer.progress())?;
    if checkpoints.log {
        eprintln!("DEBUG checkpoint: {shown} sent {changesets} changesets");
    }
    let open = || -> Result<Box<dyn Read>> {
        let mut file = spool.try_clone()?;
        file.rewind()?;
        Ok(Box::new(zstd::Decoder::new(file)?))
    };
    import_source(importer, &open, shown, checkpoints, on_changeset)
}

/// Copies a bundle stream to an unnamed temporary file of the git
/// directory, zstd-compressed, up to the bundle's end (a peer's stream
/// does not end there), reading it through (so that a server's error
/// shows now, and progress with it). Returns the file and the number of
/// changesets of the bundle.
fn spool(repo: &Repo, stream: Box<dyn Read + '_>, progress: bool) -> Result<(File, u64)> {
    let dir = dir(repo)?;
    let file = tempfile::tempfile_in(&dir)
        .context_with(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let out = zstd::Encoder::new(BufWriter::new(file), 1)?;
    let mut report = Progress::exact(progress);
    let counter = report.count_bytes();
    let mut tee = Tee {
        inner: CountingReader::new(stream, counter),
        out,
    };
    let mut bundle = BundleReader::open(&mut tee)?;
    let mut counts = [0u64; 3];
    while let Some(mut cg) = bundle.next_changegroup()? {
        for (k, what) in ["changesets", "manifests"].iter().enumerate() {
            while cg.next_revision()?.is_some() {
                counts[k] += 1;
                report.update(&format!("Receiving {what}"), counts[k]);
            }
        }
        while cg.next_file()?.is_some() {
            while cg.next_revision()?.is_some() {
                counts[2] += 1;
                report.update("Receiving files", counts[2]);
            }
        }
    }
    report.finish();
    drop(bundle);
    let out = tee.out.finish()?;
    let file = out
        .into_inner()
        .map_err(|e| invalid(format!("cannot write to a temporary file: {e}")))?;
    Ok((file, counts[0]))
}

/// A reader copying what it reads to a writer.
struct Tee<R, W> {
    inner: R,
    out: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Where a clone bundle is kept while it is imported.
fn kept_path(repo: &Repo) -> PathBuf {
    repo.git_dir().join("cinnabar").join("clonebundle.hg")
}

/// Downloads a clone bundle from `stream` to its place in the git
/// directory, then imports it in passes. Removed once imported.
pub fn import_clonebundle(
    importer: &mut Importer,
    stream: Box<dyn Read + '_>,
    shown: &str,
    checkpoints: &Checkpoints,
) -> Result<()> {
    let path = kept_path(importer.store.repo());
    let part = path.with_extension("hg.part");
    dir(importer.store.repo())?;
    {
        let mut report = Progress::exact(importer.progress());
        let counter = report.count_bytes();
        let mut input = CountingReader::new(stream, counter);
        let mut out = BufWriter::new(
            File::create(&part).context_with(|| format!("cannot create {}", part.display()))?,
        );
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
            total += n as u64;
            report.update("Downloading the clone bundle", total >> 20);
        }
        report.finish();
        out.into_inner()
            .map_err(|e| invalid(format!("cannot write {}: {e}", part.display())))?
            .sync_all()?;
    }
    std::fs::rename(&part, &path).context_with(|| format!("cannot rename {}", part.display()))?;
    import_kept(importer, &path, shown, checkpoints)
}

/// Imports the rest of a clone bundle an interrupted clone left, if there
/// is one and this clone started from it; the file is removed either way.
/// Returns whether it imported one.
pub fn resume_clonebundle(importer: &mut Importer, checkpoints: &Checkpoints) -> Result<bool> {
    let repo = importer.store.repo();
    let _ = std::fs::remove_file(kept_path(repo).with_extension("hg.part"));
    let path = kept_path(repo);
    if !path.exists() {
        return Ok(false);
    }
    let first = first_changeset(&path);
    if !first.is_ok_and(|n| n.is_some_and(|n| importer.hg2git_commit(&n).is_some())) {
        let _ = std::fs::remove_file(&path);
        return Ok(false);
    }
    import_kept(importer, &path, "the clone bundle", checkpoints)?;
    Ok(true)
}

/// The first changeset of a bundle file.
fn first_changeset(path: &Path) -> Result<Option<crate::hg::HgNode>> {
    let file = BufReader::new(File::open(path)?);
    let mut bundle = BundleReader::open(file)?;
    let Some(mut cg) = bundle.next_changegroup()? else {
        return Ok(None);
    };
    Ok(cg.next_revision()?.map(|c| c.node))
}

/// Imports a kept clone bundle, then removes it.
fn import_kept(
    importer: &mut Importer,
    path: &Path,
    shown: &str,
    checkpoints: &Checkpoints,
) -> Result<()> {
    import_file(importer, path, shown, checkpoints, &mut |_| {})
        .context_with(|| format!("while importing the clone bundle {shown}"))?;
    // The metadata is only committed at the end of the session: until
    // then, the file stays for a run that resumes after a checkpoint.
    importer.remove_after_commit(path.to_path_buf());
    Ok(())
}
