//! `hg2git` / `git2hg` answers: one line per id, full or abbreviated, with
//! 40 zeros for what is unknown. Batch mode reads whitespace-separated ids
//! and flushes its answers whenever it is about to wait for more input, so
//! scripts can pipe ids one at a time and still get full throughput.

use std::io::{BufRead, Write};

use super::error::{invalid, Result};

use super::maps::{write_hex_line, ChangesetMaps, Found};
use gix_hash::ObjectId;

use crate::hg::node::Abbrev;
use crate::hg::HgNode;
use crate::metadata::idmap::Id20;
use crate::store::Repo;

/// The id printed for what is unknown.
pub const ZEROS: [u8; 20] = [0; 20];

/// Checks an `--abbrev` value: 3 to 40 digits.
pub fn check_abbrev(abbrev: Option<usize>) -> Result<usize> {
    match abbrev {
        None => Ok(40),
        Some(n) if (3..=40).contains(&n) => Ok(n),
        Some(n) => Err(invalid(format!(
            "Invalid --abbrev value: {n} (must be between 3 and 40)"
        ))),
    }
}

/// The git commit of a (possibly abbreviated) hg changeset id.
pub fn hg2git(maps: &ChangesetMaps, id: &[u8]) -> Option<ObjectId> {
    if id.len() == 40 {
        return maps.hg2git.get(&HgNode::from_hex(id).ok()?);
    }
    let abbrev = std::str::from_utf8(id).ok().and_then(Abbrev::parse)?;
    match maps.hg2git.find(&abbrev) {
        Found::One(_, v) => Some(v),
        Found::None | Found::Ambiguous => None,
    }
}

/// The hg changeset of a git committish.
pub fn git2hg(maps: &ChangesetMaps, repo: &Repo, id: &[u8]) -> Option<HgNode> {
    if id.len() == 40 {
        if let Ok(oid) = ObjectId::from_hex(id) {
            return maps.git2hg.get(&oid);
        }
    }
    let spec = std::str::from_utf8(id).ok()?;
    let commit = repo
        .gix()
        .rev_parse_single(format!("{spec}^{{commit}}").as_str())
        .ok()?;
    maps.git2hg.get(&commit.detach())
}

/// The 20 bytes printed for an answer: the id, or zeros when unknown.
pub fn answer_bytes<I: Id20>(id: Option<I>) -> [u8; 20] {
    id.map_or(ZEROS, |i| i.to_bytes())
}

/// Writes and flushes answers; `false` when the reader went away (broken
/// pipe), which is not an error: the answers are not wanted any more.
pub fn emit(out: &mut dyn Write, lines: &[u8]) -> Result<bool> {
    match out.write_all(lines).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Answers every whitespace-separated id of `input` with `answer`, one
/// line each, flushing `out` before each read of more input.
pub fn batch(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    abbrev: usize,
    answer: &mut dyn FnMut(&[u8]) -> [u8; 20],
) -> Result<()> {
    let mut pending = Vec::with_capacity(64);
    let mut lines = Vec::with_capacity(1 << 16);
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            if !pending.is_empty() {
                write_hex_line(&answer(&pending), abbrev, &mut lines);
            }
            return emit(out, &lines).map(|_| ());
        }
        let len = chunk.len();
        for &b in chunk {
            if b.is_ascii_whitespace() {
                if !pending.is_empty() {
                    write_hex_line(&answer(&pending), abbrev, &mut lines);
                    pending.clear();
                }
            } else {
                pending.push(b);
            }
        }
        input.consume(len);
        if !emit(out, &lines)? {
            return Ok(());
        }
        lines.clear();
    }
}
