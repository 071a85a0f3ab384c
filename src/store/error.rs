//! Errors of the git side. Each says what was being done and on what
//! (object id, path, ref name), and keeps the underlying cause as its source.

use std::path::PathBuf;

use gix::ObjectId;
use miette::Diagnostic;
use thiserror::Error;

/// A boxed error from a dependency (gix and friends).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error of the git object store, pack writer, notes trees or refs.
#[derive(Debug, Error, Diagnostic)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("{context}")]
    #[diagnostic(code(cinnabar::store::io))]
    Io {
        /// What was being done, with the path concerned.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// gix reported an error.
    #[error("{context}")]
    #[diagnostic(code(cinnabar::store::git))]
    Git {
        /// What was being done.
        context: String,
        /// The error from gix.
        #[source]
        source: BoxError,
    },

    /// The repository could not be found or opened.
    #[error("cannot open the git repository{}", .path.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default())]
    #[diagnostic(
        code(cinnabar::store::no_repo),
        help("run from inside a git repository or set GIT_DIR")
    )]
    OpenRepo {
        /// The path tried, if one was given.
        path: Option<PathBuf>,
        /// Why it failed.
        #[source]
        source: BoxError,
    },

    /// The repository uses an object format other than SHA-1.
    #[error("unsupported object format {0:?}: only sha1 repositories are supported")]
    #[diagnostic(code(cinnabar::store::object_format))]
    ObjectFormat(String),

    /// `GIT_CONFIG_PARAMETERS` (or `GIT_CONFIG_COUNT`) is malformed.
    #[error("bogus format in {var}: {reason}")]
    #[diagnostic(code(cinnabar::store::config_env))]
    ConfigEnv {
        /// The environment variable.
        var: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An object that should exist does not.
    #[error("object {0} not found")]
    #[diagnostic(code(cinnabar::store::not_found))]
    NotFound(ObjectId),

    /// An object has another kind than expected.
    #[error("object {oid} is a {actual}, expected a {expected}")]
    #[diagnostic(code(cinnabar::store::wrong_kind))]
    WrongKind {
        /// The object.
        oid: ObjectId,
        /// The kind wanted.
        expected: gix::object::Kind,
        /// The kind found.
        actual: gix::object::Kind,
    },

    /// A pack being written or read is inconsistent.
    #[error("corrupt pack {}: {reason}", .path.display())]
    #[diagnostic(code(cinnabar::store::corrupt_pack))]
    CorruptPack {
        /// The pack file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A git delta that is malformed or does not fit its base or result.
    #[error("invalid git delta: {0}")]
    #[diagnostic(code(cinnabar::store::bad_delta))]
    BadDelta(String),

    /// A tree object that does not parse.
    #[error("malformed tree at byte offset {offset}: {reason}")]
    #[diagnostic(code(cinnabar::store::bad_tree))]
    MalformedTree {
        /// Offset of the bad entry in the tree data.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },

    /// A commit object that does not parse.
    #[error("malformed commit: {0}")]
    #[diagnostic(code(cinnabar::store::bad_commit))]
    MalformedCommit(String),

    /// A notes tree that does not follow the notes layout.
    #[error("invalid notes tree {tree}: {reason}")]
    #[diagnostic(code(cinnabar::store::bad_notes))]
    Notes {
        /// The (sub)tree concerned.
        tree: ObjectId,
        /// What is wrong.
        reason: String,
    },

    /// A ref name that git would refuse.
    #[error("invalid ref name {name:?}")]
    #[diagnostic(code(cinnabar::store::ref_name))]
    RefName {
        /// The name.
        name: String,
        /// Why it is invalid.
        #[source]
        source: BoxError,
    },

    /// A ref would be pointed at an object the repository does not have.
    #[error("refusing to point {name} at {oid}, which is not in the repository")]
    #[diagnostic(
        code(cinnabar::store::ref_target_missing),
        help("finish the pack holding the object before updating refs")
    )]
    RefTargetMissing {
        /// The ref.
        name: String,
        /// The missing object.
        oid: ObjectId,
    },

    /// The ref transaction failed (an expectation did not hold, a lock was
    /// held, or writing failed); no ref was changed.
    #[error("updating refs failed: {context}")]
    #[diagnostic(code(cinnabar::store::ref_update))]
    RefUpdate {
        /// The refs involved.
        context: String,
        /// The error from gix.
        #[source]
        source: BoxError,
    },

    /// The background pack writer thread stopped.
    #[error("the pack writer thread stopped: {0}")]
    #[diagnostic(code(cinnabar::store::writer_thread))]
    WriterThread(String),
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            context: context.into(),
            source,
        }
    }

    /// A gix error with what was being done.
    pub fn git(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        StoreError::Git {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// Adds context to I/O results.
pub(crate) trait IoContext<T> {
    /// Maps an I/O error to [`StoreError::Io`] with the context built by `f`.
    fn io_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn io_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| StoreError::io(f(), e))
    }
}
