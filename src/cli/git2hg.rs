//! `git cinnabar git2hg`.

use crate::metadata::Metadata;
use crate::query::lookup::{answer_bytes, check_abbrev, git2hg};
use crate::query::maps::ChangesetMaps;

/// Convert git commit ids to Mercurial changeset ids.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show a partial prefix of the ids (12 characters, or N).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", require_equals = true)]
    pub abbrev: Option<usize>,
    /// Read ids from standard input.
    #[arg(long)]
    pub batch: bool,
    /// git commits.
    pub committish: Vec<String>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> super::Outcome {
    let abbrev = check_abbrev(args.abbrev)?;
    let mut meta = Metadata::open()?;
    let maps = ChangesetMaps::from_notes(&mut meta.store, &meta.state)?;
    let repo = meta.store.repo();
    // Full ids answer zeros when unknown; anything else must name a commit.
    let bad = args.committish.iter().find(|c| {
        !(c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
            && repo
                .gix()
                .rev_parse_single(format!("{c}^{{commit}}").as_str())
                .is_err()
    });
    if let Some(bad) = bad {
        return Err(miette::miette!("not a valid commit name: {bad}"));
    }
    let mut answer = |id: &[u8]| answer_bytes(git2hg(&maps, repo, id));
    super::hg2git::answer_all(&args.committish, args.batch, abbrev, &mut answer)
}
