//! `git cinnabar data`.

use std::io::Write;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use crate::hg::kind::RevisionKind;
use crate::metadata::Metadata;
use crate::query::text::{resolve_node, revision_text};

/// Print the raw Mercurial text of a changeset, manifest or file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The id is a changeset.
    #[arg(short = 'c', long = "changeset", conflicts_with = "manifest")]
    pub changeset: bool,
    /// The id is a manifest.
    #[arg(short = 'm', long = "manifest")]
    pub manifest: bool,
    /// The node id (possibly abbreviated).
    pub node: String,
}

/// Runs the subcommand.
pub fn run(args: Args) -> super::Outcome {
    let kind = if args.changeset {
        RevisionKind::Changeset
    } else if args.manifest {
        RevisionKind::Manifest
    } else {
        RevisionKind::File
    };
    let mut meta = Metadata::open()?;
    let node = resolve_node(&meta, &args.node, kind)?;
    let text = revision_text(&mut meta, node, kind)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&text).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(ExitCode::SUCCESS)
}
