//! Errors of an import: what failed in the source, the formats, the
//! metadata or the store, with the changeset, file or URL concerned.

use miette::Diagnostic;
use thiserror::Error;

use crate::hg::FormatError;
use crate::metadata::MetadataError;
use crate::store::StoreError;
use crate::wire::WireError;

/// An error importing Mercurial data.
#[derive(Debug, Error, Diagnostic)]
pub enum ImportError {
    /// The metadata could not be read or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Metadata(#[from] MetadataError),

    /// The git store failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] StoreError),

    /// The Mercurial data is malformed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Format(#[from] FormatError),

    /// The Mercurial source failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Wire(#[from] WireError),

    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),

    /// Something the import cannot go on with.
    #[error("{0}")]
    Invalid(String),

    /// An error, with what was being done.
    #[error("{context}")]
    Context {
        /// What was being done, and on what.
        context: String,
        /// The cause.
        #[source]
        source: Box<ImportError>,
    },
}

/// A result of the import.
pub type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Adds what was being done to an error.
pub trait ResultExt<T> {
    /// Wraps the error with a context computed on failure.
    fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T>;
}

impl<T, E: Into<ImportError>> ResultExt<T> for std::result::Result<T, E> {
    fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T> {
        self.map_err(|e| ImportError::Context {
            context: f(),
            source: Box::new(e.into()),
        })
    }
}

/// An [`ImportError::Invalid`] with a message.
pub fn invalid(message: impl Into<String>) -> ImportError {
    ImportError::Invalid(message.into())
}
