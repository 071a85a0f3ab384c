//! `git-remote-hg <remote> <url>`: the remote helper git runs for `hg::` URLs.

use std::ffi::OsString;

use miette::miette;

/// Run as git's remote helper.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The remote name (or the URL for anonymous remotes).
    pub remote: String,
    /// The Mercurial URL.
    pub url: Option<String>,
}

/// Runs the helper with the arguments git gives `git-remote-hg`.
pub fn run_from_argv(args: &[OsString]) -> super::Outcome {
    let mut strings = args.iter().map(|a| {
        a.clone()
            .into_string()
            .map_err(|a| miette!("argument is not valid UTF-8: {a:?}"))
    });
    let remote = strings
        .next()
        .transpose()?
        .ok_or_else(|| miette!("usage: git-remote-hg <remote> [<url>]"))?;
    let url = strings.next().transpose()?;
    run(Args { remote, url })
}

/// Runs the helper.
pub fn run(args: Args) -> super::Outcome {
    crate::helper::run(&args.remote, args.url.as_deref())
}
