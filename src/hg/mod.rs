//! Mercurial's data formats, with no network or git code: node ids,
//! revision texts (changesets, manifests, file metadata), deltas, and the
//! changegroup and bundle containers.

pub mod bundle;
pub mod changegroup;
pub mod changeset;
pub mod error;
pub mod filemeta;
pub mod kind;
pub mod manifest;
pub mod mdiff;
pub mod node;
pub mod tags;
pub mod verify;

pub use changegroup::{CgVersion, ChangegroupReader, RevisionChunk};
pub use error::FormatError;
pub use node::{HgNode, NodeHasher};
