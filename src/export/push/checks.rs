//! The new-head check of a push, as `hg push` makes it.

use std::collections::{HashMap, HashSet};

use gix_hash::ObjectId;

use super::{Destination, PushRef, Pusher};
use crate::export::error::Result;
use crate::export::git::is_ancestor;
use crate::export::Converted;
use crate::hg::changeset::unescape_extra;
use crate::hg::HgNode;

impl Pusher {
    /// Refuses, as `hg push` does, a push of `converted` (what the refs
    /// `pushing`, not forced, bring) that adds a head to a remote branch,
    /// or that starts a branch no ref names. Closed heads count, as in
    /// Mercurial's `checkheads` (the branchmap lists them).
    pub(super) fn check_heads(
        &mut self,
        refs: &[PushRef],
        pushing: &[usize],
        converted: &[Converted],
    ) -> Result<std::result::Result<(), String>> {
        if converted.is_empty() {
            return Ok(Ok(()));
        }
        // The branch of each changeset sent.
        let mut branch_of: HashMap<HgNode, Vec<u8>> = HashMap::new();
        for c in converted {
            let b = self
                .exporter
                .branch_of(&c.commit)?
                .map(|b| unescape_extra(&b))
                .unwrap_or_else(|| b"default".to_vec());
            branch_of.insert(c.node, b);
        }
        let mut branches: Vec<Vec<u8>> = Vec::new();
        for c in converted {
            if !branches.contains(&branch_of[&c.node]) {
                branches.push(branch_of[&c.node].clone());
            }
        }
        let named: HashSet<Vec<u8>> = pushing
            .iter()
            .filter_map(|&i| match &refs[i].target {
                Destination::Branch(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        let bookmarked: HashSet<ObjectId> = pushing
            .iter()
            .filter(|&&i| matches!(refs[i].target, Destination::Bookmark(_)))
            .filter_map(|&i| refs[i].src)
            .collect();
        for branch in branches {
            let shown = String::from_utf8_lossy(&branch).into_owned();
            let old: Vec<HgNode> = self
                .remote
                .branches
                .iter()
                .find(|(b, _)| *b == branch)
                .map(|(_, h)| h.clone())
                .unwrap_or_default();
            let on_branch: Vec<&Converted> = converted
                .iter()
                .filter(|c| branch_of[&c.node] == branch)
                .collect();
            let new_heads: Vec<&Converted> = on_branch
                .iter()
                .filter(|c| !on_branch.iter().any(|d| d.parents.contains(&c.node)))
                .copied()
                .collect();
            if old.is_empty() {
                if !named.contains(&branch) {
                    return Ok(Err(format!("push creates new remote branches: {shown}!")));
                }
                continue;
            }
            let mut remaining = 0;
            for h in &old {
                let Some(h_commit) = self.exporter.state.hg2git(h) else {
                    remaining += 1;
                    continue;
                };
                let mut superseded = false;
                for n in &new_heads {
                    if is_ancestor(self.exporter.git_dir(), &h_commit, &n.commit)? {
                        superseded = true;
                        break;
                    }
                }
                if !superseded {
                    remaining += 1;
                }
            }
            let added: Vec<&&Converted> = new_heads
                .iter()
                .filter(|n| !bookmarked.contains(&n.commit))
                .collect();
            let bookmarked_heads = new_heads.len() - added.len();
            if remaining + new_heads.len() - bookmarked_heads > old.len() {
                // The head that descends from none of the remote heads.
                let mut culprit = added.first().map(|c| c.node);
                for n in &added {
                    let mut descends = false;
                    for h in &old {
                        if let Some(hc) = self.exporter.state.hg2git(h) {
                            if is_ancestor(self.exporter.git_dir(), &hc, &n.commit)? {
                                descends = true;
                                break;
                            }
                        }
                    }
                    if !descends {
                        culprit = Some(n.node);
                        break;
                    }
                }
                let short = culprit
                    .map(|n| n.to_string()[..12].to_string())
                    .unwrap_or_default();
                return Ok(Err(format!(
                    "push creates new remote head {short} on branch '{shown}'! \
                     (merge or pull first, or force the push with git push -f)"
                )));
            }
        }
        Ok(Ok(()))
    }
}
