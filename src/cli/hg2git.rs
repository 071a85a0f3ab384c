//! `git cinnabar hg2git`.

/// Convert Mercurial changeset ids to git commit ids.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show a partial prefix of the ids (12 characters, or N).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", require_equals = true)]
    pub abbrev: Option<usize>,
    /// Read ids from standard input.
    #[arg(long)]
    pub batch: bool,
    /// Mercurial changeset ids (possibly abbreviated).
    pub sha1: Vec<String>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("hg2git")
}
