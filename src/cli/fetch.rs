//! `git cinnabar fetch`.

use std::io::IsTerminal;
use std::process::{Command, ExitCode};

use miette::{miette, Context, IntoDiagnostic};

use crate::import::fetch::{fetch, fetch_bundle, resolve_source};
use crate::store::Repo;

/// Fetch changesets from a Mercurial repository.
#[derive(Debug, clap::Args)]
#[command(
    override_usage = "git-cinnabar fetch [--bundle] <REMOTE> <REVS>...\n       git-cinnabar fetch --tags"
)]
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
        return fetch_tags();
    }
    let Some(remote) = args.remote.as_deref() else {
        return Err(miette!("missing remote"));
    };
    if args.revs.is_empty() {
        return Err(miette!("missing revisions to fetch"));
    }
    let source = resolve_source(&Repo::open()?, remote)?;
    if args.bundle {
        let mut out = std::io::stdout().lock();
        fetch_bundle(&source, &args.revs, &mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let progress = std::io::stderr().is_terminal();
    let fetched = fetch(&source, &args.revs, progress)?;
    eprintln!("From {}", source.shown);
    for (rev, _) in &fetched {
        eprintln!(" * branch            hg/revs/{rev} -> FETCH_HEAD");
    }
    Ok(ExitCode::SUCCESS)
}

/// `git cinnabar fetch --tags`: `git fetch --tags hg::tags: tag "*"`.
pub fn fetch_tags() -> super::Outcome {
    let status = Command::new("git")
        .args(["fetch", "--tags", "hg::tags:", "tag", "*"])
        .status()
        .into_diagnostic()
        .wrap_err("cannot run git fetch")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
