//! An import session: a Mercurial source and an [`Importer`], from `list`
//! to the final metadata commit. It chooses what to ask the source for;
//! nothing moves a ref until [`Session::commit`], which finishes the pack
//! first and then updates every ref in one transaction.

use std::collections::HashSet;
use std::io::Write;

use super::error::{invalid, Result, ResultExt};
use gix_hash::ObjectId;

use super::chunked::Checkpoints;
use super::importer::Importer;
use super::source::{bundle_state, BundleHeads, Source};
pub use super::source::{RemoteBranch, RemoteState};
use crate::hg::HgNode;
use crate::store::config::cinnabar_setting;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::{ConfigOverrides, Repo, StoreError};
use crate::util::{check_enabled, log_enabled};
use crate::wire::discovery::find_common;
use crate::wire::open::WireConfig;
use crate::wire::stdio::PendingPeer;
use crate::wire::url::HgUrl;
use crate::wire::{HgPeer, BUNDLECAPS};

/// What a push takes over from a session (see [`Session::into_push_parts`]).
pub struct PushParts {
    pub store: crate::store::Store,
    pub state: crate::metadata::State,
    pub peer: Box<dyn HgPeer>,
    pub remote: RemoteState,
    pub topo_heads: Vec<HgNode>,
}

/// The state of one run of the remote helper (or of `git cinnabar clone`).
pub struct Session {
    importer: Importer,
    source: Source,
    wire_config: WireConfig,
    remote_name: Option<String>,
    remote: Option<RemoteState>,
    /// Heads of the changesets a bundle holds, in order, with their branch.
    bundle_heads: BundleHeads,
    /// The scratch repository used outside of any git repository.
    scratch: Option<tempfile::TempDir>,
    /// The peer's topological heads, from the listing.
    topo_heads: Vec<HgNode>,
    /// Whether the run said where it resumes an interrupted import.
    resume_said: bool,
}

impl Session {
    /// Opens the repository git runs us in, its metadata, and the source.
    ///
    /// Outside of any git repository (`git ls-remote hg::…` run anywhere),
    /// a scratch repository stands in, removed at the end.
    pub fn open(url: &HgUrl, remote_name: Option<&str>, progress: bool) -> Result<Session> {
        match Repo::open() {
            Ok(repo) => Session::with_repo_started(repo, url, remote_name, progress, None),
            Err(StoreError::OpenRepo { .. }) if std::env::var_os("GIT_DIR").is_none() => {
                let scratch = tempfile::Builder::new()
                    .prefix("git-cinnabar")
                    .tempdir()
                    .context_with(|| "cannot create a scratch repository".into())?;
                let repo = Repo::init_bare(scratch.path(), ConfigOverrides::from_env()?)?;
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
    ) -> Result<Session> {
        Session::with_repo_started(repo, url, remote_name, progress, None)
    }

    /// Same as [`Session::with_repo`], with the server started ahead for
    /// `url` and the settings of `repo` (see
    /// [`crate::wire::open::prestart`]): its start-up overlaps the loading
    /// of the metadata.
    pub fn with_repo_started(
        repo: Repo,
        url: &HgUrl,
        remote_name: Option<&str>,
        progress: bool,
        started: Option<PendingPeer>,
    ) -> Result<Session> {
        let compat_06 = cinnabar_setting(&repo, remote_name, "compat").as_deref() == Some("0.6");
        let wire_config = WireConfig::from_repo(&repo);
        let importer = Importer::open(repo, progress, compat_06)?;
        let source = Source::open(url, &wire_config, started)?;
        Ok(Session {
            importer,
            source,
            wire_config,
            remote_name: remote_name.map(str::to_string),
            remote: None,
            bundle_heads: Vec::new(),
            scratch: None,
            topo_heads: Vec::new(),
            resume_said: false,
        })
    }

    /// A cinnabar setting: `GIT_CINNABAR_<KEY>`, then
    /// `remote.<remote>.cinnabar-<key>`, then `cinnabar.<key>`.
    pub fn config(&self, key: &str) -> Option<String> {
        cinnabar_setting(self.importer.store.repo(), self.remote_name.as_deref(), key)
    }

    /// When imports commit checkpoints (never outside of a repository,
    /// where nothing is kept).
    fn checkpoints(&self) -> Checkpoints {
        // Outside of any repository nothing is kept; nor when grafting,
        // which may have to roll everything back ("Nothing to graft").
        if self.scratch.is_some() || self.importer.graft_finish().is_some() {
            return Checkpoints::default();
        }
        Checkpoints::from_settings(
            self.config("checkpoint").as_deref(),
            self.config("checkpoint-seconds").as_deref(),
            log_enabled(self.config("log").as_deref(), "checkpoint"),
        )
    }

    /// Whether this run imported changesets (a bundle read when listed)
    /// that are not committed to the metadata yet; outside of any git
    /// repository nothing is ever committed.
    pub fn has_uncommitted(&self) -> bool {
        self.scratch.is_none() && self.importer.state.is_modified()
    }

    /// The git commit of a changeset, if imported.
    pub fn hg2git_commit(&self, node: &HgNode) -> Option<ObjectId> {
        self.importer.hg2git_commit(node)
    }

    /// Whether a changeset is known to close its branch.
    pub fn is_closed(&mut self, node: &HgNode) -> Result<bool> {
        self.importer.is_closed(node)
    }

    /// The remote's branches and bookmarks. For a bundle, this imports it.
    pub fn remote_state(&mut self) -> Result<RemoteState> {
        if let Some(r) = &self.remote {
            return Ok(r.clone());
        }
        let state = match &mut self.source {
            Source::Bundle { .. } | Source::Stream { .. } => {
                self.import_bundle_source()?;
                bundle_state(&self.bundle_heads)
            }
            Source::Peer(peer) => {
                let (branches, heads, bookmarks) = peer.remote_listing()?;
                self.topo_heads = heads;
                let branches = branches
                    .into_iter()
                    .map(|b| RemoteBranch {
                        // `branchmap` quotes names (Python's `quote`).
                        name: percent_encoding::percent_decode(&b.name).collect(),
                        heads: b.heads,
                    })
                    .collect();
                let bookmarks = bookmarks
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let node = HgNode::from_hex(&v).ok()?;
                        Some((k, node))
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

    /// The heads the remote listed, every branch's.
    fn remote_heads(&self) -> Vec<HgNode> {
        self.remote
            .iter()
            .flat_map(|r| r.branches.iter().flat_map(|b| b.heads.iter().copied()))
            .collect()
    }

    /// The changeset a name stands for on the remote (`lookup`); a bundle
    /// only knows full ids of changesets it holds.
    pub fn lookup(&mut self, name: &str) -> Result<HgNode> {
        match &mut self.source {
            Source::Peer(peer) => Ok(peer.lookup(name)?),
            Source::Bundle { .. } | Source::Stream { .. } => Err(invalid(format!(
                "{name}: names cannot be looked up in a bundle"
            ))),
        }
    }

    /// Ends the session for a push: the store and metadata state (nothing
    /// imported is pending: only listed), the peer, the remote's branches
    /// and bookmarks, and its topological heads.
    pub fn into_push_parts(mut self) -> Result<PushParts> {
        let remote = self.remote_state()?;
        let Source::Peer(peer) = self.source else {
            return Err(invalid("cannot push to a bundle"));
        };
        let Importer { store, state, .. } = self.importer;
        Ok(PushParts {
            store,
            state,
            peer,
            remote,
            topo_heads: self.topo_heads,
        })
    }

    /// Fails, naming the first of `nodes` the peer does not have, unless
    /// it has them all (or they are already imported). Bundles are checked
    /// once read.
    pub fn require_known(&mut self, nodes: &[HgNode], shown: &str) -> Result<()> {
        let missing = self.importer.missing(nodes);
        let Source::Peer(peer) = &mut self.source else {
            return Ok(());
        };
        if missing.is_empty() || peer.capability("known").is_none() {
            return Ok(());
        }
        let known = peer.known(&missing)?;
        match missing.iter().zip(known).find(|(_, k)| !k) {
            Some((node, _)) => Err(invalid(format!("{shown} does not have changeset {node}"))),
            None => Ok(()),
        }
    }

    /// Which changesets we and the peer both have.
    fn find_common(&mut self) -> Result<Vec<HgNode>> {
        let remote_heads = self.remote_heads();
        let log = log_enabled(self.config("log").as_deref(), "find-common");
        let Source::Peer(peer) = &mut self.source else {
            return Ok(Vec::new());
        };
        Ok(find_common(
            peer.as_mut(),
            &mut self.importer.graph(),
            &remote_heads,
            log,
        )?)
    }

    /// Copies to `out`, without importing it, the bundle the remote sends
    /// for `heads` (everything they need that our branch heads do not
    /// have); for a bundle file, the file itself.
    pub fn write_bundle(&mut self, heads: &[HgNode], out: &mut dyn Write) -> Result<()> {
        let common = self.find_common()?;
        match &mut self.source {
            Source::Peer(peer) => {
                let caps = peer.capability("bundle2").map(|_| BUNDLECAPS);
                let stream = peer.getbundle(heads, &common, caps)?;
                super::copy::copy_bundle(stream, out)?;
            }
            source => source.copy_bundle(out)?,
        }
        Ok(out.flush()?)
    }

    /// Makes sure the given changesets are imported.
    pub fn fetch(&mut self, heads: &[HgNode]) -> Result<()> {
        let missing = self.importer.missing(heads);
        if missing.is_empty() {
            return Ok(());
        }
        self.start_graft()?;
        if !self.source.is_peer() {
            self.import_bundle_source()?;
            if let Some(h) = self.importer.missing(&missing).first() {
                return Err(invalid(format!("changeset {h} is not in the bundle")));
            }
            return Ok(());
        }
        let checkpoints = self.checkpoints();
        if let (Some(n), false) = (self.importer.resumed(), self.resume_said) {
            self.resume_said = true;
            eprintln!(
                "Resuming an interrupted import: its checkpoints hold {n} changesets; \
                 fetching the rest"
            );
        }
        // A clone bundle that an interrupted clone left: the rest of it
        // first.
        if self.importer.state.previous.is_some()
            && checkpoints.enabled()
            && super::resume::resume_clonebundle(&mut self.importer, &checkpoints)?
            && self.importer.missing(&missing).is_empty()
        {
            return Ok(());
        }
        let mut common = self.find_common()?;
        // A first clone may start from a git mirror of the metadata (spec
        // 9.7) or else a clone bundle (spec 9.6).
        if common.is_empty()
            && self.importer.state.previous.is_none()
            && (self.import_cinnabarclone()? || self.import_clonebundle(false)?)
        {
            if self.importer.missing(&missing).is_empty() {
                return Ok(());
            }
            common = self.find_common()?;
        }
        // Servers answer faster for their topological heads: ask for those
        // when they are all wanted (spec 9.5), then once more for anything
        // left.
        let wanted: HashSet<&HgNode> = missing.iter().collect();
        let unknown_topo = self.importer.missing(&self.topo_heads);
        let mut request =
            if !unknown_topo.is_empty() && unknown_topo.iter().all(|h| wanted.contains(h)) {
                unknown_topo
            } else {
                missing.clone()
            };
        let Source::Peer(peer) = &mut self.source else {
            return Ok(());
        };
        for _ in 0..2 {
            if request.is_empty() {
                break;
            }
            let caps = peer.capability("bundle2").map(|_| BUNDLECAPS);
            let url = peer.url().to_string();
            let stream = peer.getbundle(&request, &common, caps)?;
            super::resume::import_response(
                &mut self.importer,
                stream,
                &url,
                &checkpoints,
                &mut |_| {},
            )
            .context_with(|| format!("while fetching from {url}"))?;
            request = self.importer.missing(&missing);
        }
        Ok(())
    }

    /// Adopts the metadata of the git mirror `cinnabar.clone` or the
    /// server's cinnabarclone manifest names (spec 9.7), when there is one
    /// and this is a git repository of its own. Returns whether it did.
    fn import_cinnabarclone(&mut self) -> Result<bool> {
        let settings = super::cinnabarclone::Settings {
            clone: self.config("clone"),
            clonebundle: self.config("clonebundle"),
            graft: self.config("graft"),
            fatal: check_enabled(self.config("check").as_deref(), "cinnabarclone"),
            log: log_enabled(self.config("log").as_deref(), "cinnabarclone"),
            progress: self.importer.progress(),
        };
        let Source::Peer(peer) = &mut self.source else {
            return Ok(false);
        };
        if self.scratch.is_some() {
            return Ok(false);
        }
        super::cinnabarclone::import(
            peer.as_mut(),
            &settings,
            &self.wire_config,
            &mut self.importer,
        )
    }

    /// Imports the clone bundle `cinnabar.clonebundle` names, or else the
    /// first usable one of the server's manifest (an empty setting
    /// disables them). Returns whether one was imported. A bundle that
    /// cannot be downloaded is skipped with a warning unless `required`;
    /// one that fails half-way is an error.
    pub fn import_clonebundle(&mut self, required: bool) -> Result<bool> {
        let configured = self.config("clonebundle");
        let log = log_enabled(self.config("log").as_deref(), "clonebundle");
        let checkpoints = self.checkpoints();
        let Source::Peer(peer) = &mut self.source else {
            return Err(invalid("clone bundles come from Mercurial servers"));
        };
        super::clonebundle::import(
            peer.as_mut(),
            configured,
            &self.wire_config,
            &mut self.importer,
            required,
            log,
            &checkpoints,
        )
    }

    /// Imports a bundle source whole (`git cinnabar unbundle`).
    pub fn import_bundle(&mut self) -> Result<()> {
        match self.source {
            Source::Peer(_) => Err(invalid("not a bundle: a Mercurial server")),
            _ => self.import_bundle_source(),
        }
    }

    /// Reads the graft candidates `cinnabar.graft` asks for (spec 3.8),
    /// once.
    fn start_graft(&mut self) -> Result<()> {
        if self.config("graft-refs").is_some() {
            eprintln!(
                "WARNING The cinnabar.graft-refs configuration is deprecated.\nPlease unset it."
            );
        }
        let setting = self.config("graft");
        self.importer.start_graft(setting.as_deref())
    }

    /// Imports a bundle file or stream, once, in chunks with checkpoints
    /// when it is large (see [`super::chunked`]).
    fn import_bundle_source(&mut self) -> Result<()> {
        if self.source.has_unimported_bundle() {
            self.start_graft()?;
        }
        let checkpoints = self.checkpoints();
        self.source
            .import_bundle(&mut self.importer, &checkpoints, &mut self.bundle_heads)
    }

    /// Writes the metadata, finishes the pack, then moves the refs in one
    /// transaction: the metadata and notes refs (compare-and-swap against
    /// their values when the session started) and the helper's private refs.
    pub fn commit(&mut self, private_refs: &[(String, ObjectId)]) -> Result<()> {
        if self.importer.graft_finish() == Some(Some(false)) {
            // Grafting grafted nothing: the metadata stays as it was.
            self.importer.store.abort_pack();
            return Err(invalid("Nothing to graft"));
        }
        if let Some(summary) = self.importer.graft_summary() {
            if self.importer.progress() {
                eprintln!("{summary}");
            }
        }
        let keep: HashSet<&str> = private_refs.iter().map(|(n, _)| n.as_str()).collect();
        let mut updates: Vec<RefUpdate> = self
            .private_refs()?
            .into_iter()
            .filter(|name| !keep.contains(name.as_str()))
            .map(|name| RefUpdate {
                name,
                expected: Expected::Any,
                new: None,
            })
            .collect();
        updates.extend(private_refs.iter().map(|(name, oid)| RefUpdate {
            name: name.clone(),
            expected: Expected::Any,
            new: Some(*oid),
        }));
        let log = self.config("log");
        self.importer.commit(updates)?;
        self.importer.report(log.as_deref());
        Ok(())
    }

    /// The remote helper's private refs: `refs/cinnabar/refs/*`,
    /// `refs/cinnabar/hg/*` and `refs/cinnabar/HEAD`.
    fn private_refs(&self) -> Result<Vec<String>> {
        let mut names = self
            .importer
            .store
            .repo()
            .refs_with_prefix("refs/cinnabar/")?;
        names.retain(|name| {
            name.starts_with("refs/cinnabar/refs/")
                || name.starts_with("refs/cinnabar/hg/")
                || name == "refs/cinnabar/HEAD"
        });
        Ok(names)
    }

    /// The metadata refs and their values (`refs/notes/cinnabar` and every
    /// ref under `refs/cinnabar/` but the private ones) that the helper lists:
    /// those the remote's fetch refspecs map to (a mirror's
    /// `+refs/*:refs/*`): git prunes the refs matching a refspec's
    /// destination that the remote does not list. Listed with their own
    /// values, git never moves them.
    pub fn metadata_refs(&self) -> Result<Vec<(String, ObjectId)>> {
        let Some(remote) = self
            .remote_name
            .as_deref()
            .filter(|_| self.scratch.is_none())
        else {
            return Ok(Vec::new());
        };
        let repo = self.importer.store.repo();
        let destinations: Vec<String> = repo
            .gix()
            .config_snapshot()
            .strings(format!("remote.{remote}.fetch").as_str())
            .unwrap_or_default()
            .iter()
            .filter_map(|spec| {
                let spec = String::from_utf8_lossy(spec.as_ref());
                spec.split_once(':').map(|(_, dst)| dst.to_string())
            })
            .collect();
        let mapped = |name: &str| {
            destinations.iter().any(|dst| match dst.split_once('*') {
                Some((prefix, suffix)) => {
                    name.len() > prefix.len() + suffix.len()
                        && name.starts_with(prefix)
                        && name.ends_with(suffix)
                }
                None => dst == name,
            })
        };
        let private = self.private_refs()?;
        let mut names = repo.refs_with_prefix("refs/cinnabar/")?;
        names.retain(|n| !private.contains(n));
        names.push("refs/notes/cinnabar".to_string());
        let mut refs = Vec::new();
        for name in names.into_iter().filter(|n| mapped(n)) {
            if let Some(oid) = repo.find_ref(&name)? {
                refs.push((name, oid));
            }
        }
        refs.sort();
        Ok(refs)
    }

    /// Deletes the private refs once git has read them.
    pub fn remove_private_refs(&mut self) -> Result<()> {
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
            self.importer
                .store
                .update_refs(&updates, "cinnabar: remove private refs")?;
        }
        Ok(())
    }
}
