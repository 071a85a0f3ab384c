//! The shapes, and generating a bundle file of one.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use cinnabar::hg::bundle::Compression;

use super::history::{History, ManifestBase, Shape};
use super::model::{Paths, Rng};
use super::spool;

/// The shape called `name`, with `changesets` and `files` overriding its
/// sizes.
pub fn shape(name: &str, changesets: Option<usize>, files: Option<usize>) -> Option<Shape> {
    let s = match name {
        "long" => {
            let changesets = changesets.unwrap_or(100_000);
            // Without `--files` the population grows with the history
            // (N/50 at the tip, from a tenth of that); with it, the first
            // changeset adds 90% of N and adds stay balanced by removals
            // around N from then on: a manifest of bounded size.
            let (files, initial) = match files {
                Some(files) => (files.max(20), files.max(20) * 9 / 10),
                None => {
                    let files = (changesets / 50).max(100);
                    (files, files / 10)
                }
            };
            Shape {
                changesets,
                files,
                universe: files + files / 4,
                dirs: (files / 20).max(4),
                symlink_every: 200,
                initial,
                touches: (1, 4),
                p_remove: 0.01,
                p_copy: 0.01,
                p_rename: 0.5,
                p_merge: 0.1,
                p_fork: 0.01,
                max_heads: 3,
                trunk_bias: 0.7,
                p_conflict: 0.3,
                retire: 1.0,
                manifest_base: ManifestBase::P1,
            }
        }
        "wide" => {
            let files = files.unwrap_or(50_000);
            Shape {
                changesets: changesets.unwrap_or(5_000),
                files,
                universe: files + files / 10,
                dirs: (files / 25).max(4),
                symlink_every: 200,
                initial: files * 19 / 20,
                touches: (1, 20),
                p_remove: 0.005,
                p_copy: 0.005,
                p_rename: 0.5,
                p_merge: 0.2,
                p_fork: 0.01,
                max_heads: 3,
                trunk_bias: 0.7,
                p_conflict: 0.3,
                retire: 1.0,
                manifest_base: ManifestBase::P1,
            }
        }
        "merge-heavy" => {
            let files = files.unwrap_or(3_000);
            Shape {
                changesets: changesets.unwrap_or(24_000),
                files,
                universe: files * 8 / 5,
                dirs: (files / 10).max(4),
                symlink_every: 25,
                initial: files / 3,
                touches: (1, 6),
                p_remove: 0.04,
                p_copy: 0.2,
                p_rename: 0.6,
                p_merge: 0.32,
                p_fork: 0.02,
                max_heads: 100,
                trunk_bias: 0.3,
                p_conflict: 0.01,
                retire: 0.03,
                manifest_base: ManifestBase::P1,
            }
        }
        _ => return None,
    };
    Some(s)
}

/// Generates the history of `shape` (called `name`) from `seed` into a
/// bundle at `out`; returns a summary line of counts.
pub fn generate(
    name: &str,
    shape: &Shape,
    seed: u64,
    compression: Compression,
    out: &Path,
) -> io::Result<String> {
    let mut rng = Rng::new(seed ^ 0xd1c);
    let paths = Paths::generate(&mut rng, shape.universe, shape.dirs, shape.symlink_every);
    let mut history = History::new(shape, &paths, seed)?;
    history.run()?;
    let History {
        revs,
        mut file_index,
        changesets,
        manifests,
        files,
        stats,
        ..
    } = history;
    drop(revs);
    file_index.sort_by_key(|&(path, _)| path);
    let mut groups: spool::FileGroups<'_> = Vec::new();
    for (path, offset) in file_index {
        let name = &paths.names[path as usize][..];
        match groups.last_mut() {
            Some((n, offsets)) if *n == name => offsets.push(offset),
            _ => groups.push((name, vec![offset])),
        }
    }
    let file_count = groups.len();
    let out = BufWriter::new(File::create(out)?);
    let out = spool::write_bundle(out, compression, changesets, manifests, files, groups)?;
    let size = out
        .into_inner()
        .map_err(|e| e.into_error())?
        .metadata()?
        .len();
    Ok(format!(
        "shape={name} seed={seed} manifest_base={:?} changesets={} merges={} \
             manifests={} filelogs={file_count} file_revisions={} revisions={} copies={} \
             tips={} files_at_tip={} symlinks_at_tip={} manifest_delta_bytes={} bytes={size}",
        shape.manifest_base,
        stats.changesets,
        stats.merges,
        stats.changesets,
        stats.file_revisions,
        2 * stats.changesets + stats.file_revisions,
        stats.copies,
        stats.tips,
        stats.files_at_tip,
        stats.symlinks_at_tip,
        stats.manifest_delta_bytes,
    ))
}
