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

crate::util::error_context!(ImportError);
