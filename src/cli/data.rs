//! `git cinnabar data`.

use std::process::ExitCode;

use crate::hg::kind::RevisionKind;
use crate::metadata::Metadata;
use crate::query::lookup::emit;
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
    // A reader that went away (`… | head -1`) ends the command quietly.
    emit(&mut std::io::stdout().lock(), &text)?;
    Ok(ExitCode::SUCCESS)
}
