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

crate::util::error_context!(MetadataError);
