//! `git cinnabar fsck`.

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
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("fsck")
}
