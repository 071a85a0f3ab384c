//! Discovery (spec 9.5): which changesets we and a peer both have, found
//! with `known` samples over the history we imported, so that a fetch asks
//! only for what is missing.

use std::collections::{HashMap, HashSet};

use gix_hash::ObjectId;

use super::state::{oid, oid_bytes, State};
use crate::convert::changeset::ChangesetNote;
use crate::hg::HgNode;
use crate::store::ObjectRead;
use crate::store::Store;
use crate::wire::HgPeer;

/// The hg parents of an imported changeset, through its git commit's
/// parents and their notes.
fn changeset_parents(store: &mut Store, state: &State, node: &HgNode) -> Vec<HgNode> {
    let Some(commit) = state.hg2git(node) else {
        return Vec::new();
    };
    let mut buf = Vec::new();
    if store.read(&commit, &mut buf).is_err() {
        return Vec::new();
    }
    let parents = match crate::store::parse_commit(&buf) {
        Ok(c) => c.parents,
        Err(_) => return Vec::new(),
    };
    let mut result = Vec::new();
    for parent in parents {
        let Some(note) = state.git2hg.get(&oid_bytes(&parent)) else {
            continue;
        };
        let mut blob = Vec::new();
        if store.read(&oid(note), &mut blob).is_err() {
            continue;
        }
        if let Ok(n) = ChangesetNote::parse(&blob) {
            result.push(n.changeset);
        }
    }
    result
}

/// Finds changesets we and the peer both have (spec 9.5): the remote heads
/// we already have, and, asking `known` in samples, our branch heads or
/// their nearest known ancestors. The first round asks about our heads;
/// later rounds walk our history (through the metadata) from the unknown
/// ones, a whole sample at a time. A known changeset makes its ancestors
/// known without asking. Only the heads of the result are returned.
pub fn find_common(
    peer: &mut dyn HgPeer,
    store: &mut Store,
    state: &State,
    remote_heads: &[HgNode],
    log: bool,
) -> miette::Result<Vec<HgNode>> {
    let mut common: Vec<HgNode> = remote_heads
        .iter()
        .filter(|h| state.hg2git(h).is_some())
        .copied()
        .collect();
    let mut seen: HashSet<HgNode> = common.iter().copied().collect();
    let mut queue: std::collections::VecDeque<HgNode> = state
        .branch_heads
        .iter()
        .map(|h| h.node)
        .filter(|n| seen.insert(*n))
        .collect();
    let sample = peer.sample_size().max(1);
    let mut round_trips = 0;
    let mut parents: HashMap<HgNode, Vec<HgNode>> = HashMap::new();
    let mut parents_of = |store: &mut Store, node: &HgNode| -> Vec<HgNode> {
        parents
            .entry(*node)
            .or_insert_with(|| changeset_parents(store, state, node))
            .clone()
    };
    // Changesets known to the peer, asked or implied (ancestors of a known
    // one that we already came across).
    let mut known_set: HashSet<HgNode> = HashSet::new();
    let mut first = true;
    while !queue.is_empty() {
        // The first round asks about our heads alone; later ones walk
        // ahead through our history to fill a whole sample.
        let mut batch = Vec::new();
        while batch.len() < sample {
            let Some(node) = queue.pop_front() else {
                break;
            };
            if known_set.contains(&node) {
                continue;
            }
            batch.push(node);
            if !first {
                for p in parents_of(store, &node) {
                    if seen.insert(p) {
                        queue.push_back(p);
                    }
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        let answers = peer.known(&batch)?;
        round_trips += 1;
        for (node, known) in batch.into_iter().zip(answers) {
            if known {
                if known_set.insert(node) {
                    common.push(node);
                    let mut stack = vec![node];
                    while let Some(n) = stack.pop() {
                        for p in parents_of(store, &n) {
                            if seen.contains(&p) && known_set.insert(p) {
                                stack.push(p);
                            }
                        }
                    }
                }
            } else if first {
                for p in parents_of(store, &node) {
                    if seen.insert(p) {
                        queue.push_back(p);
                    }
                }
            }
        }
        first = false;
    }
    // Only the heads of the common set matter to the server; keep the
    // request small (arguments may travel in size-limited headers).
    if common.len() > 1 {
        let commits: Vec<ObjectId> = common.iter().filter_map(|n| state.hg2git(n)).collect();
        // Commits of this run may not be readable by git yet: then the
        // whole set goes.
        if commits.len() == common.len() {
            if let Ok(heads) = crate::store::graph::independent(store.repo(), &commits) {
                let keep: HashSet<ObjectId> = heads.into_iter().collect();
                common.retain(|n| state.hg2git(n).is_some_and(|c| keep.contains(&c)));
            }
        }
    }
    if log {
        eprintln!(
            "DEBUG find-common: {round_trips} round trip(s), {} common changeset(s)",
            common.len()
        );
    }
    Ok(common)
}
