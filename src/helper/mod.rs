//! git's remote-helper protocol for `hg::` URLs: `capabilities`, `option`,
//! `list` and `import` (spec 10.2). Objects and metadata are written by the
//! import session; the helper only talks to git.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::process::{Command, Stdio};

use miette::{miette, Context, IntoDiagnostic};

use crate::hg::HgNode;
use crate::import::session::Session;
use crate::store::Repo;
use crate::wire::open::WireConfig;
use crate::wire::stdio::PendingPeer;
use crate::wire::url::HgUrl;

pub mod names;
pub mod push;
pub mod refs;
pub mod tags;

use refs::{list_refs, valid_ref_name, Branch, RefList, RefStyle};

/// Options git set with `option`.
#[derive(Debug, Default)]
struct Options {
    /// `option progress`; unset, progress shows when stderr is a terminal.
    progress: Option<bool>,
    dry_run: bool,
    /// `option verbosity`: 0 with `-q`, 1 by default.
    verbosity: u32,
}

/// Runs the remote helper for `remote` at `url`, talking to git on
/// stdin/stdout.
pub fn run(remote: &str, url: Option<&str>) -> miette::Result<ExitCode> {
    let url = url.unwrap_or(remote);
    let url = crate::wire::url::strip_hg_prefix(url);
    let given = url;
    let mut url = HgUrl::parse(url).wrap_err_with(|| format!("invalid Mercurial URL {url:?}"))?;
    let relative = Path::new(given);
    if matches!(url, HgUrl::Local(_)) && !given.contains("://") && relative.is_relative() {
        url = HgUrl::Local(absolute_source(remote, relative)?);
    }
    // The server starts now: Python's start-up (`hg serve`) overlaps git's
    // first commands and the loading of the metadata.
    let (repo, started) = start_server(&url);
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut helper = Helper {
        remote: remote.to_string(),
        url,
        options: Options {
            verbosity: 1,
            ..Options::default()
        },
        tags_before: None,
        session: None,
        repo,
        started,
        listed: RefList::default(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).into_diagnostic()? == 0 {
            break;
        }
        let cmd = line.trim_end_matches('\n');
        let (name, arg) = cmd.split_once(' ').unwrap_or((cmd, ""));
        match name {
            "" => break,
            "capabilities" => {
                writeln!(out, "option\nimport").into_diagnostic()?;
                if helper.url != HgUrl::Tags {
                    writeln!(out, "push").into_diagnostic()?;
                    writeln!(out, "refspec refs/heads/*:refs/cinnabar/refs/heads/*")
                        .into_diagnostic()?;
                    writeln!(out, "refspec hg/*:refs/cinnabar/hg/*").into_diagnostic()?;
                }
                writeln!(out, "refspec HEAD:refs/cinnabar/HEAD\n").into_diagnostic()?;
            }
            "option" => {
                let reply = helper.option(arg);
                writeln!(out, "{reply}").into_diagnostic()?;
            }
            "list" if helper.url == HgUrl::Tags => {
                // Tags point to imported commits: git takes the listed
                // values, `import` has nothing to do.
                let listing = tags::list(crate::store::Repo::open()?)?;
                out.write_all(listing.as_bytes()).into_diagnostic()?;
            }
            "list" => {
                let listing = helper.list(arg == "for-push")?;
                out.write_all(listing.as_bytes()).into_diagnostic()?;
            }
            "import" => {
                let mut wanted = vec![arg.to_string()];
                loop {
                    line.clear();
                    if input.read_line(&mut line).into_diagnostic()? == 0 {
                        break;
                    }
                    let l = line.trim_end_matches('\n');
                    match l.strip_prefix("import ") {
                        Some(r) => wanted.push(r.to_string()),
                        None => break,
                    }
                }
                if helper.url == HgUrl::Tags {
                    writeln!(out, "done").into_diagnostic()?;
                    out.flush().into_diagnostic()?;
                    continue;
                }
                if let Err(e) = helper.import(&wanted) {
                    // Report first: git may be gone once it reads the
                    // unknown command that makes it fail.
                    eprintln!("{e:?}");
                    let _ = writeln!(out, "error");
                    let _ = out.flush();
                    return Ok(ExitCode::FAILURE);
                }
                writeln!(out, "done").into_diagnostic()?;
            }
            "push" if helper.url != HgUrl::Tags => {
                let mut specs = vec![arg.to_string()];
                loop {
                    line.clear();
                    if input.read_line(&mut line).into_diagnostic()? == 0 {
                        break;
                    }
                    match line.trim_end_matches('\n').strip_prefix("push ") {
                        Some(s) => specs.push(s.to_string()),
                        None => break,
                    }
                }
                let progress = helper.progress();
                helper.session()?;
                let session = helper
                    .session
                    .take()
                    .ok_or_else(|| miette!("no session to push with"))?;
                for reply in push::push(session, &specs, helper.options.dry_run, progress)? {
                    writeln!(out, "{reply}").into_diagnostic()?;
                }
                writeln!(out).into_diagnostic()?;
            }
            _ => return Err(miette!("unknown remote-helper command {cmd:?}")),
        }
        out.flush().into_diagnostic()?;
    }
    // git has read the private refs by the time it closes our input.
    if let Some(session) = &mut helper.session {
        session.remove_private_refs()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves a relative local path against the directory git runs us in
/// (where `git clone hg::some/dir` was typed). When `remote` is a configured
/// remote with that relative URL, its URL becomes the absolute path, as git
/// records for its own local clones: later fetches run from the work tree.
fn absolute_source(remote: &str, path: &Path) -> miette::Result<PathBuf> {
    let cwd = std::env::current_dir()
        .into_diagnostic()
        .wrap_err("cannot read the current directory")?;
    let joined = cwd.join(path);
    let Ok(absolute) = joined.canonicalize() else {
        return Ok(joined);
    };
    let key = format!("remote.{remote}.url");
    let configured = Command::new("git")
        .args(["config", "--get", &key])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_string());
    let given = path.to_string_lossy();
    if configured.as_deref().and_then(|u| u.strip_prefix("hg::")) == Some(&given) {
        if let Some(new) = absolute.to_str() {
            let status = Command::new("git")
                .args(["config", &key, &format!("hg::{new}")])
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("warning: cannot record {new} as the URL of {remote}");
            }
        }
    }
    Ok(absolute)
}

/// Opens the repository git runs us in and starts the server of `url`
/// ahead of its use, when `url` is one that `hg serve --stdio` answers
/// (see [`crate::wire::open::prestart`]).
fn start_server(url: &HgUrl) -> (Option<Repo>, Option<PendingPeer>) {
    if !matches!(url, HgUrl::Ssh { .. } | HgUrl::Local(_)) {
        return (None, None);
    }
    let Ok(repo) = Repo::open() else {
        return (None, None);
    };
    let started = crate::wire::open::prestart(url, &WireConfig::from_repo(&repo));
    (Some(repo), started)
}

/// The Mercurial tags of the imported metadata, if they can be read.
fn current_tags() -> Option<Vec<(String, gix_hash::ObjectId)>> {
    let repo = crate::store::Repo::open().ok()?;
    tags::resolve_tags(repo).ok()
}

struct Helper {
    remote: String,
    url: HgUrl,
    options: Options,
    session: Option<Session>,
    /// The repository, opened at start, until the session takes it.
    repo: Option<Repo>,
    /// The server started at start, until the session takes it.
    started: Option<PendingPeer>,
    listed: RefList,
    /// The tags before the first import, to tell when a fetch brought new
    /// ones.
    tags_before: Option<Vec<(String, gix_hash::ObjectId)>>,
}

impl Helper {
    fn option(&mut self, arg: &str) -> &'static str {
        let (name, value) = arg.split_once(' ').unwrap_or((arg, ""));
        match name {
            "progress" => {
                self.options.progress = Some(value == "true");
                "ok"
            }
            "verbosity" => {
                self.options.verbosity = value.parse().unwrap_or(1);
                "ok"
            }
            "dry-run" => {
                self.options.dry_run = value == "true";
                "ok"
            }
            _ => "unsupported",
        }
    }

    fn session(&mut self) -> miette::Result<&mut Session> {
        if self.session.is_none() {
            let remote = (!self.remote.starts_with("hg::") && !self.remote.starts_with("hg://"))
                .then(|| self.remote.clone());
            let progress = self.progress();
            let session = match self.repo.take() {
                Some(repo) => Session::with_repo_started(
                    repo,
                    &self.url,
                    remote.as_deref(),
                    progress,
                    self.started.take(),
                )?,
                None => Session::open(&self.url, remote.as_deref(), progress)?,
            };
            self.session = Some(session);
        }
        self.session
            .as_mut()
            .ok_or_else(|| miette!("no import session"))
    }

    /// Whether to show progress: as git said, else when stderr is a
    /// terminal.
    fn progress(&self) -> bool {
        self.options
            .progress
            .unwrap_or_else(|| std::io::IsTerminal::is_terminal(&std::io::stderr()))
    }

    fn list(&mut self, for_push: bool) -> miette::Result<String> {
        let session = self.session()?;
        let setting = if for_push {
            session
                .config("pushrefs")
                .or_else(|| session.config("refs"))
        } else {
            session.config("refs")
        };
        let style = match setting {
            Some(v) => RefStyle::parse(&v).map_err(|e| miette!("{e}"))?,
            None => RefStyle::default(),
        };
        let session = self.session()?;
        let remote = session.remote_state()?;
        let mut branches: Vec<Branch> = Vec::with_capacity(remote.branches.len());
        for b in &remote.branches {
            let heads = b
                .heads
                .iter()
                .map(|n| Ok((*n, session.is_closed(n)?)))
                .collect::<miette::Result<_>>()?;
            branches.push(Branch {
                name: b.name.clone(),
                heads,
            });
        }
        let listing = list_refs(style, &branches, &remote.bookmarks);
        let pending = session.has_uncommitted();
        let mut text = String::new();
        let mut head_listed = false;
        let mut lines = Vec::new();
        for (name, node) in &listing.refs {
            if !valid_ref_name(name) {
                eprintln!("warning: Ignoring ref {name}: git cannot use it as a ref name");
                continue;
            }
            // What a bundle brought is not stored before `import`: `?`
            // makes git ask for it even when its refs did not move (after
            // `git cinnabar clear`).
            let oid = session
                .hg2git_commit(node)
                .filter(|_| !pending)
                .map(|o| o.to_string())
                .unwrap_or_else(|| "?".into());
            if listing.head.as_deref() == Some(name.as_str()) {
                head_listed = true;
            }
            lines.push(format!("{oid} {name}\n"));
        }
        if head_listed {
            if let Some(h) = &listing.head {
                text.push_str(&format!("@{h} HEAD\n"));
            }
        }
        for l in lines {
            text.push_str(&l);
        }
        for (name, oid) in session.metadata_refs()? {
            text.push_str(&format!("{oid} {name}\n"));
        }
        text.push('\n');
        self.listed = listing;
        Ok(text)
    }

    fn import(&mut self, wanted: &[String]) -> miette::Result<()> {
        let targets: Vec<(String, HgNode)> = wanted
            .iter()
            .filter_map(|r| {
                let name = if r == "HEAD" {
                    self.listed.head.clone()?
                } else {
                    r.clone()
                };
                let node = self.listed.refs.iter().find(|(n, _)| *n == name)?.1;
                Some((r.clone(), node))
            })
            .collect();
        let verbose = self.options.verbosity > 0;
        self.session()?;
        let heads: Vec<HgNode> = targets.iter().map(|(_, n)| *n).collect();
        if verbose && self.tags_before.is_none() {
            self.tags_before = current_tags();
        }
        let session = self
            .session
            .as_mut()
            .ok_or_else(|| miette!("no import session"))?;
        session.fetch(&heads)?;
        let mut refs = Vec::new();
        for (name, node) in &targets {
            let oid = session
                .hg2git_commit(node)
                .ok_or_else(|| miette!("changeset {node} for {name} was not imported"))?;
            let private = if name == "HEAD" {
                "refs/cinnabar/HEAD".to_string()
            } else {
                format!("refs/cinnabar/{name}")
            };
            if !refs.iter().any(|(n, _)| *n == private) {
                refs.push((private, oid));
            }
        }
        session.commit(&refs)?;
        if let (Some(before), Some(after)) = (&self.tags_before, current_tags()) {
            if after.iter().any(|t| !before.contains(t)) {
                eprintln!("\nRun the following command to update tags:");
                eprintln!("  git cinnabar fetch --tags");
            }
            self.tags_before = Some(after);
        }
        Ok(())
    }
}
