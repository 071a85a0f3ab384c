//! Changegroups of converted commits (spec 8.4), streamed: the changesets,
//! then each manifest once (linked to the first changeset using it, its
//! parents taken from the manifest commit), then the files grouped by path
//! (paths sorted, revisions in first-seen order). Texts are rebuilt from
//! git when written; only the previous text of the group and a few parent
//! texts are held.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::rc::Rc;

use super::error::{invalid, io_error, Result};
use super::metatree::{exact_manifest_changes, is_lossy, manifest_changes, ManifestGraph};
use super::Converted;
use crate::hg::bundle::ChangegroupWriter;
use crate::hg::filemeta::{self, parent_candidates};
use crate::hg::mdiff::diff;
use crate::hg::{CgVersion, HgNode, RevisionChunk};
use crate::metadata::changeset::rebuild_changeset;
use crate::metadata::file::read_file_text;
use crate::metadata::manifest::load_manifest;
use crate::metadata::State;
use crate::store::Store;

/// How many texts a group keeps for parents.
const CACHE: usize = 8;

/// The kind of revisions of a group, which decides the delta bases.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Changesets,
    Manifests,
    Files,
}

/// Rebuilds texts from git, with a few recent ones kept.
struct Texts<'a> {
    store: &'a mut Store,
    state: &'a State,
    recent: Vec<(HgNode, Rc<Vec<u8>>)>,
    scratch: Vec<u8>,
}

impl Texts<'_> {
    fn get(&mut self, group: Group, node: HgNode) -> Result<Rc<Vec<u8>>> {
        if let Some((_, t)) = self.recent.iter().find(|(n, _)| *n == node) {
            return Ok(t.clone());
        }
        let mut text = Vec::new();
        match group {
            Group::Changesets => {
                rebuild_changeset(self.store, self.state, node, &mut text, &mut self.scratch)?
            }
            Group::Manifests => text = load_manifest(self.store, self.state, node)?.text(),
            Group::Files => {
                read_file_text(self.store, self.state, node, &mut text, &mut self.scratch)?
            }
        }
        let text = Rc::new(text);
        if self.recent.len() >= CACHE {
            self.recent.remove(0);
        }
        self.recent.push((node, text.clone()));
        Ok(text)
    }

    fn clear(&mut self) {
        self.recent.clear();
    }
}

/// Writes one group's revisions with git-cinnabar's delta bases.
struct GroupWriter {
    version: CgVersion,
    previous: Option<(HgNode, Rc<Vec<u8>>)>,
}

impl GroupWriter {
    fn new(version: CgVersion) -> Self {
        GroupWriter {
            version,
            previous: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write<W: Write>(
        &mut self,
        out: &mut ChangegroupWriter<W>,
        texts: &mut Texts<'_>,
        group: Group,
        node: HgNode,
        p1: HgNode,
        p2: HgNode,
        linknode: HgNode,
    ) -> Result<()> {
        let text = texts.get(group, node)?;
        let previous = self.previous.take();
        let (base, delta) = match self.version {
            CgVersion::V1 => {
                // The previous revision of the group, else p1, else empty.
                match (&previous, p1.is_null()) {
                    (Some((n, t)), _) => (*n, diff(t, &text)),
                    (None, false) => (p1, diff(&texts.get(group, p1)?, &text)),
                    (None, true) => (HgNode::NULL, diff(b"", &text)),
                }
            }
            _ => {
                let mut parents = vec![];
                for p in [p1, p2] {
                    if !p.is_null() && parents.last() != Some(&p) {
                        parents.push(p);
                    }
                }
                let mut best: Option<(HgNode, Vec<u8>)> = None;
                for p in parents {
                    let candidate = match (&previous, group) {
                        (Some((n, t)), Group::Changesets) => (*n, diff(t, &text)),
                        _ => (p, diff(&texts.get(group, p)?, &text)),
                    };
                    if best.as_ref().is_none_or(|b| candidate.1.len() < b.1.len()) {
                        best = Some(candidate);
                    }
                }
                match (best, &previous) {
                    (Some(b), _) => b,
                    (None, Some((n, t))) => (*n, diff(t, &text)),
                    (None, None) => (HgNode::NULL, diff(b"", &text)),
                }
            }
        };
        out.write_revision(&RevisionChunk {
            node,
            p1,
            p2,
            delta_base: base,
            linknode,
            flags: 0,
            delta: &delta,
            offset: 0,
        })
        .map_err(io_error(format!("cannot write revision {node}")))?;
        self.previous = Some((node, text));
        Ok(())
    }
}

/// A file revision to send: its parents (from the manifest diff) and the
/// changeset it belongs to.
type FileRevs = Vec<(HgNode, [HgNode; 2], HgNode)>;

/// Writes the changegroup of `changesets` (in order) to `out`.
pub fn write_changegroup<W: Write>(
    store: &mut Store,
    state: &State,
    changesets: &[Converted],
    version: CgVersion,
    out: W,
) -> Result<W> {
    let mut out = ChangegroupWriter::new(out, version);
    let mut texts = Texts {
        store,
        state,
        recent: Vec::new(),
        scratch: Vec::new(),
    };
    let mut graph = ManifestGraph::default();
    let mut manifests: Vec<(HgNode, [HgNode; 2], HgNode)> = Vec::new();
    let mut seen_manifests = HashSet::new();
    let mut group = GroupWriter::new(version);
    for cs in changesets {
        group.write(
            &mut out,
            &mut texts,
            Group::Changesets,
            cs.node,
            cs.parents[0],
            cs.parents[1],
            cs.node,
        )?;
        let text = texts.get(Group::Changesets, cs.node)?;
        let manifest = HgNode::from_hex(text.get(..40).unwrap_or_default())
            .map_err(|_| invalid(format!("changeset {}: no manifest", cs.node)))?;
        if !manifest.is_null() && seen_manifests.insert(manifest) {
            let commit = texts
                .state
                .hg2git(&manifest)
                .ok_or_else(|| invalid(format!("manifest {manifest} is unknown")))?;
            let parents = graph.get(texts.store, commit)?.parents.clone();
            let mut mp = [HgNode::NULL; 2];
            for (i, p) in parents.iter().take(2).enumerate() {
                mp[i] = graph.get(texts.store, *p)?.node;
            }
            manifests.push((manifest, mp, cs.node));
        }
    }
    out.end_group()
        .map_err(io_error("cannot write the changegroup"))?;
    texts.clear();

    let mut files: HashMap<Vec<u8>, (FileRevs, HashSet<HgNode>)> = HashMap::new();
    let mut group = GroupWriter::new(version);
    for (node, [p1, p2], link) in manifests {
        group.write(&mut out, &mut texts, Group::Manifests, node, p1, p2, link)?;
        let commit = texts
            .state
            .hg2git(&node)
            .ok_or_else(|| invalid(format!("manifest {node} is unknown")))?;
        // A manifest whose metadata tree (or a parent's) lacks lines gets
        // its changes from the exact texts.
        let changes = if [node, p1, p2].iter().any(|n| is_lossy(texts.state, n)) {
            exact_manifest_changes(texts.store, texts.state, node, [p1, p2])?
        } else {
            manifest_changes(texts.store, &mut graph, commit)?
        };
        for (path, file, parents) in changes {
            let (revs, seen) = files.entry(path).or_default();
            if seen.insert(file) {
                revs.push((file, parents, link));
            }
        }
    }
    out.end_group()
        .map_err(io_error("cannot write the changegroup"))?;
    texts.clear();

    let mut paths: Vec<Vec<u8>> = files.keys().cloned().collect();
    paths.sort();
    for path in paths {
        let Some((revs, _)) = files.remove(&path) else {
            continue;
        };
        out.start_file(&path)
            .map_err(io_error("cannot write the changegroup"))?;
        let mut group = GroupWriter::new(version);
        for (node, [mut p1, mut p2], link) in revs {
            let text = texts.get(Group::Files, node)?;
            if p1.is_null() {
                std::mem::swap(&mut p1, &mut p2);
            }
            let (mut q1, mut q2) = parent_candidates(p1, p2)
                .into_iter()
                .find(|(a, b)| HgNode::hash(a, b, &text) == node)
                .ok_or_else(|| {
                    invalid(format!(
                        "file {} revision {node} does not hash with its parents",
                        String::from_utf8_lossy(&path)
                    ))
                })?;
            if text.starts_with(filemeta::MARKER) {
                if !q1.is_null() && !q2.is_null() {
                    return Err(invalid(format!(
                        "file {} revision {node} has copy metadata and two parents",
                        String::from_utf8_lossy(&path)
                    )));
                }
                if !q1.is_null() {
                    std::mem::swap(&mut q1, &mut q2);
                }
            }
            group.write(&mut out, &mut texts, Group::Files, node, q1, q2, link)?;
        }
        out.end_group()
            .map_err(io_error("cannot write the changegroup"))?;
        texts.clear();
    }
    out.finish()
        .map_err(io_error("cannot write the changegroup"))
}
