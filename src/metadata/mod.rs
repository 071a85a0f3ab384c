//! The cinnabar metadata model (spec 2, 4, 5): the metadata commit and its
//! five parents, the id maps (hg2git, git2hg, files-meta) kept as notes
//! trees, the manifest metadata trees and their flag/mode table, the
//! history of metadata states — and the readers that rebuild Mercurial
//! texts (changesets, manifests, files) from what git holds.
//!
//! `import`, `export`, `query` and `fsck` build on this layer; it builds on
//! the git store, the hg formats and the conversion rules only.

pub mod changeset;
pub mod error;
pub mod file;
pub mod graph;
pub mod history;
pub mod idmap;
pub mod load;
pub mod manifest;
pub mod notesmap;
pub mod open;
pub mod replace;
pub mod state;
pub mod write;

pub use error::{MetadataError, Result};
pub use idmap::IdMap;
pub use notesmap::NotesMap;
pub use open::Metadata;
pub use state::{BranchHead, MetadataParents, PreviousMetadata, State};

/// The ref holding the metadata commit.
pub const METADATA_REF: &str = "refs/cinnabar/metadata";
/// The ref holding the git2hg notes commit.
pub const NOTES_REF: &str = "refs/notes/cinnabar";
/// The message of metadata commits: the format flags.
pub const METADATA_FLAGS: &[u8] = b"files-meta unified-manifests-v2";
/// The signature line of every metadata commit.
pub const CINNABAR_SIG: &[u8] = b" <cinnabar@git> 0 +0000";
