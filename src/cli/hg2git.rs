//! `git cinnabar hg2git`.

use std::process::ExitCode;

use crate::hg::node::Abbrev;
use crate::metadata::Metadata;
use crate::query::lookup::{self, check_abbrev, hg2git};
use crate::query::maps::{write_hex_line, ChangesetMaps};

/// Convert Mercurial changeset ids to git commit ids.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show a partial prefix of the ids (12 characters, or N).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "12", require_equals = true)]
    pub abbrev: Option<usize>,
    /// Read ids from standard input.
    #[arg(long)]
    pub batch: bool,
    /// Mercurial changeset ids (possibly abbreviated).
    pub sha1: Vec<String>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> super::Outcome {
    let abbrev = check_abbrev(args.abbrev)?;
    if let Some(bad) = args.sha1.iter().find(|id| Abbrev::parse(id).is_none()) {
        return Err(miette::miette!("not a Mercurial changeset id: {bad}"));
    }
    let meta = Metadata::open()?;
    let maps = ChangesetMaps::from_state(&meta.state)?;
    drop(meta);
    let mut answer = |id: &[u8]| lookup::answer_bytes(hg2git(&maps, id));
    answer_all(&args.sha1, args.batch, abbrev, &mut answer)
}

/// Answers the arguments, then standard input with `--batch`.
pub(crate) fn answer_all(
    ids: &[String],
    batch: bool,
    abbrev: usize,
    answer: &mut dyn FnMut(&[u8]) -> [u8; 20],
) -> super::Outcome {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut lines = Vec::new();
    for id in ids {
        write_hex_line(&answer(id.as_bytes()), abbrev, &mut lines);
    }
    if !lookup::emit(&mut out, &lines)? {
        return Ok(ExitCode::SUCCESS);
    }
    if batch {
        let stdin = std::io::stdin();
        let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
        lookup::batch(&mut input, &mut out, abbrev, answer)?;
    }
    Ok(ExitCode::SUCCESS)
}
