//! `git cinnabar clear`.

use std::process::ExitCode;

use crate::metadata::history::clear;
use crate::store::Repo;

/// Remove all the cinnabar metadata.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> super::Outcome {
    clear(&Repo::open()?)?;
    Ok(ExitCode::SUCCESS)
}
