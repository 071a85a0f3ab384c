//! Errors of the git → hg conversion and of changegroup production.

use gix_hash::ObjectId;

crate::util::module_error! {
    /// An error converting git commits to Mercurial changesets or writing
    /// them as a changegroup.
    pub enum ExportError {
        wraps {
            Metadata(crate::metadata::MetadataError),
            Store(crate::store::StoreError),
            Wire(crate::wire::WireError),
            Format(crate::hg::FormatError),
        }
        own {
        /// Writing the output failed.
        #[error("{context}")]
        Io {
            /// What was being done.
            context: String,
            /// The cause.
            #[source]
            source: std::io::Error,
        },

        /// A git command failed.
        #[error("`git {command}` failed: {message}")]
        Git {
            /// The command (its first arguments).
            command: String,
            /// Its error output.
            message: String,
        },

        /// A merge with more than two parents.
        #[error("Pushing octopus merges to mercurial is not supported (commit {0})")]
        Octopus(ObjectId),

        /// A tree with a submodule.
        #[error("commit {commit} has a submodule at {path}: submodules cannot be pushed to mercurial")]
        Submodule {
            /// The commit.
            commit: ObjectId,
            /// The submodule's path (lossily decoded).
            path: String,
        },

        /// A commit whose parent is neither converted nor being converted.
        #[error("commit {commit}: parent {parent} is not a known changeset")]
        UnknownParent {
            /// The commit.
            commit: ObjectId,
            /// Its unknown parent.
            parent: ObjectId,
        },

        /// Two commits that differ only in what Mercurial does not keep.
        #[error("commits {commit} and {other} would both be changeset {node}")]
        SameChangeset {
            /// The commit being converted.
            commit: ObjectId,
            /// The commit already mapped to the changeset.
            other: ObjectId,
            /// The changeset.
            node: crate::hg::HgNode,
        },
        }
    }
}

/// An [`ExportError::Io`] with what was being done.
pub fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ExportError {
    let context = context.into();
    move |source| ExportError::Io { context, source }
}
