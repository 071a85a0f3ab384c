//! Rebuilding every revision of a bundle from its delta chain and checking
//! that it hashes to its node (spec 1.2).
//!
//! Within a group, a delta applies to the empty text (NULL base), to the
//! previous revision, or (changegroup 02 and later) to any earlier revision
//! of the group. [`verify_bundle`] keeps the previous text and, in a
//! per-group cache freed at the end of the group, the texts that may serve
//! as delta bases later:
//!
//! - without a [`BasePlan`], every text of the group is cached, so memory
//!   grows with the expanded size of the largest group;
//! - with a [`BasePlan`] (a first pass over the same bundle recording where
//!   each delta base is used last), only texts that a later revision uses
//!   as base (other than the very next one) are cached, and each is freed
//!   after its last use. Memory is then bounded by the largest revision plus
//!   the working set of pending delta bases.
//!
//! Revisions flagged censored, ellipsis or externally stored (changegroup
//! 03) are rebuilt but their hash is not checked: it is not expected to
//! match their text.

use std::collections::HashMap;
use std::io::Read;

use crate::hg::bundle::BundleReader;
use crate::hg::changegroup::{
    ChangegroupReader, Group, RevisionChunk, FLAG_CENSORED, FLAG_ELLIPSIS, FLAG_EXTSTORED,
};
pub use crate::hg::kind::RevisionKind;
use crate::hg::mdiff;
use crate::hg::{FormatError, HgNode, NodeHasher};

/// A rebuilt revision, as handed to the visitor of [`verify_bundle_with`].
#[derive(Clone, Copy, Debug)]
pub struct Revision<'a> {
    /// What it is.
    pub kind: RevisionKind,
    /// The file (or tree manifest directory) name; empty for changesets
    /// and manifests.
    pub file: &'a [u8],
    /// The chunk it came from.
    pub chunk: &'a RevisionChunk<'a>,
    /// Its full text.
    pub text: &'a [u8],
    /// Whether its hash was checked (false for flagged revisions).
    pub checked: bool,
}

/// What [`verify_bundle`] saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyStats {
    /// Number of changegroups.
    pub changegroups: u64,
    /// Changeset revisions.
    pub changesets: u64,
    /// Manifest revisions (tree manifest directories included).
    pub manifests: u64,
    /// Files (file groups).
    pub files: u64,
    /// File revisions.
    pub file_revisions: u64,
    /// Revisions whose hash was not checked because of their flags.
    pub unchecked: u64,
    /// Total size of the deltas.
    pub delta_bytes: u64,
    /// Total size of the rebuilt texts.
    pub text_bytes: u64,
    /// Size of the largest text.
    pub max_text: u64,
    /// Peak size of the texts held at once (cache, previous text and the
    /// text being built).
    pub peak_held_bytes: u64,
}

/// Where each delta base is used for the last time, from a first pass over
/// a bundle; lets [`verify_bundle`] cache only the texts it needs.
#[derive(Clone, Debug, Default)]
pub struct BasePlan {
    /// (group number, base node) → index in the group of the last revision
    /// using it as delta base.
    last_use: HashMap<(u32, HgNode), u32>,
}

impl BasePlan {
    /// Reads a bundle (without applying deltas) and records its delta bases.
    pub fn scan(reader: impl Read) -> Result<BasePlan, FormatError> {
        let mut plan = BasePlan::default();
        let mut bundle = BundleReader::open(reader)?;
        let mut group = 0u32;
        while let Some(mut cg) = bundle.next_changegroup()? {
            walk(&mut cg, &mut group, &mut |g, _, _, index, chunk| {
                if !chunk.delta_base.is_null() {
                    plan.last_use.insert((g, chunk.delta_base), index);
                }
                Ok(())
            })?;
        }
        Ok(plan)
    }

    /// Number of (group, base) entries.
    pub fn len(&self) -> usize {
        self.last_use.len()
    }

    /// Whether no delta base was recorded.
    pub fn is_empty(&self) -> bool {
        self.last_use.is_empty()
    }

    fn last_use(&self, group: u32, node: &HgNode) -> Option<u32> {
        self.last_use.get(&(group, *node)).copied()
    }
}

/// Receives (group number, kind, file name, index in group, chunk).
type Visitor<'v> =
    dyn FnMut(u32, RevisionKind, &[u8], u32, &RevisionChunk<'_>) -> Result<(), FormatError> + 'v;

/// Calls `f(group number, kind, file name, index in group, chunk)` for
/// every revision of a changegroup; `group` numbers groups across calls.
fn walk<R: Read>(
    cg: &mut ChangegroupReader<R>,
    group: &mut u32,
    f: &mut Visitor<'_>,
) -> Result<(), FormatError> {
    let mut file = Vec::new();
    loop {
        let kind = match cg.group() {
            Group::Changesets => RevisionKind::Changeset,
            Group::Manifests | Group::TreeManifest => RevisionKind::Manifest,
            Group::File => RevisionKind::File,
            Group::BetweenFiles => {
                file.clear();
                match cg.next_file()? {
                    Some(name) => file.extend_from_slice(name),
                    None => return Ok(()),
                }
                continue;
            }
            Group::End => return Ok(()),
        };
        let mut index = 0u32;
        while let Some(chunk) = cg.next_revision()? {
            f(*group, kind, &file, index, &chunk)?;
            index += 1;
        }
        *group += 1;
    }
}

/// Texts of the current group.
#[derive(Default)]
struct Texts {
    group: Option<u32>,
    prev: Option<HgNode>,
    prev_text: Vec<u8>,
    out: Vec<u8>,
    cache: HashMap<HgNode, Vec<u8>>,
    cached_bytes: usize,
}

impl Texts {
    fn start_group(&mut self, group: u32) {
        if self.group != Some(group) {
            self.group = Some(group);
            self.prev = None;
            self.cache.clear();
            self.cached_bytes = 0;
        }
    }
}

/// Rebuilds and checks every revision of the bundle read from `reader`;
/// see the module documentation for `plan`.
pub fn verify_bundle(
    reader: impl Read,
    plan: Option<&BasePlan>,
) -> Result<VerifyStats, FormatError> {
    verify_bundle_with(reader, plan, &mut |_| {})
}

/// Like [`verify_bundle`], calling `visit` with every rebuilt revision.
pub fn verify_bundle_with(
    reader: impl Read,
    plan: Option<&BasePlan>,
    visit: &mut dyn FnMut(&Revision<'_>),
) -> Result<VerifyStats, FormatError> {
    let mut stats = VerifyStats::default();
    let mut bundle = BundleReader::open(reader)?;
    let mut group = 0u32;
    let mut t = Texts::default();
    let mut last_file_group = None;
    while let Some(mut cg) = bundle.next_changegroup()? {
        stats.changegroups += 1;
        walk(&mut cg, &mut group, &mut |g, kind, file, index, chunk| {
            t.start_group(g);
            let base_node = chunk.delta_base;
            let base: &[u8] = if base_node.is_null() {
                &[]
            } else if t.prev == Some(base_node) {
                &t.prev_text
            } else if let Some(text) = t.cache.get(&base_node) {
                text
            } else {
                return Err(FormatError::UnknownDeltaBase {
                    kind: kind.name(),
                    node: chunk.node,
                    base: base_node,
                });
            };
            mdiff::apply(base, chunk.delta, &mut t.out).map_err(|e| e.for_node(chunk.node))?;
            let checked = chunk.flags & (FLAG_CENSORED | FLAG_ELLIPSIS | FLAG_EXTSTORED) == 0;
            if checked {
                let mut h = NodeHasher::new(&chunk.p1, &chunk.p2);
                h.update(&t.out);
                let actual = h.finish();
                if actual != chunk.node {
                    return Err(FormatError::NodeMismatch {
                        kind: kind.name(),
                        node: chunk.node,
                        actual,
                    });
                }
            } else {
                stats.unchecked += 1;
            }
            match kind {
                RevisionKind::Changeset => stats.changesets += 1,
                RevisionKind::Manifest => stats.manifests += 1,
                RevisionKind::File => {
                    stats.file_revisions += 1;
                    if last_file_group != Some(g) {
                        last_file_group = Some(g);
                        stats.files += 1;
                    }
                }
            }
            stats.delta_bytes += chunk.delta.len() as u64;
            stats.text_bytes += t.out.len() as u64;
            stats.max_text = stats.max_text.max(t.out.len() as u64);
            let held = t.cached_bytes + t.prev_text.len() + t.out.len();
            stats.peak_held_bytes = stats.peak_held_bytes.max(held as u64);
            visit(&Revision {
                kind,
                file,
                chunk,
                text: &t.out,
                checked,
            });

            // Decide what to keep for later deltas.
            let keep = match plan {
                None => true,
                Some(plan) => {
                    if !base_node.is_null() && plan.last_use(g, &base_node) == Some(index) {
                        if let Some(old) = t.cache.remove(&base_node) {
                            t.cached_bytes -= old.len();
                        }
                    }
                    // Used later than by the next revision (which finds it
                    // as the previous text).
                    plan.last_use(g, &chunk.node)
                        .is_some_and(|last| last > index + 1)
                }
            };
            if keep {
                if let Some(old) = t.cache.insert(chunk.node, t.out.clone()) {
                    t.cached_bytes -= old.len();
                }
                t.cached_bytes += t.out.len();
            }
            std::mem::swap(&mut t.prev_text, &mut t.out);
            t.prev = Some(chunk.node);
            Ok(())
        })?;
    }
    Ok(stats)
}
