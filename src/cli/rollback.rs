//! `git cinnabar rollback`.

/// Roll back the cinnabar metadata to an earlier state.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show the metadata states that can be rolled back to.
    #[arg(long, conflicts_with_all = ["fsck", "committish"])]
    pub candidates: bool,
    /// Roll back to the last state fsck checked.
    #[arg(long, conflicts_with = "committish")]
    pub fsck: bool,
    /// Roll back even when the target is not an ancestor.
    #[arg(long)]
    pub force: bool,
    /// The metadata commit to roll back to (default: the previous state).
    pub committish: Option<String>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("rollback")
}
