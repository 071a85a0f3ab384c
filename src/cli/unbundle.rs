//! `git cinnabar unbundle`.

/// Import a Mercurial bundle.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import the clone bundle the server advertises.
    #[arg(long)]
    pub clonebundle: bool,
    /// URL or path of the bundle (or of the server with --clonebundle).
    pub url: String,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("unbundle")
}
