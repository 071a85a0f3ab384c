//! An import session: the repository, the object store, the metadata
//! state and the Mercurial source, from `list` to the final metadata
//! commit. Nothing moves a ref until [`Session::commit`], which finishes
//! the pack first and then updates every ref in one transaction.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::PathBuf;

use gix_hash::ObjectId;
use miette::{miette, Context, IntoDiagnostic};

use super::changegroup::{import_changegroup, Importers};
use super::changesets::{ChangesetImporter, Imported};
use super::discovery::find_common;
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use super::metadata::{self, METADATA_REF, NOTES_REF};
use super::state::State;
use crate::convert::changeset::ChangesetNote;
use crate::hg::bundle::BundleReader;
use crate::hg::HgNode;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::ObjectRead;
use crate::store::{ConfigOverrides, Repo, Store, StoreError, WriteMode};
use crate::wire::http::{FollowRedirects, HttpConfig, HttpPeer, HttpSource};
use crate::wire::ssh::{self, SshConfig};
use crate::wire::stdio::StdioPeer;
use crate::wire::url::HgUrl;
use crate::wire::{HgPeer, BUNDLECAPS};

/// A branch of the remote, with its heads in revision order.
#[derive(Clone, Debug)]
pub struct RemoteBranch {
    pub name: String,
    pub heads: Vec<HgNode>,
}

/// What the remote has: branches and bookmarks.
#[derive(Clone, Debug, Default)]
pub struct RemoteState {
    pub branches: Vec<RemoteBranch>,
    pub bookmarks: Vec<(String, HgNode)>,
}

enum Source {
    /// A bundle file, imported whole when first listed.
    Bundle { path: PathBuf, imported: bool },
    /// A bundle served over HTTP, imported whole when first listed.
    Stream {
        url: String,
        body: Option<Box<dyn Read + Send>>,
    },
    /// A Mercurial peer.
    Peer(Box<dyn HgPeer>),
}

/// The state of one run of the remote helper (or of `git cinnabar clone`).
pub struct Session {
    store: Store,
    state: State,
    source: Source,
    importers: Importers,
    progress: bool,
    remote_name: Option<String>,
    remote: Option<RemoteState>,
    /// Heads of the changesets a bundle holds, in order, with their branch.
    bundle_heads: Vec<(HgNode, Vec<u8>)>,
    /// Changesets of this run that close their branch.
    closed: HashSet<HgNode>,
    /// The scratch repository used outside of any git repository.
    scratch: Option<tempfile::TempDir>,
    /// The peer's topological heads, from the listing.
    topo_heads: Vec<HgNode>,
}

impl Session {
    /// Opens the repository git runs us in, its metadata, and the source.
    ///
    /// Outside of any git repository (`git ls-remote hg::…` run anywhere),
    /// a scratch repository stands in, removed at the end.
    pub fn open(url: &HgUrl, remote_name: Option<&str>, progress: bool) -> miette::Result<Session> {
        match Repo::open() {
            Ok(repo) => Session::with_repo(repo, url, remote_name, progress),
            Err(StoreError::OpenRepo { .. }) if std::env::var_os("GIT_DIR").is_none() => {
                let scratch = tempfile::Builder::new()
                    .prefix("git-cinnabar")
                    .tempdir()
                    .into_diagnostic()
                    .wrap_err("cannot create a scratch repository")?;
                let status = std::process::Command::new("git")
                    .args(["init", "-q", "--bare"])
                    .arg(scratch.path())
                    .env_remove("GIT_DIR")
                    .status()
                    .into_diagnostic()
                    .wrap_err("cannot run git init")?;
                if !status.success() {
                    return Err(miette!("git init of a scratch repository failed"));
                }
                let repo = Repo::open_at(scratch.path(), ConfigOverrides::from_env()?)?;
                let mut session = Session::with_repo(repo, url, remote_name, progress)?;
                session.scratch = Some(scratch);
                Ok(session)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Same as [`Session::open`] with an opened repository.
    pub fn with_repo(
        repo: Repo,
        url: &HgUrl,
        remote_name: Option<&str>,
        progress: bool,
    ) -> miette::Result<Session> {
        let compat_06 = config_value(&repo, remote_name, "compat").as_deref() == Some("0.6");
        let metadata = repo.find_ref(METADATA_REF)?;
        let mut store = Store::new(repo, WriteMode::pipelined());
        let state = metadata::load(&mut store, metadata)?;
        let source = match url {
            HgUrl::Local(path) if path.is_file() => Source::Bundle {
                path: path.clone(),
                imported: false,
            },
            HgUrl::Local(path) if path.is_dir() => {
                Source::Peer(Box::new(StdioPeer::local(&url.display(), path)?))
            }
            HgUrl::Local(path) => {
                return Err(miette!("{}: no such repository or bundle", path.display()))
            }
            HgUrl::Http(http_url) => {
                let config = http_config(&store);
                match HttpPeer::open(http_url, &config)? {
                    HttpSource::Peer(peer) => Source::Peer(peer),
                    HttpSource::Bundle(body) => Source::Stream {
                        url: url.display(),
                        body: Some(body),
                    },
                }
            }
            HgUrl::Ssh {
                user,
                host,
                port,
                path,
            } => {
                let config = SshConfig {
                    ssh_command: store.repo().config_string("core.sshCommand"),
                    variant: store.repo().config_string("ssh.variant"),
                };
                Source::Peer(Box::new(ssh::connect(
                    &url.display(),
                    user.as_deref(),
                    host,
                    *port,
                    path,
                    &config,
                )?))
            }
            HgUrl::Tags => {
                return Err(miette!("the tags: pseudo-remote has no repository"));
            }
        };
        Ok(Session {
            store,
            state,
            source,
            importers: Importers {
                manifests: ManifestImporter::default(),
                files: FileImporter::default(),
                changesets: ChangesetImporter::new(compat_06),
            },
            progress,
            remote_name: remote_name.map(str::to_string),
            remote: None,
            bundle_heads: Vec::new(),
            closed: HashSet::new(),
            scratch: None,
            topo_heads: Vec::new(),
        })
    }

    /// A cinnabar setting: `GIT_CINNABAR_<KEY>`, then
    /// `remote.<remote>.cinnabar-<key>`, then `cinnabar.<key>`.
    pub fn config(&self, key: &str) -> Option<String> {
        config_value(self.store.repo(), self.remote_name.as_deref(), key)
    }

    /// The git commit of a changeset, if imported.
    pub fn hg2git_commit(&self, node: &HgNode) -> Option<ObjectId> {
        self.state.hg2git(node)
    }

    /// Whether a changeset is known to close its branch.
    pub fn is_closed(&mut self, node: &HgNode) -> bool {
        if self.closed.contains(node) {
            return true;
        }
        let Some(commit) = self.state.hg2git(node) else {
            return false;
        };
        let Some(note) = self.state.git2hg.get(&super::state::oid_bytes(&commit)) else {
            return false;
        };
        let mut buf = Vec::new();
        if self.store.read(&super::state::oid(note), &mut buf).is_err() {
            return false;
        }
        ChangesetNote::parse(&buf)
            .ok()
            .and_then(|n| n.extra)
            .is_some_and(|e| {
                crate::hg::changeset::parse_extra(&e)
                    .iter()
                    .any(|i| i.key == b"close")
            })
    }

    /// The remote's branches and bookmarks. For a bundle, this imports it.
    pub fn remote_state(&mut self) -> miette::Result<RemoteState> {
        if let Some(r) = &self.remote {
            return Ok(r.clone());
        }
        let state = match &mut self.source {
            Source::Bundle { .. } | Source::Stream { .. } => {
                self.import_bundle_file()?;
                let mut branches: Vec<RemoteBranch> = Vec::new();
                for (node, branch) in &self.bundle_heads {
                    let name = String::from_utf8_lossy(branch).into_owned();
                    match branches.iter_mut().find(|b| b.name == name) {
                        Some(b) => b.heads.push(*node),
                        None => branches.push(RemoteBranch {
                            name,
                            heads: vec![*node],
                        }),
                    }
                }
                RemoteState {
                    branches,
                    bookmarks: Vec::new(),
                }
            }
            Source::Peer(peer) => {
                let (branches, heads, bookmarks) = peer.remote_listing()?;
                self.topo_heads = heads;
                let branches = branches
                    .into_iter()
                    .map(|b| RemoteBranch {
                        name: String::from_utf8_lossy(&b.name).into_owned(),
                        heads: b.heads,
                    })
                    .collect();
                let bookmarks = bookmarks
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let node = HgNode::from_hex(&v).ok()?;
                        Some((String::from_utf8_lossy(&k).into_owned(), node))
                    })
                    .collect();
                RemoteState {
                    branches,
                    bookmarks,
                }
            }
        };
        self.remote = Some(state.clone());
        Ok(state)
    }

    /// The changeset a name stands for on the remote (`lookup`); a bundle
    /// only knows full ids of changesets it holds.
    pub fn lookup(&mut self, name: &str) -> miette::Result<HgNode> {
        match &mut self.source {
            Source::Peer(peer) => Ok(peer.lookup(name)?),
            Source::Bundle { .. } | Source::Stream { .. } => {
                Err(miette!("{name}: names cannot be looked up in a bundle"))
            }
        }
    }

    /// Copies to `out`, without importing it, the bundle the remote sends
    /// for `heads` (everything they need that our branch heads do not
    /// have); for a bundle file, the file itself.
    pub fn write_bundle(&mut self, heads: &[HgNode], out: &mut dyn Write) -> miette::Result<()> {
        match &mut self.source {
            Source::Bundle { path, .. } => {
                let mut file = std::fs::File::open(&*path)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot open {}", path.display()))?;
                std::io::copy(&mut file, out).into_diagnostic()?;
            }
            Source::Stream { url, body } => {
                let mut body = body
                    .take()
                    .ok_or_else(|| miette!("the bundle from {url} was already read"))?;
                std::io::copy(&mut body, out).into_diagnostic()?;
            }
            Source::Peer(peer) => {
                let log = log_enabled(
                    config_value(self.store.repo(), self.remote_name.as_deref(), "log").as_deref(),
                    "find-common",
                );
                let remote_heads: Vec<HgNode> = self
                    .remote
                    .iter()
                    .flat_map(|r| r.branches.iter().flat_map(|b| b.heads.iter().copied()))
                    .collect();
                let common = find_common(
                    peer.as_mut(),
                    &mut self.store,
                    &self.state,
                    &remote_heads,
                    log,
                )?;
                let caps = peer.capability("bundle2").map(|_| BUNDLECAPS);
                let stream = peer.getbundle(heads, &common, caps)?;
                super::fetch::copy_bundle(stream, out)?;
            }
        }
        out.flush().into_diagnostic()
    }

    /// Makes sure the given changesets are imported.
    pub fn fetch(&mut self, heads: &[HgNode]) -> miette::Result<()> {
        let missing: Vec<HgNode> = heads
            .iter()
            .filter(|h| self.state.hg2git(h).is_none())
            .copied()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        match &mut self.source {
            Source::Bundle { .. } | Source::Stream { .. } => {
                self.import_bundle_file()?;
                if let Some(h) = missing.iter().find(|h| self.state.hg2git(h).is_none()) {
                    return Err(miette!("changeset {h} is not in the bundle"));
                }
                Ok(())
            }
            Source::Peer(_) => {
                let log = log_enabled(self.config("log").as_deref(), "find-common");
                let remote_heads: Vec<HgNode> = self
                    .remote
                    .iter()
                    .flat_map(|r| r.branches.iter().flat_map(|b| b.heads.iter().copied()))
                    .collect();
                let Source::Peer(peer) = &mut self.source else {
                    unreachable!()
                };
                let mut common = find_common(
                    peer.as_mut(),
                    &mut self.store,
                    &self.state,
                    &remote_heads,
                    log,
                )?;
                // A first clone may start from a clone bundle (spec 9.6).
                if common.is_empty()
                    && self.state.previous.is_none()
                    && self.import_clonebundle(false)?
                {
                    let missing: Vec<HgNode> = missing
                        .iter()
                        .filter(|h| self.state.hg2git(h).is_none())
                        .copied()
                        .collect();
                    if missing.is_empty() {
                        return Ok(());
                    }
                    let Source::Peer(peer) = &mut self.source else {
                        unreachable!()
                    };
                    common = find_common(
                        peer.as_mut(),
                        &mut self.store,
                        &self.state,
                        &remote_heads,
                        log,
                    )?;
                }
                // Servers answer faster for their topological heads: ask for
                // those when they are all wanted (spec 9.5), then once more
                // for anything left.
                let wanted: HashSet<&HgNode> = missing.iter().collect();
                let unknown_topo: Vec<HgNode> = self
                    .topo_heads
                    .iter()
                    .filter(|h| self.state.hg2git(h).is_none())
                    .copied()
                    .collect();
                let mut request = if !unknown_topo.is_empty()
                    && unknown_topo.iter().all(|h| wanted.contains(h))
                {
                    unknown_topo
                } else {
                    missing.clone()
                };
                for attempt in 0..2 {
                    if attempt > 0 {
                        request = missing
                            .iter()
                            .filter(|h| self.state.hg2git(h).is_none())
                            .copied()
                            .collect();
                        if request.is_empty() {
                            break;
                        }
                    }
                    let Source::Peer(peer) = &mut self.source else {
                        unreachable!()
                    };
                    let caps = peer.capability("bundle2").map(|_| BUNDLECAPS);
                    let url = peer.url().to_string();
                    let stream = peer.getbundle(&request, &common, caps)?;
                    let Session {
                        store,
                        state,
                        importers,
                        progress,
                        closed,
                        ..
                    } = self;
                    import_stream(
                        stream,
                        store,
                        state,
                        importers,
                        *progress,
                        closed,
                        &mut |_| {},
                    )
                    .wrap_err_with(|| format!("while fetching from {url}"))?;
                }
                Ok(())
            }
        }
    }

    /// Imports the clone bundle `cinnabar.clonebundle` names, or else the
    /// first usable one of the server's manifest (an empty setting
    /// disables them). Returns whether one was imported. A bundle that
    /// cannot be downloaded is skipped with a warning unless `required`;
    /// one that fails half-way is an error.
    pub fn import_clonebundle(&mut self, required: bool) -> miette::Result<bool> {
        let configured = self.config("clonebundle");
        let Source::Peer(peer) = &mut self.source else {
            return Err(miette!("clone bundles come from Mercurial servers"));
        };
        let server = peer.url().to_string();
        let url = match configured {
            Some(url) => Some(url).filter(|u| !u.is_empty()),
            None if peer.capability("clonebundles").is_some() => {
                let manifest = peer.clonebundles()?;
                crate::wire::select_clonebundle(&manifest)
            }
            None => None,
        };
        let Some(url) = url else {
            if required {
                return Err(miette!("{server} offers no usable clone bundle"));
            }
            return Ok(false);
        };
        let shown = crate::wire::http::strip_credentials(&url);
        if log_enabled(self.config("log").as_deref(), "clonebundle") {
            eprintln!("DEBUG clonebundle: fetching {shown}");
        }
        let stream = match crate::wire::http::get_stream(&url, &http_config(&self.store)) {
            Ok(stream) => stream,
            Err(e) if !required => {
                eprintln!("warning: cannot use the clone bundle: {e}");
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let Session {
            store,
            state,
            importers,
            progress,
            closed,
            ..
        } = self;
        import_stream(
            Box::new(stream),
            store,
            state,
            importers,
            *progress,
            closed,
            &mut |_| {},
        )
        .wrap_err_with(|| format!("while importing the clone bundle {shown}"))?;
        Ok(true)
    }

    /// Imports a bundle source whole (`git cinnabar unbundle`).
    pub fn import_bundle(&mut self) -> miette::Result<()> {
        match self.source {
            Source::Peer(_) => Err(miette!("not a bundle: a Mercurial server")),
            _ => self.import_bundle_file(),
        }
    }

    fn import_bundle_file(&mut self) -> miette::Result<()> {
        let (input, shown): (Box<dyn Read + '_>, String) = match &mut self.source {
            Source::Bundle { imported: true, .. } | Source::Stream { body: None, .. } => {
                return Ok(())
            }
            Source::Bundle { path, .. } => {
                let file = std::fs::File::open(&*path)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot open {}", path.display()))?;
                (
                    Box::new(std::io::BufReader::new(file)),
                    path.display().to_string(),
                )
            }
            Source::Stream { url, body } => match body.take() {
                Some(body) => (Box::new(body), url.clone()),
                None => return Ok(()),
            },
            Source::Peer(_) => return Ok(()),
        };
        let Session {
            store,
            state,
            importers,
            progress,
            closed,
            bundle_heads,
            ..
        } = self;
        import_stream(
            input,
            store,
            state,
            importers,
            *progress,
            closed,
            &mut |c| {
                // Heads of the bundle's own graph, per branch.
                bundle_heads.retain(|(n, b)| !(b == &c.branch && c.parents.contains(n)));
                bundle_heads.push((c.node, c.branch.clone()));
            },
        )
        .wrap_err_with(|| format!("while importing {shown}"))?;
        if let Source::Bundle { imported, .. } = &mut self.source {
            *imported = true;
        }
        Ok(())
    }

    /// Writes the metadata, finishes the pack, then moves the refs in one
    /// transaction: the metadata and notes refs (compare-and-swap against
    /// their values when the session started) and the helper's private refs.
    pub fn commit(&mut self, private_refs: &[(String, ObjectId)]) -> miette::Result<()> {
        let written = metadata::write(&mut self.store, &self.state)?;
        self.store.finish_pack()?;
        let previous = self.state.previous.as_ref().map(|p| p.commit);
        let mut updates = Vec::new();
        if previous != Some(written.metadata) {
            updates.push(RefUpdate {
                name: METADATA_REF.into(),
                expected: match previous {
                    Some(p) => Expected::Value(p),
                    None => Expected::Absent,
                },
                new: Some(written.metadata),
            });
            updates.push(RefUpdate {
                name: NOTES_REF.into(),
                expected: Expected::Any,
                new: Some(written.git2hg),
            });
        }
        let keep: HashSet<&str> = private_refs.iter().map(|(n, _)| n.as_str()).collect();
        for name in self.private_refs()? {
            if !keep.contains(name.as_str()) {
                updates.push(RefUpdate {
                    name,
                    expected: Expected::Any,
                    new: None,
                });
            }
        }
        for (name, oid) in private_refs {
            updates.push(RefUpdate {
                name: name.clone(),
                expected: Expected::Any,
                new: Some(*oid),
            });
        }
        self.store.update_refs(&updates, "cinnabar import")?;
        Ok(())
    }
}

impl Session {
    /// The remote helper's private refs: `refs/cinnabar/refs/*`,
    /// `refs/cinnabar/hg/*` and `refs/cinnabar/HEAD`.
    fn private_refs(&self) -> miette::Result<Vec<String>> {
        let mut names = self.store.repo().refs_with_prefix("refs/cinnabar/")?;
        names.retain(|name| {
            name.starts_with("refs/cinnabar/refs/")
                || name.starts_with("refs/cinnabar/hg/")
                || name == "refs/cinnabar/HEAD"
        });
        Ok(names)
    }

    /// Deletes the private refs once git has read them.
    pub fn remove_private_refs(&mut self) -> miette::Result<()> {
        let updates: Vec<RefUpdate> = self
            .private_refs()?
            .into_iter()
            .map(|name| RefUpdate {
                name,
                expected: Expected::Any,
                new: None,
            })
            .collect();
        if !updates.is_empty() {
            self.store
                .update_refs(&updates, "cinnabar: remove private refs")?;
        }
        Ok(())
    }
}

/// Whether debug logging is on for `target` according to the `log`
/// setting (`GIT_CINNABAR_LOG` or `cinnabar.log`): a comma list of
/// `target[:level][>path]`, `*` for every target.
pub fn log_enabled(setting: Option<&str>, target: &str) -> bool {
    setting.is_some_and(|v| {
        v.split(',').any(|item| {
            let item = item.split('>').next().unwrap_or_default();
            let (t, level) = item.split_once(':').unwrap_or((item, "debug"));
            (t == target || t == "*")
                && matches!(
                    level.to_ascii_lowercase().as_str(),
                    "debug" | "trace" | "4" | "5"
                )
        })
    })
}

/// Reads a bundle stream and imports each of its changegroups, noting the
/// changesets that close their branch in `closed`.
fn import_stream(
    stream: Box<dyn Read + '_>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    progress: bool,
    closed: &mut HashSet<HgNode>,
    on_changeset: &mut dyn FnMut(&Imported),
) -> miette::Result<()> {
    let mut bundle = BundleReader::open(stream)?;
    let mut report = crate::util::Progress::exact(progress);
    while let Some(mut cg) = bundle.next_changegroup()? {
        import_changegroup(
            &mut cg,
            store,
            state,
            importers,
            &mut |what, n| report.update(what, n),
            &mut |c| {
                if c.closes {
                    closed.insert(c.node);
                }
                on_changeset(c);
            },
        )?;
    }
    report.finish();
    Ok(())
}

/// The `http.*` settings.
fn http_config(store: &Store) -> HttpConfig {
    let repo = store.repo();
    HttpConfig {
        proxy: repo.config_string("http.proxy"),
        ca_info: std::env::var_os("GIT_SSL_CAINFO")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| repo.config_string("http.sslCAInfo").map(PathBuf::from)),
        no_verify: matches!(repo.config_bool("http.sslVerify"), Ok(Some(false)))
            || std::env::var("GIT_SSL_NO_VERIFY").is_ok_and(|v| !v.is_empty()),
        follow_redirects: repo
            .config_string("http.followRedirects")
            .map(|v| FollowRedirects::parse(&v))
            .unwrap_or_default(),
    }
}

fn config_value(repo: &Repo, remote: Option<&str>, key: &str) -> Option<String> {
    let env = format!("GIT_CINNABAR_{}", key.to_uppercase().replace('-', "_"));
    if let Ok(v) = std::env::var(env) {
        return Some(v);
    }
    if let Some(r) = remote {
        if let Some(v) = repo.config_string(&format!("remote.{r}.cinnabar-{key}")) {
            return Some(v);
        }
    }
    repo.config_string(&format!("cinnabar.{key}"))
}
