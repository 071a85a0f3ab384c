//! One changegroup into git: changesets and manifests are spooled to
//! temporary files while the files are imported, then manifests (with the
//! git trees of their changesets) and changesets are imported from the
//! spools, so memory does not grow with the size of the changegroup.

use std::collections::HashSet;
use std::io::Read;

use super::changesets::{ChangesetImporter, Imported, ManifestTrees};
use super::error::{ImportError, Result};
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use super::spool::{GroupSpool, Spool};
use crate::hg::changegroup::{
    ChangegroupReader, Group, FLAG_CENSORED, FLAG_ELLIPSIS, FLAG_EXTSTORED,
};
use crate::hg::{FormatError, HgNode, RevisionChunk};
use crate::metadata::{IdMap, State};
use crate::store::{IdIndex, Store};

/// Reusable importers for the three kinds of revisions.
pub struct Importers {
    pub manifests: ManifestImporter,
    pub files: FileImporter,
    pub changesets: ChangesetImporter,
}

/// Counts of revisions read, for progress and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub changesets: u64,
    pub manifests: u64,
    pub files: u64,
}

/// The part of a changegroup one pass of a chunked import takes (see
/// [`super::chunked`]): the changesets at positions `start..end` of its
/// changeset section, and the manifests and files they link to. Those of
/// earlier positions are imported already; later ones are left for later
/// passes.
pub struct Window<'a> {
    /// The nodes of the changeset section, in order.
    pub nodes: &'a [[u8; 20]],
    /// Their positions in `nodes`, by node.
    pub index: &'a IdIndex,
    pub start: u32,
    pub end: u32,
}

impl Window<'_> {
    /// Whether a revision linked to `linknode` is this pass's to import
    /// (`Some(true)`), an earlier pass's (`Some(false)`), or a later
    /// pass's (`None`). A revision linked outside the group is imported.
    fn takes(&self, linknode: &HgNode) -> Option<bool> {
        match self.index.find(&linknode.0, self.nodes) {
            Some(i) if i >= self.end => None,
            Some(i) => Some(i >= self.start),
            None => Some(true),
        }
    }

    /// Whether this pass imports `rev`; fails when it is needed but its
    /// delta base was left for a later pass.
    fn filter(&self, rev: &RevisionChunk<'_>, left: &mut HashSet<HgNode>) -> Result<bool> {
        match self.takes(&rev.linknode) {
            None => {
                left.insert(rev.node);
                Ok(false)
            }
            Some(_) if left.contains(&rev.delta_base) => Err(ImportError::Unchunkable(rev.node)),
            Some(take) => Ok(take),
        }
    }
}

/// Imports a whole changegroup, or the part `window` says. `on_changeset`
/// sees every changeset of the group (of the window), imported now or
/// known before.
pub fn import_changegroup<R: Read>(
    cg: &mut ChangegroupReader<R>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    window: Option<&Window<'_>>,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
    on_changeset: &mut dyn FnMut(&Imported),
) -> Result<Counts> {
    let mut counts = Counts::default();
    let mut changesets = Spool::new()?;
    importers.changesets.start_group();
    let mut position = 0u32;
    // Parents from before this group: their manifests, loaded back as
    // delta bases, reuse their git trees (`metadata::manifest::seed`).
    // A pass of a chunked import looks at the changesets it takes only,
    // and knows the group from the window's index: its work does not grow
    // with the changesets of the other passes.
    let mut in_group = HashSet::new();
    let mut outside = HashSet::new();
    while let Some(c) = cg.next_revision()? {
        refuse_flags("changeset", &c)?;
        let taken = window.is_none_or(|w| (w.start..w.end).contains(&position));
        position = position.saturating_add(1);
        if taken {
            for p in [c.p1, c.p2] {
                let known = match window {
                    Some(w) => w.index.find(&p.0, w.nodes).is_some(),
                    None => in_group.contains(&p),
                };
                if !p.is_null() && !known && outside.insert(p) {
                    crate::metadata::manifest::seed::note_changeset_tree(store, state, &p);
                }
            }
        }
        if window.is_none() {
            in_group.insert(c.node);
        }
        if taken {
            importers
                .changesets
                .plan(position_of(changesets.len()), c.delta_base);
            changesets.push(&c)?;
        }
        counts.changesets += 1;
        progress("Reading changesets", counts.changesets, None);
    }
    // Not needed past the changesets: freed before the files' peak.
    drop((in_group, outside));
    // Manifests wait for their files, so that their git trees can be made
    // from the manifest trees in memory.
    // Only the revisions a pass takes are spooled and planned: the others
    // are read past (those of later passes remembered in `left`, so that a
    // delta against one of them is seen).
    let mut manifests = Spool::new()?;
    let mut left = HashSet::new();
    importers.manifests.start_group();
    while let Some(c) = cg.next_revision()? {
        refuse_flags("manifest", &c)?;
        counts.manifests += 1;
        progress("Reading manifests", counts.manifests, None);
        if !window.map_or(Ok(true), |w| w.filter(&c, &mut left))? {
            continue;
        }
        importers
            .manifests
            .plan(position_of(manifests.len()), c.delta_base);
        manifests.push(&c)?;
    }
    let files = import_files(
        cg,
        store,
        state,
        importers,
        window,
        progress,
        &mut counts,
        &mut left,
    );
    // A file node found wrong on the checker's thread is the first error.
    importers.files.finish_checks().and(files)?;
    let mut git_trees = IdMap::new();
    let mut reader = manifests.into_reader()?;
    let mut done = 0;
    let manifest_count = reader.len();
    let mut next = 0u32;
    while let Some(c) = reader.next_revision()? {
        let at = next;
        next = next.saturating_add(1);
        let tree = importers.manifests.import(store, state, at, &c)?;
        git_trees.insert(c.node, tree);
        done += 1;
        progress("Importing manifests", done, Some(manifest_count));
    }
    let mut reader = changesets.into_reader()?;
    let changeset_count = reader.len();
    let mut trees = ManifestTrees {
        git_trees: &git_trees,
        manifests: &mut importers.manifests,
    };
    done = 0;
    next = 0;
    while let Some(c) = reader.next_revision()? {
        let at = next;
        next = next.saturating_add(1);
        let imported = importers
            .changesets
            .import(store, state, at, &c, &mut trees)?;
        on_changeset(&imported);
        done += 1;
        progress("Importing changesets", done, Some(changeset_count));
    }
    Ok(counts)
}

/// Imports the file groups of a changegroup (or those revisions `window`
/// takes), each read once to plan its delta bases, then imported.
#[allow(clippy::too_many_arguments)]
fn import_files<R: Read>(
    cg: &mut ChangegroupReader<R>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    window: Option<&Window<'_>>,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
    counts: &mut Counts,
    left: &mut HashSet<HgNode>,
) -> Result<()> {
    let mut file_spool = GroupSpool::default();
    while let Some(name) = cg.next_file()? {
        let path = name.to_vec();
        if cg.group() == Group::TreeManifest {
            return Err(FormatError::Unsupported(format!(
                "tree manifest directory {:?}: tree manifests are not supported",
                String::from_utf8_lossy(&path)
            ))
            .into());
        }
        // The group is read once to plan its delta bases, then imported.
        // Only the revisions a pass takes are spooled and planned.
        importers.files.start_file(&path);
        file_spool.start()?;
        left.clear();
        while let Some(c) = cg.next_revision()? {
            refuse_flags(
                &format!("file {:?} revision", String::from_utf8_lossy(&path)),
                &c,
            )?;
            counts.files += 1;
            progress("Reading files", counts.files, None);
            if !window.map_or(Ok(true), |w| w.filter(&c, left))? {
                continue;
            }
            importers
                .files
                .plan(position_of(file_spool.len()), c.delta_base);
            file_spool.push(&c)?;
        }
        let mut reader = file_spool.reader()?;
        let mut next = 0u32;
        while let Some(c) = reader.next_revision()? {
            let at = next;
            next = next.saturating_add(1);
            importers.files.import(store, state, &path, at, &c)?;
        }
    }
    Ok(())
}

/// A position in a group, from a count of revisions (groups beyond 2^32
/// revisions share the last position, which only keeps bases longer).
fn position_of(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Refuses a revision whose changegroup 03 flags say its data is not its
/// text: censored, ellipsis (narrow clones) or stored elsewhere (LFS).
/// git-cinnabar cannot represent them, and their hash would not match.
fn refuse_flags(kind: &str, c: &RevisionChunk<'_>) -> Result<()> {
    let what = [
        (FLAG_CENSORED, "censored"),
        (FLAG_ELLIPSIS, "an ellipsis revision (narrow clone)"),
        (FLAG_EXTSTORED, "stored outside the repository (LFS)"),
    ]
    .iter()
    .filter(|(flag, _)| c.flags & flag != 0)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>();
    if what.is_empty() {
        return Ok(());
    }
    Err(FormatError::Unsupported(format!(
        "{kind} {} is {}: such revisions are not supported",
        c.node,
        what.join(" and ")
    ))
    .into())
}
