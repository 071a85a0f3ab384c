//! Discovery (spec 9.5): which changesets we and a peer both have, found
//! with `known` samples over the history we imported, so that a fetch asks
//! only for what is missing.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{HgPeer, WireError};
use crate::hg::HgNode;

/// What discovery needs of the local history: which changesets we have,
/// our branch heads, the parents of a changeset, and the heads of a set.
pub trait LocalHistory {
    /// Whether the changeset is known locally.
    fn contains(&self, node: &HgNode) -> bool;
    /// Our branch heads.
    fn heads(&self) -> Vec<HgNode>;
    /// The parents of a known changeset (none when it cannot be read).
    fn parents(&mut self, node: &HgNode) -> Vec<HgNode>;
}

/// Finds changesets we and the peer both have (spec 9.5): the remote heads
/// we already have, and, asking `known` in samples, our branch heads or
/// their nearest known ancestors. The first round asks about our heads;
/// later rounds walk our history (through the metadata) from the unknown
/// ones, a whole sample at a time. A known changeset makes its ancestors
/// known without asking. The result is reduced to its heads as far as the
/// parents read on the way tell ([`drop_ancestors`]): no more of our history
/// is read for that.
pub fn find_common(
    peer: &mut dyn HgPeer,
    local: &mut dyn LocalHistory,
    remote_heads: &[HgNode],
    log: bool,
) -> Result<Vec<HgNode>, WireError> {
    let mut common: Vec<HgNode> = remote_heads
        .iter()
        .filter(|h| local.contains(h))
        .copied()
        .collect();
    let mut seen: HashSet<HgNode> = common.iter().copied().collect();
    let mut queue: VecDeque<HgNode> = local
        .heads()
        .into_iter()
        .filter(|n| seen.insert(*n))
        .collect();
    let sample = peer.sample_size().max(1);
    let mut round_trips = 0;
    let mut parents: HashMap<HgNode, Vec<HgNode>> = HashMap::new();
    let mut parents_of = |local: &mut dyn LocalHistory, node: &HgNode| -> Vec<HgNode> {
        parents
            .entry(*node)
            .or_insert_with(|| local.parents(node))
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
                for p in parents_of(local, &node) {
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
                        for p in parents_of(local, &n) {
                            if seen.contains(&p) && known_set.insert(p) {
                                stack.push(p);
                            }
                        }
                    }
                }
            } else if first {
                for p in parents_of(local, &node) {
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
    let common = drop_ancestors(common, &parents);
    if log {
        eprintln!(
            "DEBUG find-common: {round_trips} round trip(s), {} common changeset(s)",
            common.len()
        );
    }
    Ok(common)
}

/// Leaves out of `common` the changesets that `parents` (the parents read
/// during discovery) show to be ancestors of another member. What those
/// parents do not show stays: a member that is another's ancestor asks the
/// server for nothing more (the bundle is the same), so the result only has
/// to be small, not exact, and no more of our history is read for it.
fn drop_ancestors(common: Vec<HgNode>, parents: &HashMap<HgNode, Vec<HgNode>>) -> Vec<HgNode> {
    if common.len() <= 1 {
        return common;
    }
    // Everything below a member, through the parents read.
    let mut below: HashSet<HgNode> = HashSet::new();
    let mut stack: Vec<HgNode> = Vec::new();
    for member in &common {
        stack.extend(parents.get(member).into_iter().flatten());
        while let Some(n) = stack.pop() {
            if below.insert(n) {
                stack.extend(parents.get(&n).into_iter().flatten());
            }
        }
    }
    common.into_iter().filter(|n| !below.contains(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u8) -> HgNode {
        HgNode([n; 20])
    }

    #[test]
    fn ancestors_seen_on_the_way_are_dropped() {
        // 1 <- 2 <- 3, and 4 apart; 5's parents were never read.
        let parents: HashMap<HgNode, Vec<HgNode>> = [
            (node(3), vec![node(2)]),
            (node(2), vec![node(1)]),
            (node(4), vec![]),
        ]
        .into_iter()
        .collect();
        let common = vec![node(1), node(3), node(4), node(5)];
        assert_eq!(
            drop_ancestors(common, &parents),
            vec![node(3), node(4), node(5)]
        );
        assert_eq!(drop_ancestors(vec![node(2)], &parents), vec![node(2)]);
        assert_eq!(
            drop_ancestors(vec![node(1), node(2)], &HashMap::new()),
            vec![node(1), node(2)]
        );
    }
}
