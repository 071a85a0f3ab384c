//! The metadata of a repository, loaded once for reading, whole maps
//! included: what lookups in bulk, `data` and `fsck` work from.

use gix_hash::ObjectId;

use super::state::State;
use super::{load, Result, METADATA_REF};
use crate::store::{Repo, Store, WriteMode};

/// The metadata of a repository, loaded once, for reading.
pub struct Metadata {
    pub store: Store,
    pub state: State,
    /// The metadata commit, if any.
    pub commit: Option<ObjectId>,
}

impl Metadata {
    /// Opens the repository git runs us in and loads its metadata.
    pub fn open() -> Result<Metadata> {
        Metadata::with_repo(Repo::open()?)
    }

    /// Loads the current metadata of `repo`.
    pub fn with_repo(repo: Repo) -> Result<Metadata> {
        let commit = repo.find_ref(METADATA_REF)?;
        Metadata::at(repo, commit)
    }

    /// Loads the metadata commit `commit` of `repo` (none: empty).
    pub fn at(repo: Repo, commit: Option<ObjectId>) -> Result<Metadata> {
        // Nothing is written: the store never starts a pack.
        let mut store = Store::new(repo, WriteMode::Direct);
        let state = load::load_full(&mut store, commit)?;
        Ok(Metadata {
            store,
            state,
            commit,
        })
    }
}
