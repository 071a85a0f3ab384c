//! Import: Mercurial changegroups into git objects and cinnabar metadata.

pub mod changegroup;
pub mod changesets;
pub mod discovery;
pub mod fetch;
pub mod files;
pub mod git_tree;
pub mod history;
pub mod idmap;
pub mod manifest_tree;
pub mod manifests;
pub mod metadata;
pub mod session;
pub mod spool;
pub mod state;
pub mod text_cache;
