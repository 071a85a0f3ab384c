//! Writes a synthetic Mercurial bundle (HG20, changegroup 02) of a chosen
//! shape and size, deterministic from a seed, with real node ids: the
//! scale harness's input (`bench/scale.sh`).
//!
//! Usage: `gen-bundle SHAPE OUT [--changesets N] [--files N] [--seed S]
//! [--manifest-base p1|prev] [--spec zstd-v2|none-v2|gzip-v2|bzip2-v2]`
//!
//! Shapes:
//! - `long`: N changesets (default 100,000; 1,000,000 works), 1–4 files
//!   each, linear with short branches merged back now and then. Without
//!   `--files` the file population grows with the history (N/50 files at
//!   the tip, in N/1000 directories), and so does every manifest: a
//!   manifest node is the SHA-1 of the whole manifest text, so the work
//!   per changeset of anything that checks it grows with N. With
//!   `--files F` the first changeset adds 90% of F files (in F/20
//!   directories) and adds stay balanced by removals around F from then
//!   on: the manifest's size does not depend on N (`bench/scale.sh` uses
//!   F = 1,000 to measure the time per changeset from 100k to 1M);
//! - `wide`: 50,000 files (95% added by the first changeset), 5,000
//!   changesets touching 1–20 files each;
//! - `merge-heavy`: the shape of a history converted from git: ~80
//!   long-lived branches, a third of the changesets merges, ~3,000 files in
//!   ~300 directories, copies and renames (copy metadata), 4% symlinks.
//!
//! Changesets are in generation order, branches interleaved. Changeset
//! deltas are against the previous changeset, file deltas against the
//! file's first parent, manifest deltas against the first parent
//! (`--manifest-base p1`, what a generaldelta repository sends: with
//! interleaved branches the base of a branch's manifest is many manifests
//! back) or the previous manifest of the group (`prev`, changegroup 01's
//! rule). Prints one summary line of counts on stdout.

mod generate;
mod history;
mod model;
mod spool;

use std::path::Path;
use std::process::ExitCode;

use history::ManifestBase;

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen-bundle long|wide|merge-heavy OUT [--changesets N] [--files N] \
         [--seed S] [--manifest-base p1|prev] [--spec zstd-v2|none-v2|gzip-v2|bzip2-v2]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let (mut changesets, mut files, mut seed) = (None, None, 1u64);
    let mut base = None;
    let mut spec = "zstd-v2".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned();
        match arg.as_str() {
            "--changesets" => changesets = value().and_then(|v| v.parse().ok()),
            "--files" => files = value().and_then(|v| v.parse().ok()),
            "--seed" => match value().and_then(|v| v.parse().ok()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            "--manifest-base" => match value().as_deref() {
                Some("p1") => base = Some(ManifestBase::P1),
                Some("prev") => base = Some(ManifestBase::Prev),
                _ => return usage(),
            },
            "--spec" => match value() {
                Some(s) => spec = s,
                None => return usage(),
            },
            _ if arg.starts_with("--") => return usage(),
            _ => positional.push(arg.clone()),
        }
    }
    let [name, out] = &positional[..] else {
        return usage();
    };
    let Some(mut shape) = generate::shape(name, changesets, files) else {
        return usage();
    };
    if let Some(base) = base {
        shape.manifest_base = base;
    }
    let Some(compression) = spool::compression_of(&spec) else {
        eprintln!("gen-bundle: unsupported spec {spec:?} (a *-v2 spec is needed)");
        return ExitCode::from(2);
    };
    let result = generate::generate(name, &shape, seed, compression, Path::new(out));
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-bundle: {e}");
            ExitCode::FAILURE
        }
    }
}
