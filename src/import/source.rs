//! The source of an import session: a bundle file, a bundle served over
//! HTTP, or a Mercurial peer. Bundles are imported whole when first
//! listed, their heads giving the remote's branches; peers are asked for
//! what is missing by the session.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::chunked::Checkpoints;
use super::error::{invalid, Result, ResultExt};
use super::importer::Importer;
use crate::hg::HgNode;
use crate::wire::open::{open_with, HgSource, WireConfig};
use crate::wire::stdio::PendingPeer;
use crate::wire::url::HgUrl;
use crate::wire::HgPeer;

/// A branch of the remote, with its heads in revision order.
#[derive(Clone, Debug)]
pub struct RemoteBranch {
    /// The Mercurial name (not the quoted form a server's `branchmap`
    /// sends).
    pub name: Vec<u8>,
    pub heads: Vec<HgNode>,
}

/// What the remote has: branches and bookmarks.
#[derive(Clone, Debug, Default)]
pub struct RemoteState {
    pub branches: Vec<RemoteBranch>,
    /// Bookmark names (as Mercurial has them) and their changesets.
    pub bookmarks: Vec<(Vec<u8>, HgNode)>,
}

/// The source of a session, as far as it was read.
pub(super) enum Source {
    /// A bundle file, imported whole when first listed.
    Bundle { path: PathBuf, imported: bool },
    /// A bundle served over HTTP, imported whole when first listed; the
    /// body is gone once read.
    Stream {
        url: String,
        body: Option<Box<dyn Read + Send>>,
    },
    /// A Mercurial peer.
    Peer(Box<dyn HgPeer>),
}

/// Heads of the changesets a bundle holds, in order, with their branch.
pub(super) type BundleHeads = Vec<(HgNode, Vec<u8>)>;

impl Source {
    /// Whether this is a bundle (file or stream) not imported yet.
    pub(super) fn has_unimported_bundle(&self) -> bool {
        matches!(
            self,
            Source::Bundle {
                imported: false,
                ..
            } | Source::Stream { body: Some(_), .. }
        )
    }

    /// Opens the source `url` names, with the server started ahead for
    /// it, if any (see [`crate::wire::open::prestart`]).
    pub(super) fn open(
        url: &HgUrl,
        config: &WireConfig,
        started: Option<PendingPeer>,
    ) -> Result<Source> {
        Ok(match open_with(url, config, started)? {
            HgSource::Bundle(path) => Source::Bundle {
                path,
                imported: false,
            },
            HgSource::Stream { url, body } => Source::Stream {
                url,
                body: Some(body),
            },
            HgSource::Peer(peer) => Source::Peer(peer),
        })
    }

    /// Whether this is a Mercurial peer.
    pub(super) fn is_peer(&self) -> bool {
        matches!(self, Source::Peer(_))
    }

    /// Copies a bundle source to `out` as it is (for a peer, nothing).
    pub(super) fn copy_bundle(&mut self, out: &mut dyn Write) -> Result<()> {
        match self {
            Source::Bundle { path, .. } => {
                let mut file = std::fs::File::open(&*path)
                    .context_with(|| format!("cannot open {}", path.display()))?;
                std::io::copy(&mut file, out)?;
            }
            Source::Stream { url, body } => {
                let mut body = body
                    .take()
                    .ok_or_else(|| invalid(format!("the bundle from {url} was already read")))?;
                std::io::copy(&mut body, out)?;
            }
            Source::Peer(_) => {}
        }
        Ok(())
    }

    /// Imports a bundle file or stream, once; `heads` gets the heads of
    /// its changesets. A bundle file, or a bundle served over HTTP once
    /// spooled, is imported in chunks with checkpoints as `checkpoints`
    /// says (see [`super::chunked`]).
    pub(super) fn import_bundle(
        &mut self,
        importer: &mut Importer,
        checkpoints: &Checkpoints,
        heads: &mut BundleHeads,
    ) -> Result<()> {
        match self {
            Source::Bundle { imported: true, .. } | Source::Peer(_) => Ok(()),
            Source::Bundle { path, imported } => {
                *imported = true;
                import_bundle_file(importer, path, checkpoints, heads)
            }
            Source::Stream { url, body } => match body.take() {
                // Spooled, then imported like a bundle file.
                Some(body) => super::resume::import_response(
                    importer,
                    Box::new(body),
                    url,
                    checkpoints,
                    &mut |c| add_head(heads, c),
                )
                .context_with(|| format!("while importing {url}")),
                None => Ok(()),
            },
        }
    }
}

/// Records a changeset of a bundle in the heads of its own graph, per
/// branch.
fn add_head(heads: &mut BundleHeads, c: &super::changesets::Imported) {
    heads.retain(|(n, b)| !(b == &c.branch && c.parents.contains(n)));
    heads.push((c.node, c.branch.clone()));
}

/// Imports a bundle file, in chunks with checkpoints when it is large.
fn import_bundle_file(
    importer: &mut Importer,
    path: &Path,
    checkpoints: &Checkpoints,
    heads: &mut BundleHeads,
) -> Result<()> {
    let shown = path.display().to_string();
    let shown = &shown;
    super::chunked::import_file(importer, path, shown, checkpoints, &mut |c| {
        add_head(heads, c)
    })
    .context_with(|| format!("while importing {shown}"))
}

/// The branches of a bundle, from the heads of its changesets.
pub(super) fn bundle_state(heads: &BundleHeads) -> RemoteState {
    let mut branches: Vec<RemoteBranch> = Vec::new();
    for (node, branch) in heads {
        match branches.iter_mut().find(|b| b.name == *branch) {
            Some(b) => b.heads.push(*node),
            None => branches.push(RemoteBranch {
                name: branch.clone(),
                heads: vec![*node],
            }),
        }
    }
    RemoteState {
        branches,
        bookmarks: Vec::new(),
    }
}
