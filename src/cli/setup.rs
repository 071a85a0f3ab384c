//! `git cinnabar setup`: installs the `git-remote-hg` entry point.

use std::path::Path;
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

/// Create the git-remote-hg link beside the git-cinnabar binary.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Creates `git-remote-hg` beside the running binary: a symbolic link, or a
/// copy where links cannot be made.
pub fn run(_args: Args) -> super::Outcome {
    let exe = std::env::current_exe()
        .into_diagnostic()
        .wrap_err("cannot find the running binary")?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let name = format!("git-remote-hg{}", std::env::consts::EXE_SUFFIX);
    let target = dir.join(name);
    if target.symlink_metadata().is_ok() {
        std::fs::remove_file(&target)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot replace {}", target.display()))?;
    }
    if link(&exe, &target).is_err() {
        std::fs::copy(&exe, &target)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot create {}", target.display()))?;
    }
    eprintln!("Created {}", target.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn link(exe: &Path, target: &Path) -> std::io::Result<()> {
    let source = exe.file_name().map(Path::new).unwrap_or(exe);
    std::os::unix::fs::symlink(source, target)
}

#[cfg(not(unix))]
fn link(exe: &Path, target: &Path) -> std::io::Result<()> {
    std::fs::hard_link(exe, target)
}
