//! One changegroup into git: changesets and manifests are spooled to
//! temporary files while the files are imported, then manifests (with the
//! git trees of their changesets) and changesets are imported from the
//! spools, so memory does not grow with the size of the changegroup.

use std::io::Read;

use super::changesets::{ChangesetImporter, Imported, ManifestTrees};
use super::error::Result;
use super::files::FileImporter;
use super::manifests::ManifestImporter;
use super::spool::Spool;
use crate::hg::changegroup::{
    ChangegroupReader, Group, RevisionChunk, FLAG_CENSORED, FLAG_ELLIPSIS, FLAG_EXTSTORED,
};
use crate::hg::FormatError;
use crate::metadata::{IdMap, State};
use crate::store::Store;

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

/// Imports a whole changegroup. `on_changeset` sees every changeset of the
/// group, imported now or known before.
pub fn import_changegroup<R: Read>(
    cg: &mut ChangegroupReader<R>,
    store: &mut Store,
    state: &mut State,
    importers: &mut Importers,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
    on_changeset: &mut dyn FnMut(&Imported),
) -> Result<Counts> {
    let mut counts = Counts::default();
    let mut changesets = Spool::new()?;
    while let Some(c) = cg.next_revision()? {
        refuse_flags("changeset", &c)?;
        changesets.push(&c)?;
        counts.changesets += 1;
        progress("Reading changesets", counts.changesets, None);
    }
    // Manifests wait for their files, so that their git trees can be made
    // from the manifest trees in memory.
    let mut manifests = Spool::new()?;
    while let Some(c) = cg.next_revision()? {
        refuse_flags("manifest", &c)?;
        manifests.push(&c)?;
        counts.manifests += 1;
        progress("Reading manifests", counts.manifests, None);
    }
    while let Some(name) = cg.next_file()? {
        let path = name.to_vec();
        if cg.group() == Group::TreeManifest {
            return Err(FormatError::Unsupported(format!(
                "tree manifest directory {:?}: tree manifests are not supported",
                String::from_utf8_lossy(&path)
            ))
            .into());
        }
        importers.files.start_file();
        while let Some(c) = cg.next_revision()? {
            refuse_flags(
                &format!("file {:?} revision", String::from_utf8_lossy(&path)),
                &c,
            )?;
            importers.files.import(store, state, &path, &c)?;
            counts.files += 1;
            progress("Reading files", counts.files, None);
        }
    }
    let mut git_trees = IdMap::new();
    let mut reader = manifests.into_reader()?;
    let mut done = 0;
    while let Some(c) = reader.next_revision()? {
        let tree = importers.manifests.import(store, state, &c)?;
        git_trees.insert(c.node, tree);
        done += 1;
        progress("Importing manifests", done, Some(counts.manifests));
    }
    let mut reader = changesets.into_reader()?;
    let mut trees = ManifestTrees {
        git_trees: &git_trees,
        manifests: &mut importers.manifests,
    };
    done = 0;
    while let Some(c) = reader.next_revision()? {
        let imported = importers.changesets.import(store, state, &c, &mut trees)?;
        on_changeset(&imported);
        done += 1;
        progress("Importing changesets", done, Some(counts.changesets));
    }
    Ok(counts)
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
