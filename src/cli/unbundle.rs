//! `git cinnabar unbundle`.

use std::io::IsTerminal;
use std::process::ExitCode;

use miette::Context;

use crate::import::session::Session;
use crate::store::Repo;
use crate::wire::url::HgUrl;

/// Import a Mercurial bundle.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import the clone bundle the server advertises.
    #[arg(long)]
    pub clonebundle: bool,
    /// URL or path of the bundle (or of the server with --clonebundle).
    pub url: String,
}

/// Runs the subcommand: imports the bundle into the metadata (no branch
/// refs change).
pub fn run(args: Args) -> super::Outcome {
    let raw = crate::wire::url::strip_hg_prefix(&args.url);
    let url = HgUrl::parse(raw).wrap_err_with(|| format!("invalid URL {raw:?}"))?;
    let repo = Repo::open()?;
    let mut session = Session::with_repo(repo, &url, None, std::io::stderr().is_terminal())?;
    if args.clonebundle {
        session.import_clonebundle(true)?;
    } else {
        session.import_bundle()?;
    }
    session.commit(&[])?;
    Ok(ExitCode::SUCCESS)
}
