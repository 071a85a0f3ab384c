//! git → hg (spec 7, 8.4): git commits become Mercurial changesets exactly
//! as git-cinnabar makes them, recorded in the metadata, and written as
//! changegroups and bundles.
//!
//! [`Exporter`] owns the store and the metadata state: [`Exporter::convert`]
//! turns commits (in `rev-list --topo-order --full-history --reverse`
//! order, see [`Exporter::rev_list`]) into changesets, reusing those the
//! metadata knows; [`changegroup::write_changegroup`] and
//! [`bundle::write_bundle`] stream them; [`Exporter::commit`] keeps the new
//! metadata (a push that succeeded), and dropping the exporter without
//! committing discards it (what `git cinnabar bundle` does).

pub mod bundle;
pub mod changegroup;
pub mod changeset;
pub mod error;
pub mod files;
pub mod git;
pub mod merge;
pub mod metatree;
pub mod simple;

use std::ffi::OsString;
use std::path::PathBuf;

use gix_hash::ObjectId;

pub use error::{ExportError, Result};

use crate::hg::HgNode;
use crate::metadata::manifest::{load_manifest, ManifestTree};
use crate::metadata::{load, write, State, METADATA_REF};
use crate::store::config::cinnabar_setting;
use crate::store::{Repo, Store, WriteMode};
use changeset::{known_changeset, ChangesetInfo, CommitInfo};

/// A converted commit: its changeset and the changesets of its parents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Converted {
    pub commit: ObjectId,
    pub node: HgNode,
    pub parents: [HgNode; 2],
}

/// The `cinnabar.experiments` that change the conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Experiments {
    /// Copy detection threshold (`similarity=N`; 100 by default).
    pub similarity: u8,
    /// Add a `git_commit` extra to new changesets.
    pub git_commit: bool,
}

impl Default for Experiments {
    fn default() -> Self {
        Experiments {
            similarity: 100,
            git_commit: false,
        }
    }
}

impl Experiments {
    /// Parses a `cinnabar.experiments` value; returns the warnings for
    /// values it cannot use.
    pub fn parse(value: &str) -> (Experiments, Vec<String>) {
        let mut out = Experiments::default();
        let mut warnings = Vec::new();
        for item in value.split(',') {
            match item {
                "git_commit" => out.git_commit = true,
                s if s.starts_with("similarity") => match s["similarity".len()..]
                    .strip_prefix('=')
                    .map(|v| v.parse::<u8>())
                {
                    Some(Ok(v)) if v <= 100 => out.similarity = v,
                    Some(_) => warnings.push(format!(
                        "Invalid value for similarity experiment: {}",
                        &s["similarity".len() + 1..]
                    )),
                    None => warnings.push("Missing value for similarity experiment.".into()),
                },
                _ => {}
            }
        }
        (out, warnings)
    }
}

/// How many manifest trees are kept for the next commits.
const RECENT_MANIFESTS: usize = 16;

/// The store and metadata state a conversion works on.
pub struct Exporter {
    pub store: Store,
    pub state: State,
    git_dir: PathBuf,
    experiments: Experiments,
    warnings: Vec<String>,
    recent: Vec<(HgNode, ManifestTree)>,
    merges: merge::MergeCache,
    buf: Vec<u8>,
}

impl Exporter {
    /// Loads the metadata of `repo`, and the experiments from its config.
    pub fn open(repo: Repo) -> Result<Exporter> {
        let metadata = repo.find_ref(METADATA_REF)?;
        let mut store = Store::new(repo, WriteMode::pipelined());
        let state = load::load(&mut store, metadata)?;
        Ok(Exporter::new(store, state))
    }

    /// An exporter over a loaded state.
    pub fn new(store: Store, state: State) -> Exporter {
        let (experiments, warnings) = cinnabar_setting(store.repo(), None, "experiments")
            .map(|v| Experiments::parse(&v))
            .unwrap_or_default();
        let git_dir = store.repo().git_dir().to_path_buf();
        Exporter {
            store,
            state,
            git_dir,
            experiments,
            warnings,
            recent: Vec::new(),
            merges: merge::MergeCache::default(),
            buf: Vec::new(),
        }
    }

    /// Overrides the experiments read from the config.
    pub fn set_experiments(&mut self, experiments: Experiments) {
        self.experiments = experiments;
    }

    /// The commits `git rev-list <revs>` gives, parents first.
    pub fn rev_list(&self, revs: &[OsString]) -> Result<Vec<ObjectId>> {
        git::rev_list(&self.git_dir, revs)
    }

    /// Warnings gathered so far (commits a fresh clone will see with other
    /// ids, unusable experiments), emptied.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Converts `commits` (parents before children; each commit's parents
    /// must be in the metadata or earlier in `commits`). Nothing is sent
    /// anywhere: an error (octopus merge, submodule) leaves no trace once
    /// the exporter is dropped.
    pub fn convert(&mut self, commits: &[ObjectId]) -> Result<Vec<Converted>> {
        let mut out = Vec::with_capacity(commits.len());
        for commit in commits {
            out.push(self.convert_one(*commit)?);
        }
        Ok(out)
    }

    /// Writes the metadata with what was converted and moves the metadata
    /// refs, in one transaction.
    pub fn commit(&mut self) -> Result<()> {
        write::commit(&mut self.store, &self.state, Vec::new(), "cinnabar push")?;
        Ok(())
    }

    /// Discards what was converted: the objects written go with the
    /// unfinished pack, the metadata refs are untouched.
    pub fn discard(&mut self) {
        self.store.abort_pack();
    }

    fn convert_one(&mut self, commit: ObjectId) -> Result<Converted> {
        let mut buf = std::mem::take(&mut self.buf);
        let info = CommitInfo::read(&mut self.store, &commit, &mut buf);
        self.buf = buf;
        let info = info?;
        let mut parents = [HgNode::NULL; 2];
        let mut parent_infos = Vec::with_capacity(2);
        if info.parents.len() > 2 {
            return Err(ExportError::Octopus(commit));
        }
        for (i, p) in info.parents.iter().enumerate() {
            let cs = self
                .changeset_of(p)?
                .ok_or(ExportError::UnknownParent { commit, parent: *p })?;
            parents[i] = cs.node;
            parent_infos.push(cs);
        }
        if let Some(known) = self.changeset_of(&commit)? {
            return Ok(Converted {
                commit,
                node: known.node,
                parents,
            });
        }
        if !info.extra_headers.is_empty() {
            self.warnings.push(format!(
                "commit {commit} has headers Mercurial cannot keep ({}): a fresh clone \
                 of the pushed changesets will show it as another commit",
                info.extra_headers.join(", ")
            ));
        }
        let node = match parent_infos.as_slice() {
            [] => self.root_changeset(commit, &info)?,
            [p1] => self.simple_changeset(commit, &info, p1.clone())?,
            [p1, p2] => self.merge_changeset(commit, &info, p1.clone(), p2.clone())?,
            _ => return Err(ExportError::Octopus(commit)),
        };
        Ok(Converted {
            commit,
            node,
            parents,
        })
    }

    /// The changeset of a commit, from the metadata.
    fn changeset_of(&mut self, commit: &ObjectId) -> Result<Option<ChangesetInfo>> {
        known_changeset(&mut self.store, &self.state, commit, &mut self.buf)
    }

    /// The tree of a manifest (empty for NULL), from the recent ones or
    /// from git.
    fn manifest_tree(&mut self, node: HgNode) -> Result<ManifestTree> {
        if node.is_null() {
            return Ok(ManifestTree::new());
        }
        if let Some((_, t)) = self.recent.iter().rev().find(|(n, _)| *n == node) {
            return Ok(t.clone());
        }
        let tree = load_manifest(&mut self.store, &self.state, node)?;
        self.remember(node, tree.clone());
        Ok(tree)
    }

    fn remember(&mut self, node: HgNode, tree: ManifestTree) {
        if self.recent.iter().any(|(n, _)| *n == node) {
            return;
        }
        if self.recent.len() >= RECENT_MANIFESTS {
            self.recent.remove(0);
        }
        self.recent.push((node, tree));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_experiments() {
        let (e, w) = Experiments::parse("merge,git_commit,similarity=50");
        assert_eq!(
            e,
            Experiments {
                similarity: 50,
                git_commit: true
            }
        );
        assert!(w.is_empty());
        let (e, w) = Experiments::parse("similarity=101,similarity");
        assert_eq!(e, Experiments::default());
        assert_eq!(w.len(), 2);
    }
}
