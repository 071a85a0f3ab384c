//! File revision checks: the text rebuilt from the blob and the
//! files-meta note hashes to the node with one of the parent pairs hg may
//! have used (spec 5.3).

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Receiver;

use super::error::Result;
use super::Context;
use crate::hg::HgNode;
use crate::metadata::file::read_file_text;
use crate::store::Store;

/// A file revision a manifest introduced, with the nodes of the same path
/// in the manifest's parents.
#[derive(Clone, Debug)]
pub struct FileJob {
    pub node: HgNode,
    pub p1: HgNode,
    pub p2: HgNode,
    pub path: Vec<u8>,
    pub manifest: HgNode,
}

/// What the file pass found.
#[derive(Default)]
pub struct Outcome {
    pub checked: usize,
    pub problems: Vec<String>,
}

pub use crate::hg::filemeta::parent_candidates;

/// Checks every file revision received; a revision passes if any of the
/// manifests introducing it gives parents that hash.
pub fn check(store: &mut Store, ctx: &Context<'_>, jobs: Receiver<FileJob>) -> Result<Outcome> {
    let mut verified: HashSet<HgNode, ahash::RandomState> = HashSet::default();
    let mut failed: HashMap<HgNode, String, ahash::RandomState> = HashMap::default();
    let (mut text, mut scratch) = (Vec::new(), Vec::new());
    for job in jobs {
        if verified.contains(&job.node) {
            continue;
        }
        let name = || {
            format!(
                "file {} ({} in manifest {})",
                job.node,
                String::from_utf8_lossy(&job.path),
                job.manifest
            )
        };
        if let Err(e) = read_file_text(store, ctx.state, job.node, &mut text, &mut scratch) {
            failed.insert(job.node, format!("{}: {e}", name()));
            continue;
        }
        let ok = parent_candidates(job.p1, job.p2)
            .iter()
            .any(|(a, b)| HgNode::hash(a, b, &text) == job.node);
        if ok {
            verified.insert(job.node);
            failed.remove(&job.node);
        } else {
            failed.insert(
                job.node,
                format!(
                    "{}: the rebuilt text does not hash to its node with any parents",
                    name()
                ),
            );
        }
    }
    let mut problems: Vec<String> = failed.into_values().collect();
    problems.sort();
    Ok(Outcome {
        checked: verified.len() + problems.len(),
        problems,
    })
}
