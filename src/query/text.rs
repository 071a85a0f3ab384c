//! The raw Mercurial text of changesets, manifests and files, rebuilt from
//! git objects and metadata (what `hg debugdata` prints).

use super::error::{invalid, Result};

use super::maps::{Found, SortedMap};
use crate::hg::kind::RevisionKind;
use crate::hg::node::Abbrev;
use crate::hg::HgNode;
use crate::metadata::changeset::rebuild_changeset;
use crate::metadata::file::read_file_text;
use crate::metadata::manifest::load_manifest;
use crate::metadata::Metadata;

/// Resolves a possibly abbreviated hg id against every node hg2git knows.
pub fn resolve_node(meta: &Metadata, id: &str, kind: RevisionKind) -> Result<HgNode> {
    let what = kind.id_name();
    let abbrev = Abbrev::parse(id).ok_or_else(|| invalid(format!("Invalid {what} id: {id}")))?;
    if abbrev.len() == 40 {
        return Ok(HgNode(abbrev.lower_bound()));
    }
    let all = SortedMap::new(meta.state.hg2git.iter()?);
    match all.find(&abbrev) {
        Found::One(k, _) => Ok(k),
        Found::None => Err(invalid(format!("Unknown {what} id: {id}"))),
        Found::Ambiguous => Err(invalid(format!("Ambiguous {what} id: {id}"))),
    }
}

/// What kind of revision an imported node is: a changeset (its commit has
/// a git2hg note), a manifest (another commit) or a file (a blob).
fn actual_kind(meta: &Metadata, node: HgNode) -> Option<RevisionKind> {
    let oid = meta.state.hg2git(&node)?;
    if meta.state.git2hg.contains(&oid) {
        return Some(RevisionKind::Changeset);
    }
    let mut buf = Vec::new();
    match meta.store.repo().try_read_object(&oid, &mut buf).ok()?? {
        gix::object::Kind::Commit => Some(RevisionKind::Manifest),
        gix::object::Kind::Blob => Some(RevisionKind::File),
        _ => None,
    }
}

/// The `data` option that selects a kind of revision.
fn option_for(kind: RevisionKind) -> &'static str {
    match kind {
        RevisionKind::Changeset => "git cinnabar data -c",
        RevisionKind::Manifest => "git cinnabar data -m",
        RevisionKind::File => "git cinnabar data",
    }
}

/// The raw text of a revision.
pub fn revision_text(meta: &mut Metadata, node: HgNode, kind: RevisionKind) -> Result<Vec<u8>> {
    if let Some(actual) = actual_kind(meta, node).filter(|a| *a != kind) {
        return Err(invalid(format!(
            "{node} is a {} id, not a {} id (use `{} {node}`)",
            actual.id_name(),
            kind.id_name(),
            option_for(actual)
        )));
    }
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    match kind {
        RevisionKind::Changeset => {
            if meta.state.hg2git(&node).is_none() {
                return Err(invalid(format!("Unknown changeset id: {node}")));
            }
            rebuild_changeset(&mut meta.store, &meta.state, node, &mut out, &mut scratch)?;
        }
        RevisionKind::Manifest => {
            if meta.state.hg2git(&node).is_none() {
                return Err(invalid(format!("Unknown manifest id: {node}")));
            }
            out = load_manifest(&mut meta.store, &meta.state, node)?.text();
        }
        RevisionKind::File => {
            if node != HgNode::EMPTY_FILE && meta.state.hg2git(&node).is_none() {
                return Err(invalid(format!("Unknown file id: {node}")));
            }
            read_file_text(&mut meta.store, &meta.state, node, &mut out, &mut scratch)?;
        }
    }
    Ok(out)
}
