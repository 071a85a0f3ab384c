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
    #[error("bad bundle magic {magic:?} at byte offset 0")]
    #[diagnostic(code(cinnabar::hg::bad_magic))]
    BadMagic { magic: String },

    /// A compression scheme that is not supported, named at `offset`.
    #[error("unknown compression {name:?} at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::unknown_compression))]
    UnknownCompression { name: String, offset: u64 },

    /// A bundle2 part that must be understood but is not; `offset` is that
    /// of its header.
    #[error("unsupported mandatory bundle2 part {part:?} at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::mandatory_part))]
    UnknownMandatoryPart { part: String, offset: u64 },

    /// A stream parameter that must be understood but is not; `offset` is
    /// that of the stream parameters.
    #[error("unsupported mandatory bundle2 stream parameter {name:?} at byte offset {offset}")]
    #[diagnostic(code(cinnabar::hg::mandatory_param))]
    UnknownMandatoryParam { name: String, offset: u64 },

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

    /// A delta whose base is neither the null node nor a revision known
    /// at that point.
    #[error("{kind} {node} has delta base {base}, which is not available")]
    #[diagnostic(code(cinnabar::hg::unknown_delta_base))]
    UnknownDeltaBase {
        kind: &'static str,
        node: HgNode,
        base: HgNode,
    },

    /// A changegroup version that is not supported.
    #[error("unsupported changegroup version {0:?}")]
    #[diagnostic(code(cinnabar::hg::changegroup_version))]
    UnknownChangegroupVersion(String),

    /// Valid data that this implementation does not handle.
    #[error("{0}")]
    #[diagnostic(code(cinnabar::hg::unsupported))]
    Unsupported(String),

    /// The sender reported an error (a bundle2 `error:*` part).
    #[error("remote error ({kind}): {message}{}", hint.as_deref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
    #[diagnostic(code(cinnabar::hg::remote_error))]
    Remote {
        kind: String,
        message: String,
        hint: Option<String>,
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

impl FormatError {
    /// Turns an I/O error met at byte `offset` while reading `what` into a
    /// format error: an early end of stream becomes [`FormatError::Truncated`],
    /// a [`FormatError`] carried inside the I/O error (as raised by nested
    /// readers, e.g. bundle2 payload framing) is returned as is, anything
    /// else becomes [`FormatError::Io`].
    pub fn from_io(e: std::io::Error, what: &'static str, offset: u64) -> FormatError {
        let kind = e.kind();
        if e.get_ref().is_some_and(|inner| inner.is::<FormatError>()) {
            if let Some(inner) = e.into_inner() {
                return match inner.downcast::<FormatError>() {
                    Ok(fe) => *fe,
                    Err(other) => FormatError::Io {
                        offset,
                        source: std::io::Error::new(kind, other),
                    },
                };
            }
            return FormatError::Truncated { what, offset };
        }
        if kind == std::io::ErrorKind::UnexpectedEof {
            return FormatError::Truncated { what, offset };
        }
        FormatError::Io { offset, source: e }
    }

    /// Wraps this error into an [`std::io::Error`], for `Read`
    /// implementations; [`FormatError::from_io`] gets it back.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }
}
