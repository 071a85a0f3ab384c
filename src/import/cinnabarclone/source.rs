//! Getting a mirror's metadata commit into the repository: from a git
//! repository (`git ls-remote`, then `git fetch` of the chosen ref into
//! `refs/cinnabar/fetch`) or from a git bundle read over http(s) or from a
//! file (its pack streamed to `git index-pack`). git runs as a subprocess
//! with argument vectors, never through a shell.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use gix_hash::ObjectId;
use reqwest::Url;

use super::super::error::{invalid, Result, ResultExt};
use crate::store::Repo;
use crate::wire::http::get_stream;
use crate::wire::open::WireConfig;

/// The ref a fetched metadata commit is kept under until adopted.
pub const FETCH_REF: &str = "refs/cinnabar/fetch";

/// Where the mirror's objects come from.
pub enum Origin {
    /// A git repository, fetched from by git.
    Repository,
    /// A git bundle, whose pack is read once the ref is chosen.
    Bundle(Box<dyn BufRead>),
}

/// A mirror: its refs and where its objects come from.
pub struct Mirror {
    pub url: Url,
    pub refs: Vec<(String, ObjectId)>,
    pub origin: Origin,
}

/// A `git` command for `repo`, with no terminal prompt and nothing on
/// stdout (the remote helper's stdout talks to git).
fn git(repo: &Repo) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("--git-dir")
        .arg(repo.git_dir())
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

/// Opens a mirror: the refs `git ls-remote` lists, or when it lists none
/// and the URL is http(s) or a file, the header of a git bundle.
pub fn open(repo: &Repo, url: &Url, config: &WireConfig) -> Result<Mirror> {
    let mut cmd = git(repo);
    cmd.arg("ls-remote")
        .arg(url.as_str())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let out = cmd
        .output()
        .context_with(|| "cannot run git ls-remote".into())?;
    let refs: Vec<(String, ObjectId)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (oid, name) = l.split_once('\t')?;
            Some((name.to_string(), ObjectId::from_hex(oid.as_bytes()).ok()?))
        })
        .collect();
    if !refs.is_empty() || !["http", "https", "file"].contains(&url.scheme()) {
        return Ok(Mirror {
            url: url.clone(),
            refs,
            origin: Origin::Repository,
        });
    }
    let reader: Box<dyn Read> = if url.scheme() == "file" {
        let path = url
            .to_file_path()
            .map_err(|()| invalid(format!("{url} is not a local path")))?;
        Box::new(std::fs::File::open(&path).context_with(|| format!("{}", path.display()))?)
    } else {
        get_stream(url.as_str(), &config.http)?
    };
    let mut reader: Box<dyn BufRead> = Box::new(BufReader::new(reader));
    let refs = read_bundle_header(&mut reader)?;
    Ok(Mirror {
        url: url.clone(),
        refs,
        origin: Origin::Bundle(reader),
    })
}

/// Reads a git bundle's header (`# v2 git bundle` or v3 with its
/// capabilities), up to the blank line before the pack, and returns its
/// refs.
fn read_bundle_header(reader: &mut dyn BufRead) -> Result<Vec<(String, ObjectId)>> {
    let not_found = || invalid("Could not find cinnabar metadata");
    let mut line = Vec::new();
    let mut first = true;
    let mut refs = Vec::new();
    loop {
        line.clear();
        reader.read_until(b'\n', &mut line)?;
        if line.last() != Some(&b'\n') {
            return Err(not_found());
        }
        line.pop();
        if std::mem::take(&mut first) {
            if line != b"# v2 git bundle" && line != b"# v3 git bundle" {
                return Err(not_found());
            }
            continue;
        }
        if line.is_empty() {
            return Ok(refs);
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(cap) = text.strip_prefix('@') {
            if cap.starts_with("object-format=") && cap != "object-format=sha1" {
                return Err(invalid(format!("unsupported bundle capability {cap}")));
            }
            continue;
        }
        if text.starts_with('-') {
            // A prerequisite: `git index-pack --fix-thin` needs it here.
            continue;
        }
        let (oid, name) = text.split_once(' ').ok_or_else(not_found)?;
        let oid = ObjectId::from_hex(oid.as_bytes()).map_err(|_| not_found())?;
        refs.push((name.to_string(), oid));
    }
}

impl Mirror {
    /// The ref and commit for the first of `branches` the mirror has
    /// (each as is, under `refs/cinnabar/`, under `refs/heads/`).
    pub fn find(&self, branches: &[String]) -> Option<(String, ObjectId)> {
        branches.iter().find_map(|branch| {
            super::manifest::ref_names(branch)
                .into_iter()
                .find_map(|name| {
                    let (_, oid) = self.refs.iter().find(|(n, _)| *n == name)?;
                    Some((name, *oid))
                })
        })
    }

    /// Brings `commit` (the value of `name`) and what it reaches into the
    /// repository, unless it is there already: the bundle's pack through
    /// `git index-pack`, or `git fetch <url> <name>:refs/cinnabar/fetch`.
    pub fn fetch(
        &mut self,
        repo: &Repo,
        name: &str,
        commit: &ObjectId,
        progress: bool,
    ) -> Result<()> {
        if repo.contains(commit) {
            return Ok(());
        }
        match &mut self.origin {
            Origin::Bundle(reader) => {
                let mut cmd = git(repo);
                cmd.args(["index-pack", "--stdin", "--fix-thin"])
                    .stdin(Stdio::piped());
                if progress {
                    cmd.arg("-v");
                }
                let mut child = cmd
                    .spawn()
                    .context_with(|| "cannot run git index-pack".into())?;
                let copied = match child.stdin.take() {
                    Some(mut stdin) => std::io::copy(reader, &mut stdin).map(|_| ()),
                    None => Ok(()),
                };
                let status = child.wait()?;
                copied.context_with(|| format!("while reading the bundle {}", self.url))?;
                if !status.success() {
                    return Err(invalid("Failed to fetch cinnabar metadata."));
                }
            }
            Origin::Repository => {
                self.git_fetch(repo, &[format!("{name}:{FETCH_REF}")], progress)?;
            }
        }
        repo.refresh();
        Ok(())
    }

    /// `git fetch` of refspecs from a repository (nothing for a bundle,
    /// whose pack held everything).
    pub fn git_fetch(&self, repo: &Repo, refspecs: &[String], progress: bool) -> Result<()> {
        if matches!(self.origin, Origin::Bundle(_)) || refspecs.is_empty() {
            return Ok(());
        }
        let mut cmd = git(repo);
        cmd.args(["-c", "gc.auto=0", "-c", "maintenance.auto=false", "fetch"])
            .args(["--no-tags", "--no-recurse-submodules", "-q"])
            .arg(if progress {
                "--progress"
            } else {
                "--no-progress"
            })
            .arg(self.url.as_str())
            .args(refspecs);
        let status = cmd
            .status()
            .context_with(|| "cannot run git fetch".into())?;
        if !status.success() {
            return Err(invalid("Failed to fetch cinnabar metadata."));
        }
        repo.refresh();
        Ok(())
    }
}
