//! Mercurial's data formats, with no network or git code: node ids,
//! revision texts (changesets, manifests, file metadata), deltas, and the
//! changegroup and bundle containers.

pub mod error;
pub mod mdiff;
pub mod node;

pub use error::FormatError;
pub use node::HgNode;
