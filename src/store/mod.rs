//! The git side: the repository we run in, our own pack writer, raw trees
//! and commits, git notes trees laid out as git's `notes.c` does, and ref
//! transactions. Built on gix for the repository, configuration, object
//! reading and refs; objects are written by our own code so that we
//! control their exact bytes and the pack.
//!
//! - [`object`]: the one read and write API of every object store,
//!   [`ObjectRead`] and [`ObjectWrite`] (import them to call `read`,
//!   `write`, `write_owned`, `write_delta` on any store), hashing, and
//!   object id conversions.
//! - [`repo`]: opening the repository as a remote helper does
//!   (`GIT_DIR`, `git -c` settings from [`config`]).
//! - [`pack`]: the fast-import-like [`PackWriter`] and its pipelined
//!   variant [`ObjectSink`]; [`FinishedPacks`](pack::FinishedPacks), the
//!   packs a store finished, searched and read without mapping them.
//! - [`odb`]: [`Store`], the repository plus the pack being written.
//! - [`tree`], [`commit`]: object bytes.
//! - [`notes`]: notes trees (cinnabar's metadata mappings).
//! - [`refs`]: compare-and-swap ref transactions.
//! - [`stats`]: counters of writes and read-backs ([`StoreStats`]).
//! - [`graph`]: the commit graph (`git merge-base --independent`).
//! - [`idindex`]: a compact index of 20-byte ids ([`IdIndex`]).
//! - [`known`]: the packs and loose objects a write checks first.

#![warn(missing_docs)]

pub mod commit;
pub mod config;
pub mod error;
pub mod graph;
pub mod idindex;
pub mod known;
pub mod notes;
pub mod object;
pub mod odb;
pub mod pack;
pub mod refs;
pub mod repo;
pub mod stats;
pub mod tree;

pub use gix::object::Kind;
pub use gix::ObjectId;

pub use commit::{parse_commit, raw_commit, RawCommit};
pub use config::ConfigOverrides;
pub use error::{Result, StoreError};
pub use idindex::{IdIndex, IdList};
pub use notes::{CinnabarNotes, NoteKey, NotesTree};
pub use object::{
    hash_object, oid_bytes, oid_from_bytes, oid_from_hex, MemoryStore, ObjectRead, ObjectWrite,
};
pub use odb::{Store, WriteMode};
pub use pack::{ObjectSink, PackWriter};
pub use refs::{update_refs, Expected, RefUpdate};
pub use repo::Repo;
pub use stats::StoreStats;
pub use tree::{encode_tree, parse_tree, Mode, TreeEntry};
