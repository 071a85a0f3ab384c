//! Our own pack writer, working like git fast-import.
//!
//! One pack per import: objects are deflated and appended to
//! `objects/pack/tmp_pack_XXXXXX` as they arrive, each either whole or as
//! an `OFS_DELTA` against an earlier object of the same pack. The header's
//! object count is a placeholder until [`PackWriter::finish`] patches it,
//! reads the file back once to compute the trailing SHA-1, writes the
//! version 2 `.idx` (sorted ids, CRC-32s, offsets, 64-bit offsets past
//! 2 GiB) and renames both to `pack-<checksum>.{pack,idx}`. Objects can be
//! read back while the pack is still being written, delta chains included.
//! Dropping an unfinished writer removes its temporary file.
//!
//! [`ObjectSink`] runs a [`PackWriter`] on a background thread so that the
//! importer can hash objects and go on while compression and I/O happen
//! elsewhere; it reads objects back from the written part of the file
//! itself (`reader`), never waiting for the writer thread.
//!
//! Once finished, a pack is searched and read by [`FinishedPacks`]
//! (`finished`): a filter of its ids and `pread`, so that a long import's
//! earlier packs do not stay mapped and resident.
//!
//! The [`Store`](crate::store::Store) writes a tree that is a new version
//! of one in this pack as a delta against it (`tree_delta`, from the two
//! sorted entry lists), the base's bytes kept in a ring of recent trees
//! (`recent`), chains bounded by [`MAX_DELTA_DEPTH`].
//!
//! What a writer keeps per object is 14 bytes (offset, CRC-32, type,
//! delta depth) in lists by position, plus the id (20 bytes) and its place
//! in a compact index (4.6–9.2 bytes) unless an [`ObjectSink`] keeps them
//! (see `entries`).

mod deflate;
mod delta;
mod entries;
mod finished;
mod format;
mod index;
mod quick;
mod reader;
mod recent;
mod sink;
mod tmpfile;
mod tree_delta;
mod writer;

pub use delta::{apply_delta, delta_sizes, DeltaBuilder};
pub use finished::FinishedPacks;
pub use recent::{RecentObjects, DEFAULT_RECENT_BYTES, MAX_RECENT_BYTES};
pub use sink::{ObjectSink, DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_OBJECTS};
pub use tree_delta::tree_delta;
pub use writer::{PackWriter, MAX_DELTA_DEPTH};
