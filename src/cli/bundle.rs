//! `git cinnabar bundle`.

use std::ffi::OsString;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

use crate::export::bundle::write_bundle;
use crate::export::Exporter;
use crate::hg::bundle::{BundleSpec, Compression};
use crate::store::Repo;

/// Write a Mercurial bundle of git commits.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle version (1 or 2).
    #[arg(long = "version", value_parser = ["1", "2"], conflicts_with = "bundle_type")]
    pub bundle_version: Option<String>,
    /// Bundle type (none-v1, gzip-v1, bzip2-v1, none-v2, gzip-v2, bzip2-v2, zstd-v2).
    #[arg(short = 't', long = "type")]
    pub bundle_type: Option<String>,
    /// Where to write the bundle.
    pub path: std::path::PathBuf,
    /// git rev-list arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub revs: Vec<String>,
}

/// Runs the subcommand: converts the commits `git rev-list <revs>` gives
/// (those already in the metadata keep their changesets) and writes them
/// as a bundle. As git-cinnabar does, the metadata of new changesets is
/// not kept.
pub fn run(args: Args) -> super::Outcome {
    let spec = match (&args.bundle_type, args.bundle_version.as_deref()) {
        (Some(t), _) => t.parse::<BundleSpec>()?,
        (None, Some("1")) => BundleSpec::V1(Compression::None),
        (None, _) => BundleSpec::V2(Compression::None),
    };
    let mut exporter = Exporter::open(Repo::open()?)?;
    let revs: Vec<OsString> = args.revs.iter().map(OsString::from).collect();
    let commits = exporter.rev_list(&revs)?;
    let converted = exporter.convert(&commits);
    for warning in exporter.take_warnings() {
        eprintln!("warning: {warning}");
    }
    let converted = converted?;
    let file = std::fs::File::create(&args.path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot create {}", args.path.display()))?;
    let out = write_bundle(
        &mut exporter.store,
        &exporter.state,
        &converted,
        spec,
        BufWriter::new(file),
    )?;
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| {
            let mut f = f;
            f.flush()?;
            f.sync_all()
        })
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", args.path.display()))?;
    // The objects written for new changesets are discarded with the pack.
    exporter.discard();
    Ok(ExitCode::SUCCESS)
}
