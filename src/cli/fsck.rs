//! `git cinnabar fsck`.

use std::process::ExitCode;

use crate::fsck::run::Status;

/// Check the consistency of the cinnabar metadata.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ignore the checked state and check everything.
    #[arg(long)]
    pub force: bool,
    /// Rebuild every changeset, manifest and file and check its node.
    #[arg(long)]
    pub full: bool,
    /// Commits or changesets to check.
    pub commits: Vec<String>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> super::Outcome {
    let (status, report) = crate::fsck::run::run(args.force, args.full, &args.commits)?;
    if args.full && status != Status::NoMetadata {
        eprintln!(
            "Checked {} changesets, {} manifests and {} files.",
            report.changesets, report.manifests, report.files
        );
    }
    Ok(match status {
        Status::Clean => ExitCode::SUCCESS,
        Status::Corrupt | Status::NoMetadata => ExitCode::FAILURE,
    })
}
