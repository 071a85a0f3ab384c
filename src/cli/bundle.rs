//! `git cinnabar bundle`.

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

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("bundle")
}
