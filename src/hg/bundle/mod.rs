//! Bundles (spec 8, `hg help internals.bundles`): the containers of
//! changegroups, in files and on the wire.
//!
//! - [`BundleReader`] detects the format (bundle2, bundle1 with its
//!   compression, or a bare changegroup), decompresses, and hands out the
//!   changegroups (and, if wanted, the other parts) as streams;
//! - [`Bundle2Writer`], [`Bundle1Writer`] and [`ChangegroupWriter`] write
//!   them;
//! - [`Compression`] names the compression engines.
//!
//! Everything streams: neither reading nor writing holds more than one
//! changegroup chunk or bundle2 payload chunk in memory, besides the
//! buffers of the decompressors.

mod bundle2;
mod compression;
mod read;
mod write;

pub use bundle2::{parse_stream_params, quote, unquote, PartHeader, PartPayload, StreamParams};
pub use compression::{Compression, Encoder};
pub use read::{part_action, BundleChangegroup, BundleKind, BundleReader, Part, PartAction};
pub use write::{
    Bundle1Writer, Bundle2Writer, BundleSpec, ChangegroupWriter, PartWriter, PAYLOAD_CHUNK_SIZE,
};
