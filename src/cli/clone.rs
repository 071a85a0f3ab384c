//! `git cinnabar clone <url> [<dir>]`: `git clone hg::<url>` in one
//! command, with our remote helper on PATH, so that the new repository's
//! `origin` works with later `git fetch` and `git pull`.

use std::process::{Command, ExitCode};

use miette::{miette, Context, IntoDiagnostic};

/// Clone a Mercurial repository into a new git repository.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Mercurial URL (with or without the hg:: prefix) or path.
    pub url: String,
    /// The directory to clone into.
    pub directory: Option<std::path::PathBuf>,
}

/// Runs `git clone hg::<url> [<dir>]`.
pub fn run(args: Args) -> super::Outcome {
    let exe = std::env::current_exe()
        .into_diagnostic()
        .wrap_err("cannot find the running binary")?;
    let dir = exe
        .parent()
        .ok_or_else(|| miette!("cannot find the directory of {}", exe.display()))?;
    let helper = dir.join(format!("git-remote-hg{}", std::env::consts::EXE_SUFFIX));
    if !helper.exists() {
        super::setup::create_helper_link()?;
    }
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(paths).into_diagnostic()?;
    let url = if args.url.starts_with("hg::") {
        args.url.clone()
    } else {
        format!("hg::{}", args.url)
    };
    let mut cmd = Command::new("git");
    cmd.env("PATH", path).arg("clone").arg(&url);
    if let Some(d) = &args.directory {
        cmd.arg(d);
    }
    let status = cmd
        .status()
        .into_diagnostic()
        .wrap_err("cannot run git clone")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
