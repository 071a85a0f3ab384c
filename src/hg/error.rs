//! Errors of the format layer. Each says what was wrong and where: a byte
//! offset in the stream, or the node concerned.

use miette::Diagnostic;
use thiserror::Error;

use super::HgNode;

/// An error in Mercurial data.
#[derive(Debug, Error, Diagnostic)]
pub enum FormatError {
    /// A hex id that is not 40 hex digits.
    #[error("invalid node id {0:?}")]
    #[diagnostic(code(cinnabar::hg::bad_hex))]
    BadHex(String),

    /// The stream ended early.
    #[error("truncated {what} at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::truncated))]
    Truncated { what: &'static str, offset: u64 },

    /// A length field that cannot be right.
    #[error("invalid {what} length {len} at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::bad_length))]
    BadLength {
        what: &'static str,
        len: u64,
        offset: u64,
    },

    /// A delta that does not apply to its base.
    #[error("malformed delta for {node}: {reason}")]
    #[diagnostic(code(cinnabar::hg::bad_delta))]
    BadDelta { node: HgNode, reason: String },

    /// The container's magic bytes are not a known bundle.
    #[error("bad bundle magic {magic:?}")]
    #[diagnostic(code(cinnabar::hg::bad_magic))]
    BadMagic { magic: String },

    /// A compression scheme that is not supported.
    #[error("unknown compression {0:?}")]
    #[diagnostic(code(cinnabar::hg::unknown_compression))]
    UnknownCompression(String),

    /// A bundle2 part that must be understood but is not.
    #[error("unsupported mandatory bundle2 part {0:?}")]
    #[diagnostic(code(cinnabar::hg::mandatory_part))]
    UnknownMandatoryPart(String),

    /// A stream parameter that must be understood but is not.
    #[error("unsupported mandatory bundle2 stream parameter {0:?}")]
    #[diagnostic(code(cinnabar::hg::mandatory_param))]
    UnknownMandatoryParam(String),

    /// A revision whose text does not hash to its node.
    #[error("{kind} {node} does not match its content (it hashes to {actual})")]
    #[diagnostic(code(cinnabar::hg::node_mismatch))]
    NodeMismatch {
        kind: &'static str,
        node: HgNode,
        actual: HgNode,
    },

    /// A revision text that does not parse.
    #[error("malformed {kind} {node}: {reason}")]
    #[diagnostic(code(cinnabar::hg::malformed))]
    Malformed {
        kind: &'static str,
        node: HgNode,
        reason: String,
    },

    /// Any other malformed structure.
    #[error("{0}")]
    #[diagnostic(code(cinnabar::hg::invalid))]
    Invalid(String),

    /// Reading failed.
    #[error("I/O error at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::io))]
    Io {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
}
