//! Getting a push ready: discovery, the commits to send and their
//! conversion (a push to a new branch names it), and the checks of what
//! the server would refuse or should not take.

use std::collections::HashSet;
use std::ffi::OsString;

use gix_hash::ObjectId;

use super::{Destination, PushRef, Pusher};
use crate::export::changeset::CommitInfo;
use crate::export::error::Result;
use crate::export::Converted;
use crate::hg::changeset::unescape_extra;
use crate::hg::HgNode;
use crate::metadata::graph::ChangesetGraph;
use crate::util::Progress;
use crate::wire::discovery::find_common;

const SHALLOW: &str = "Pushing git shallow clones is not supported";
const UNRELATED: &str = "Cannot push to this remote without pulling/updating first";

/// What a push sends, and what it brings.
pub(super) struct Prepared {
    /// The changesets to send, in order.
    pub to_send: Vec<Converted>,
    /// The commits the server did not have as far as the metadata knew
    /// (those it turned out to have are not sent).
    pub outgoing: HashSet<ObjectId>,
}

impl Pusher {
    /// Discovery, the commits to send and their conversion, and the
    /// checks. `Ok(Err(why))` refuses the push of every pushing ref.
    /// Forcing (`+`) lets a ref add heads or a root; the commits of the
    /// other refs are checked as if they were pushed alone.
    pub(super) fn prepare(
        &mut self,
        refs: &[PushRef],
        pushing: &[usize],
    ) -> Result<std::result::Result<Prepared, String>> {
        let remote_heads: Vec<HgNode> = self
            .remote
            .branches
            .iter()
            .flat_map(|(_, h)| h.iter().copied())
            .collect();
        let common = {
            let mut graph = ChangesetGraph {
                store: &mut self.exporter.store,
                state: &self.exporter.state,
            };
            find_common(
                self.peer.as_mut(),
                &mut graph,
                &remote_heads,
                self.options.log,
            )?
        };
        let common_commits: Vec<ObjectId> = common
            .iter()
            .filter_map(|n| self.exporter.state.hg2git(n))
            .collect();
        let srcs: Vec<ObjectId> = pushing.iter().filter_map(|&i| refs[i].src).collect();
        let outgoing = self.rev_list(&srcs, &common_commits)?;

        let shallow = self.shallow_commits();
        if outgoing.iter().any(|c| shallow.contains(c)) {
            return Ok(Err(SHALLOW.into()));
        }

        // A push to `branches/<new>/tip` starts the named branch <new>.
        for &i in pushing {
            let (Destination::Branch(name), Some(src)) = (&refs[i].target, refs[i].src) else {
                continue;
            };
            if self.remote.branches.iter().any(|(b, _)| b == name) {
                continue;
            }
            let branch = name.clone();
            if branch == b"default" {
                continue;
            }
            let commits = self.rev_list(&[src], &common_commits)?;
            let set: HashSet<ObjectId> = commits.iter().copied().collect();
            let mut buf = Vec::new();
            for c in &commits {
                let info = CommitInfo::read(&mut self.exporter.store, c, &mut buf)?;
                let first = info.parents.first().copied();
                if first.is_some_and(|p| set.contains(&p)) {
                    continue;
                }
                let inherited = match first {
                    Some(p) => self.exporter.branch_of(&p)?,
                    None => None,
                };
                let inherited = inherited
                    .map(|b| unescape_extra(&b))
                    .unwrap_or_else(|| b"default".to_vec());
                if inherited != branch {
                    self.exporter.set_branch(*c, &branch);
                }
            }
        }

        let mut progress = Progress::exact(self.options.progress);
        let mut converted = Vec::with_capacity(outgoing.len());
        for (n, c) in outgoing.iter().enumerate() {
            converted.extend(self.exporter.convert(std::slice::from_ref(c))?);
            progress.update("Converting commits", n as u64 + 1);
        }
        progress.finish();
        for w in self.exporter.take_warnings() {
            eprintln!("warning: {w}");
        }

        // What the server already has (e.g. pushed before without
        // keeping the metadata) is not sent again.
        let mut remote_known = HashSet::new();
        if !remote_heads.is_empty() && !converted.is_empty() {
            let nodes: Vec<HgNode> = converted.iter().map(|c| c.node).collect();
            for chunk in nodes.chunks(self.peer.sample_size().max(1)) {
                let known = self.peer.known(chunk)?;
                remote_known.extend(chunk.iter().zip(known).filter(|(_, k)| *k).map(|(n, _)| *n));
            }
        }
        if !remote_heads.is_empty() && common.is_empty() && remote_known.is_empty() {
            return Ok(Err(UNRELATED.into()));
        }
        converted.retain(|c| !remote_known.contains(&c.node));

        // What the refs that are not forced bring.
        let unforced: Vec<usize> = pushing
            .iter()
            .copied()
            .filter(|&i| !refs[i].force)
            .collect();
        let checked: Vec<Converted> = if unforced.len() == pushing.len() {
            converted.clone()
        } else if unforced.is_empty() {
            Vec::new()
        } else {
            let srcs: Vec<ObjectId> = unforced.iter().filter_map(|&i| refs[i].src).collect();
            let theirs: HashSet<ObjectId> =
                self.rev_list(&srcs, &common_commits)?.into_iter().collect();
            converted
                .iter()
                .filter(|c| theirs.contains(&c.commit))
                .copied()
                .collect()
        };
        let is_root = |c: &Converted| c.parents == [HgNode::NULL; 2];
        if !remote_heads.is_empty() && converted.iter().any(is_root) {
            if checked.iter().any(is_root) {
                return Ok(Err(
                    "Pushing a new root is refused without forcing it (git push -f)".into(),
                ));
            }
            eprintln!("WARNING Pushing a new root");
        }
        if let Err(why) = self.check_heads(refs, &unforced, &checked)? {
            return Ok(Err(why));
        }
        Ok(Ok(Prepared {
            to_send: converted,
            outgoing: outgoing.into_iter().collect(),
        }))
    }

    /// `rev-list --topo-order --reverse <heads> --not <exclude>`.
    fn rev_list(&self, heads: &[ObjectId], exclude: &[ObjectId]) -> Result<Vec<ObjectId>> {
        let mut args: Vec<OsString> = heads.iter().map(|c| c.to_string().into()).collect();
        if !exclude.is_empty() {
            args.push("--not".into());
            args.extend(exclude.iter().map(|c| c.to_string().into()));
        }
        self.exporter.rev_list(&args)
    }

    /// The boundary commits of a shallow clone.
    fn shallow_commits(&self) -> HashSet<ObjectId> {
        let path = self.exporter.git_dir().join("shallow");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| ObjectId::from_hex(l.trim().as_bytes()).ok())
            .collect()
    }
}
