//! `git cinnabar git2hg`.

/// Convert git commit ids to Mercurial changeset ids.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show a partial prefix of the ids (12 characters, or N).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", require_equals = true)]
    pub abbrev: Option<usize>,
    /// Read ids from standard input.
    #[arg(long)]
    pub batch: bool,
    /// git commits.
    pub committish: Vec<String>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("git2hg")
}
