//! `git cinnabar clear`.

/// Remove all the cinnabar metadata.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    super::not_implemented("clear")
}
