//! `git cinnabar setup`: installs the `git-remote-hg` entry point, the man
//! pages and the shell completions.

use std::path::Path;
use std::process::ExitCode;

use miette::{Context, IntoDiagnostic};

/// Create the git-remote-hg link beside the git-cinnabar binary, and install the man pages and completions.
///
/// The man pages go to `<bin>/../share/man/man1` and the completions to
/// `<bin>/../share/bash-completion/completions` and
/// `<bin>/../share/zsh/site-functions`; the command then says how to make
/// them found.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Creates `git-remote-hg` beside the running binary: a symbolic link, or a
/// copy where links cannot be made.
pub fn run(_args: Args) -> super::Outcome {
    let dir = create_helper_link()?;
    let dir = dir.as_path();
    let share = dir.parent().unwrap_or(dir).join("share");
    match install_docs(&share) {
        Ok(()) => {
            let show = |p: &str| share.join(p).display().to_string();
            eprintln!(
                "Installed the man pages in {man}: `git cinnabar --help` shows them; where man \
                 does not look there, add to your shell profile:\n  \
                 export MANPATH=\"{man}:$MANPATH\"",
                man = show("man")
            );
            eprintln!(
                "Installed the bash completion in {} (found by bash-completion under this \
                 prefix; otherwise `source` it from ~/.bashrc, after git's completion)",
                show("bash-completion/completions/git-cinnabar")
            );
            eprintln!(
                "Installed the zsh completion in {} (add that directory to `fpath` before \
                 `compinit`)",
                show("zsh/site-functions")
            );
        }
        Err(e) => eprintln!(
            "warning: cannot install the man pages and completions in {}: {e}\n\
             hint: `cargo run --bin gen-docs` writes them to man/man1 and completions/ in \
             the source tree",
            share.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the man pages and completions under `share`.
fn install_docs(share: &Path) -> std::io::Result<()> {
    for file in super::docs::render()? {
        let path = share.join(super::docs::install_path(&file));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.content)?;
    }
    Ok(())
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

/// Creates `git-remote-hg` beside the running binary (a symbolic link, or
/// a copy where links cannot be made) and returns that directory.
pub fn create_helper_link() -> miette::Result<std::path::PathBuf> {
    let exe = std::env::current_exe()
        .into_diagnostic()
        .wrap_err("cannot find the running binary")?;
    let dir = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
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
    Ok(dir)
}
