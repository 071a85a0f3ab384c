//! Graft mode (spec 3.8, `cinnabar.graft`): changesets are matched against
//! git commits that exist already (made by another converter), and a
//! changeset that matches exactly one of them reuses it instead of getting
//! a commit of its own.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use gix_hash::ObjectId;

use super::error::{invalid, Result};
use crate::convert::authorship::Authorship;
use crate::convert::changeset::{ChangesetNote, CommitSignatures};
use crate::hg::changeset::Changeset;
use crate::hg::HgNode;
use crate::metadata::replace::ReplaceMap;
use crate::store::commit::parse_commit;
use crate::store::{ObjectRead, Repo, Store};

/// What `cinnabar.graft` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraftSetting {
    /// Unset or `false`.
    Off,
    /// `true`: graft onto the commits of the repository's refs.
    Local,
    /// A URL: graft onto the branches fetched from it.
    Url(String),
}

impl GraftSetting {
    /// Reads the setting: `true`, `false`, or else a URL.
    pub fn parse(value: Option<&str>) -> Result<GraftSetting> {
        let Some(value) = value else {
            return Ok(GraftSetting::Off);
        };
        match value {
            "true" => Ok(GraftSetting::Local),
            "false" => Ok(GraftSetting::Off),
            v if has_scheme(v) => Ok(GraftSetting::Url(v.to_string())),
            v => Err(invalid(format!("Invalid value for cinnabar.graft: {v}"))),
        }
    }
}

/// Whether `v` starts like a URL (`scheme:`).
fn has_scheme(v: &str) -> bool {
    match v.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Fetches the branches of `url` as `refs/cinnabar/graft/*`.
pub fn fetch(repo: &Repo, url: &str, progress: bool) -> Result<()> {
    eprintln!("Fetching from {url}");
    let status = Command::new("git")
        .arg("--git-dir")
        .arg(repo.git_dir())
        .args(["fetch", "--no-tags", "--no-recurse-submodules"])
        .arg(if progress {
            "--progress"
        } else {
            "--no-progress"
        })
        .arg(url)
        .arg("refs/heads/*:refs/cinnabar/graft/*")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(invalid(format!("cannot fetch from {url}")));
    }
    Ok(())
}

/// The outcome of matching one changeset.
pub enum Match {
    /// No candidate: the changeset gets a commit of its own.
    None,
    /// The commit to graft onto.
    One(ObjectId),
}

/// The graft candidates of a run, by tree.
#[derive(Debug, Default)]
pub struct Graft {
    trees: HashMap<ObjectId, Vec<ObjectId>>,
    did_something: bool,
    /// How many candidates were read, and how many changesets grafted.
    candidates: usize,
    grafted: usize,
}

impl Graft {
    /// Reads the candidates: the commits under `refs/cinnabar/graft/*`
    /// when `fetched`, else those of every ref but cinnabar's own and
    /// `refs/original/*`, less the history the metadata `metadata` holds.
    pub fn read(repo: &Repo, fetched: bool, metadata: Option<ObjectId>) -> Result<Graft> {
        let mut cmd = Command::new("git");
        cmd.arg("--git-dir")
            .arg(repo.git_dir())
            .args(["rev-list", "--full-history", "--no-commit-header"])
            .arg("--format=%H %T");
        if fetched {
            cmd.arg("--glob=refs/cinnabar/graft/*");
        } else {
            cmd.args([
                "--exclude=refs/cinnabar/*",
                "--exclude=refs/notes/cinnabar",
                "--exclude=refs/original/*",
                "--all",
            ]);
            if let Some(m) = metadata {
                cmd.arg("--not").arg(format!("{m}^"));
            }
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn()?;
        let mut graft = Graft::default();
        let out = child
            .stdout
            .take()
            .ok_or_else(|| invalid("git rev-list: no output"))?;
        for line in BufReader::new(out).lines() {
            let line = line?;
            let parsed = line
                .split_once(' ')
                .and_then(|(c, t)| Some((ObjectId::from_hex(c.as_bytes()).ok()?, t)))
                .and_then(|(c, t)| Some((c, ObjectId::from_hex(t.as_bytes()).ok()?)));
            let Some((commit, tree)) = parsed else {
                return Err(invalid(format!("git rev-list: unexpected line {line:?}")));
            };
            graft.trees.entry(tree).or_default().push(commit);
            graft.candidates += 1;
        }
        if !child.wait()?.success() {
            return Err(invalid("git rev-list failed listing the graft candidates"));
        }
        Ok(graft)
    }

    /// Whether there are candidates at all.
    pub fn is_active(&self) -> bool {
        !self.trees.is_empty()
    }

    /// What the run did, for its progress output: `Grafted N of M
    /// candidate commits`.
    pub fn summary(&self) -> String {
        format!(
            "Grafted {} changesets onto {} candidate commits",
            self.grafted, self.candidates
        )
    }

    /// Whether the run grafted: `None` without candidates, else whether
    /// anything was grafted (now, or before: a replace map).
    pub fn finish(&self, replace: &ReplaceMap) -> Option<bool> {
        self.is_active()
            .then(|| self.did_something || !replace.is_empty())
    }

    /// Finds the commit changeset `node` (text `raw`, parsed `cs`) is to be
    /// grafted onto: same tree and author time, the same parents (any
    /// parents while nothing is grafted), then the same subject line and
    /// author, then not a commit this converter would make. Several
    /// candidates left is an error.
    #[allow(clippy::too_many_arguments)]
    pub fn choose(
        &mut self,
        store: &mut Store,
        replace: &ReplaceMap,
        node: HgNode,
        cs: &Changeset,
        raw: &[u8],
        tree: &ObjectId,
        parents: &[ObjectId],
    ) -> Result<Match> {
        let Some(entry) = self.trees.get_mut(tree) else {
            return Ok(Match::None);
        };
        let mut buf = Vec::new();
        let mut candidates = Vec::new();
        for commit in entry.iter() {
            store.read(commit, &mut buf)?;
            let parsed = parse_commit(&buf).map_err(|e| invalid(format!("{commit}: {e}")))?;
            let Some(author) = Authorship::from_git(parsed.author) else {
                continue;
            };
            if author.time.to_string().as_bytes() != cs.time.as_slice() {
                continue;
            }
            let same_parents = parsed
                .parents
                .iter()
                .zip(parents)
                .all(|(a, b)| replace.lookup(a) == replace.lookup(b));
            if !same_parents && !replace.is_empty() {
                continue;
            }
            candidates.push(Candidate {
                commit: *commit,
                author: author.who,
                sigs: CommitSignatures {
                    author: parsed.author.to_vec(),
                    committer: parsed.committer.to_vec(),
                },
                message: parsed.message.to_vec(),
            });
        }
        if candidates.len() > 1 {
            let subject = first_line(&cs.description);
            let mut possible: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| first_line(&c.message) == subject)
                .collect();
            if possible.len() > 1 {
                possible.retain(|c| c.author == cs.user);
            }
            if possible.len() == 1 {
                let only = possible[0].commit;
                candidates.retain(|c| c.commit == only);
            }
        }
        if candidates.len() > 1 {
            // A commit this converter would make itself stands for a
            // reclone: prefer the others.
            candidates.retain(|c| {
                ChangesetNote::new(node, cs, raw, &c.sigs, &c.message)
                    .patch
                    .is_some()
            });
        }
        match candidates.as_slice() {
            [] => Ok(Match::None),
            [one] => {
                let commit = one.commit;
                entry.retain(|c| *c != commit);
                self.did_something = true;
                self.grafted += 1;
                Ok(Match::One(commit))
            }
            many => {
                let list: Vec<String> = many.iter().map(|c| c.commit.to_string()).collect();
                Err(invalid(format!(
                    "Cannot graft {node}. Candidates: {}",
                    list.join(", ")
                )))
            }
        }
    }
}

/// A commit that may be grafted onto.
struct Candidate {
    commit: ObjectId,
    /// The author as Mercurial would have it.
    author: Vec<u8>,
    sigs: CommitSignatures,
    message: Vec<u8>,
}

/// The first line of a message (a trailing CR dropped), `None` when empty.
fn first_line(message: &[u8]) -> Option<&[u8]> {
    if message.is_empty() {
        return None;
    }
    Some(match memchr::memchr(b'\n', message) {
        Some(end) => message[..end]
            .strip_suffix(b"\r")
            .unwrap_or(&message[..end]),
        None => message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        assert_eq!(GraftSetting::parse(None).ok(), Some(GraftSetting::Off));
        assert_eq!(
            GraftSetting::parse(Some("false")).ok(),
            Some(GraftSetting::Off)
        );
        assert_eq!(
            GraftSetting::parse(Some("true")).ok(),
            Some(GraftSetting::Local)
        );
        assert_eq!(
            GraftSetting::parse(Some("https://example.com/repo.git")).ok(),
            Some(GraftSetting::Url("https://example.com/repo.git".into()))
        );
        assert!(GraftSetting::parse(Some("yes please")).is_err());
    }

    #[test]
    fn subject_lines() {
        assert_eq!(first_line(b""), None);
        assert_eq!(first_line(b"a\r\nb"), Some(&b"a"[..]));
        assert_eq!(first_line(b"a"), Some(&b"a"[..]));
        assert_eq!(first_line(b"a\r"), Some(&b"a\r"[..]));
    }
}
