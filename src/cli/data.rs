//! `git cinnabar data`.

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
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("data")
}
