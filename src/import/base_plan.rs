//! Delta bases planned ahead: a first pass over a group of revisions
//! records where each delta base is used for the last time, so that the
//! import keeps exactly the texts (or manifest trees) a later delta needs,
//! each until its last use, instead of guessing with a fixed-size cache
//! (the way [`crate::hg::verify::BasePlan`] does for verification).
//! Memory is then bounded by the working set of pending delta bases.

use std::collections::HashMap;

use crate::hg::HgNode;

/// The planned delta bases of one group, and the values kept for them.
#[derive(Debug)]
pub struct KeptBases<T> {
    /// Base node → position in the group of the last revision using it.
    last_use: HashMap<HgNode, u32, ahash::RandomState>,
    kept: HashMap<HgNode, T, ahash::RandomState>,
}

impl<T> Default for KeptBases<T> {
    fn default() -> Self {
        KeptBases {
            last_use: HashMap::default(),
            kept: HashMap::default(),
        }
    }
}

impl<T> KeptBases<T> {
    /// Forgets the plan and what was kept (a new group starts).
    pub fn clear(&mut self) {
        self.last_use.clear();
        self.kept.clear();
    }

    /// Records that the revision at `position` of the group is a delta
    /// against `base` (positions are recorded in increasing order).
    pub fn plan(&mut self, position: u32, base: HgNode) {
        if !base.is_null() {
            self.last_use.insert(base, position);
        }
    }

    /// Whether a revision after `position` uses `node` as delta base.
    pub fn needed_after(&self, node: &HgNode, position: u32) -> bool {
        self.last_use.get(node).is_some_and(|&last| last > position)
    }

    /// The value kept for `node`.
    pub fn get(&self, node: &HgNode) -> Option<&T> {
        self.kept.get(node)
    }

    /// Takes the value kept for `node` out.
    pub fn take(&mut self, node: &HgNode) -> Option<T> {
        self.kept.remove(node)
    }

    /// Keeps `value` for `node`; returns the value kept before, if any.
    pub fn keep(&mut self, node: HgNode, value: T) -> Option<T> {
        self.kept.insert(node, value)
    }

    /// Number of values kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_use() {
        let (a, b) = (HgNode([1; 20]), HgNode([2; 20]));
        let mut k = KeptBases::<u8>::default();
        k.plan(1, a);
        k.plan(2, HgNode::NULL);
        k.plan(3, a);
        k.plan(3, b);
        assert!(k.needed_after(&a, 0));
        assert!(k.needed_after(&a, 2));
        assert!(!k.needed_after(&a, 3));
        assert!(!k.needed_after(&HgNode::NULL, 0));
        k.keep(a, 7);
        assert_eq!(k.get(&a), Some(&7));
        assert_eq!(k.take(&a), Some(7));
        assert!(k.is_empty());
        k.clear();
        assert!(!k.needed_after(&b, 0));
    }
}
