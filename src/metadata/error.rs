//! Errors of the metadata layer: the metadata commit and its notes, and
//! the readers that rebuild Mercurial texts from git.

use miette::Diagnostic;
use thiserror::Error;

use crate::hg::{FormatError, HgNode};
use crate::store::StoreError;

/// An error reading or writing cinnabar metadata.
#[derive(Debug, Error, Diagnostic)]
pub enum MetadataError {
    /// The git store failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] StoreError),

    /// Mercurial data (a note, a rebuilt text) is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Format(#[from] FormatError),

    /// A revision the metadata does not know.
    #[error("{kind} {node} is unknown")]
    Unknown {
        /// `changeset`, `manifest` or `file revision`.
        kind: &'static str,
        /// The revision.
        node: HgNode,
    },

    /// The metadata is not what this version reads.
    #[error("{0}")]
    Invalid(String),

    /// An error, with what was being done.
    #[error("{context}")]
    Context {
        /// What was being done, and on what.
        context: String,
        /// The cause.
        #[source]
        source: Box<MetadataError>,
    },
}

/// A result of the metadata layer.
pub type Result<T, E = MetadataError> = std::result::Result<T, E>;

/// Adds what was being done to an error, as `miette`'s `wrap_err` does.
pub trait ResultExt<T> {
    /// Wraps the error with a context computed on failure.
    fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T>;
}

impl<T, E: Into<MetadataError>> ResultExt<T> for std::result::Result<T, E> {
    fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T> {
        self.map_err(|e| MetadataError::Context {
            context: f(),
            source: Box::new(e.into()),
        })
    }
}

/// An [`MetadataError::Invalid`] with a message.
pub fn invalid(message: impl Into<String>) -> MetadataError {
    MetadataError::Invalid(message.into())
}
