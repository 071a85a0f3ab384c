//! The command line: argument definitions (one file per subcommand) and
//! dispatch. `main` picks the remote-helper mode from `argv[0]`.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

pub mod bundle;
pub mod clear;
pub mod clone;
pub mod data;
pub mod docs;
pub mod fetch;
pub mod fsck;
pub mod git2hg;
pub mod hg2git;
pub mod manual;
pub mod reclone;
pub mod remote_hg;
pub mod rollback;
pub mod setup;
pub mod unbundle;

/// The version, with the metadata format it reads and writes.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (compatible with git-cinnabar 0.7 metadata)"
);

/// git remote helper to interact with Mercurial repositories.
#[derive(Debug, Parser)]
#[command(name = "git-cinnabar", version = VERSION, about, long_about = None)]
#[command(arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The `git cinnabar` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Clone(clone::Args),
    Fetch(fetch::Args),
    Fsck(fsck::Args),
    Hg2git(hg2git::Args),
    Git2hg(git2hg::Args),
    Rollback(rollback::Args),
    Reclone(reclone::Args),
    Clear(clear::Args),
    Data(data::Args),
    Bundle(bundle::Args),
    Unbundle(unbundle::Args),
    Setup(setup::Args),
    #[command(name = "remote-hg", hide = true)]
    RemoteHg(remote_hg::Args),
}

/// The clap definition, for documentation and completion generation.
pub fn command() -> clap::Command {
    Cli::command()
}

/// What a subcommand returns: an exit code, or an error to report.
pub type Outcome = miette::Result<ExitCode>;

/// Exit status of a subcommand that is declared but not built yet.
pub fn not_implemented(name: &str) -> Outcome {
    eprintln!("git-cinnabar {name}: not implemented yet");
    Ok(ExitCode::from(2))
}

/// Runs the program with the process arguments.
pub fn main() -> ExitCode {
    // Errors print in git's style; see `GitStyle`.
    let _ = miette::set_hook(Box::new(|_| Box::new(GitStyle)));
    let args: Vec<OsString> = std::env::args_os().collect();
    let as_helper = args
        .first()
        .and_then(|a| Path::new(a).file_stem())
        .is_some_and(|stem| stem == "git-remote-hg");
    let outcome = if as_helper {
        remote_hg::run_from_argv(&args[1..])
    } else {
        dispatch(Cli::parse_from(args))
    };
    report(outcome)
}

fn dispatch(cli: Cli) -> Outcome {
    match cli.command {
        Command::Clone(a) => clone::run(a),
        Command::Fetch(a) => fetch::run(a),
        Command::Fsck(a) => fsck::run(a),
        Command::Hg2git(a) => hg2git::run(a),
        Command::Git2hg(a) => git2hg::run(a),
        Command::Rollback(a) => rollback::run(a),
        Command::Reclone(a) => reclone::run(a),
        Command::Clear(a) => clear::run(a),
        Command::Data(a) => data::run(a),
        Command::Bundle(a) => bundle::run(a),
        Command::Unbundle(a) => unbundle::run(a),
        Command::Setup(a) => setup::run(a),
        Command::RemoteHg(a) => remote_hg::run(a),
    }
}

/// How every error is shown (the one miette handler): git's style, one
/// `fatal: <what>: <cause>: …` line, and a `hint: …` line when there is a
/// next step. Diagnostic codes are not shown.
struct GitStyle;

impl miette::ReportHandler for GitStyle {
    fn debug(
        &self,
        error: &dyn miette::Diagnostic,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        let mut line = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // Messages that already quote their cause are not repeated.
            if !text.is_empty() && !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        write!(f, "fatal: {line}")?;
        if let Some(help) = error.help() {
            write!(f, "\nhint: {help}")?;
        }
        Ok(())
    }
}

/// Whether an error comes from writing to a closed pipe (`… | head`).
fn is_broken_pipe(report: &miette::Report) -> bool {
    // Errors wrapped transparently hide the `io::Error` itself: its text
    // tells then.
    let epipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string();
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.to_string() == epipe
            || e.to_string().starts_with("Broken pipe (os error")
    })
}

/// Prints an error in git's style and maps it to exit status 1; a closed
/// output pipe ends the command quietly, as it does git's.
pub fn report(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(report) if is_broken_pipe(&report) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}
