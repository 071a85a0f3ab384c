//! `git cinnabar rollback`.

use std::process::ExitCode;

use crate::metadata::history::{candidates, resolve, rollback, Target};
use crate::store::Repo;

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
pub fn run(args: Args) -> super::Outcome {
    let repo = Repo::open()?;
    if args.candidates {
        let mut out = String::new();
        for c in candidates(&repo)? {
            out.push_str(&c.commit.to_string());
            if !c.labels.is_empty() {
                out.push_str(&format!(" ({})", c.labels.join(", ")));
            }
            out.push('\n');
        }
        crate::query::lookup::emit(&mut std::io::stdout().lock(), out.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = if args.fsck {
        Target::Checked
    } else if let Some(spec) = &args.committish {
        Target::Commit(resolve(&repo, spec)?)
    } else {
        Target::Previous
    };
    rollback(&repo, target, args.force)?;
    Ok(ExitCode::SUCCESS)
}
