//! Errors of `query`: what could not be read or resolved, naming the id,
//! commit or object concerned.

use miette::Diagnostic;
use thiserror::Error;

use crate::metadata::MetadataError;
use crate::store::StoreError;

/// An error of `query`.
#[derive(Debug, Error, Diagnostic)]
pub enum QueryError {
    /// The metadata could not be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Metadata(#[from] MetadataError),

    /// The git store failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] StoreError),

    /// Output could not be written.
    #[error(transparent)]
    Io(#[from] std::io::Error),

    /// What was asked for cannot be answered.
    #[error("{0}")]
    Invalid(String),

    /// An error, with what was being done.
    #[error("{context}")]
    Context {
        /// What was being done, and on what.
        context: String,
        /// The cause.
        #[source]
        source: Box<QueryError>,
    },
}

crate::util::error_context!(QueryError);
