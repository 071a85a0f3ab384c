//! Import: Mercurial changegroups into git objects and cinnabar metadata.
//!
//! [`session::Session`] drives a run against a source (what to ask for,
//! discovery, clone bundles); [`importer::Importer`] owns the store and the
//! metadata state; the per-kind importers turn revisions into objects.

pub mod base_plan;
pub mod changegroup;
pub mod changesets;
pub mod chunked;
pub mod cinnabarclone;
pub mod clonebundle;
pub mod copy;
pub mod error;
pub mod fetch;
pub mod files;
pub mod graft;
pub mod importer;
pub mod manifests;
pub mod marker;
pub mod node_check;
pub mod resume;
pub mod session;
pub mod source;
pub mod spool;
