//! `git cinnabar fetch`.

/// Fetch changesets from a Mercurial repository.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fetch the tags of the hg::tags: pseudo-remote.
    #[arg(long, exclusive = true)]
    pub tags: bool,
    /// Write the raw bundle to stdout instead of importing it.
    #[arg(long)]
    pub bundle: bool,
    /// A remote name or an hg URL.
    #[arg(required_unless_present = "tags")]
    pub remote: Option<String>,
    /// Changesets to fetch (full hex ids, or names the server can look up).
    #[arg(required_unless_present = "tags")]
    pub revs: Vec<String>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> super::Outcome {
    if args.tags {
        return crate::helper::tags::fetch_tags();
    }
    super::not_implemented("fetch")
}
