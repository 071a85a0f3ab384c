//! `git cinnabar clone`.

/// Clone a Mercurial repository into a new git repository.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Mercurial URL (without the hg:: prefix) or path.
    pub url: String,
    /// The directory to clone into.
    pub directory: Option<std::path::PathBuf>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("clone")
}
