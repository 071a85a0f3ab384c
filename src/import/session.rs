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
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use super::metadata::{self, METADATA_REF, NOTES_REF};
use super::state::State;
use crate::convert::changeset::ChangesetNote;
use crate::hg::bundle::BundleReader;
use crate::hg::HgNode;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::{Repo, Store, WriteMode};
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
}

impl Session {
    /// Opens the repository git runs us in, its metadata, and the source.
    pub fn open(url: &HgUrl, remote_name: Option<&str>, progress: bool) -> miette::Result<Session> {
        let repo = Repo::open()?;
        Session::with_repo(repo, url, remote_name, progress)
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
            other => {
                return Err(miette!("{} is not supported yet", other.display()));
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
            Source::Bundle { .. } => {
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
                let branches = peer
                    .branchmap()?
                    .into_iter()
                    .map(|b| RemoteBranch {
                        name: String::from_utf8_lossy(&b.name).into_owned(),
                        heads: b.heads,
                    })
                    .collect();
                let bookmarks = peer
                    .listkeys("bookmarks")?
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
            Source::Bundle { .. } => Err(miette!("{name}: names cannot be looked up in a bundle")),
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
            Source::Peer(peer) => {
                let ours: Vec<HgNode> = self.state.branch_heads.iter().map(|h| h.node).collect();
                let mut common = Vec::new();
                for chunk in ours.chunks(1000) {
                    let known = peer.known(chunk)?;
                    common.extend(chunk.iter().zip(known).filter(|(_, k)| *k).map(|(n, _)| *n));
                }
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
            Source::Bundle { .. } => {
                self.import_bundle_file()?;
                if let Some(h) = missing.iter().find(|h| self.state.hg2git(h).is_none()) {
                    return Err(miette!("changeset {h} is not in the bundle"));
                }
                Ok(())
            }
            Source::Peer(peer) => {
                let ours: Vec<HgNode> = self.state.branch_heads.iter().map(|h| h.node).collect();
                let mut common = Vec::new();
                for chunk in ours.chunks(1000) {
                    let known = peer.known(chunk)?;
                    common.extend(chunk.iter().zip(known).filter(|(_, k)| *k).map(|(n, _)| *n));
                }
                let caps = peer.capability("bundle2").map(|_| BUNDLECAPS);
                let url = peer.url().to_string();
                let stream = peer.getbundle(&missing, &common, caps)?;
                let Session {
                    store,
                    state,
                    importers,
                    progress,
                    closed,
                    ..
                } = self;
                import_stream(stream, store, state, importers, *progress, &mut |c| {
                    if c.closes {
                        closed.insert(c.node);
                    }
                })
                .wrap_err_with(|| format!("while fetching from {url}"))
            }
        }
    }

    fn import_bundle_file(&mut self) -> miette::Result<()> {
        let Source::Bundle { path, imported } = &mut self.source else {
            return Ok(());
        };
        if *imported {
            return Ok(());
        }
        let file = std::fs::File::open(&*path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot open {}", path.display()))?;
        let shown = path.display().to_string();
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
            Box::new(std::io::BufReader::new(file)),
            store,
            state,
            importers,
            *progress,
            &mut |c| {
                if c.closes {
                    closed.insert(c.node);
                }
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

/// Reads a bundle stream and imports each of its changegroups.
fn import_stream(
    stream: Box<dyn Read + '_>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    progress: bool,
    on_changeset: &mut dyn FnMut(&Imported),
) -> miette::Result<()> {
    let mut bundle = BundleReader::open(stream)?;
    let mut report = crate::util::Progress::new(progress);
    while let Some(mut cg) = bundle.next_changegroup()? {
        import_changegroup(
            &mut cg,
            store,
            state,
            importers,
            &mut |what, n| report.update(what, n),
            on_changeset,
        )?;
    }
    report.finish();
    Ok(())
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
