//! The three kinds of Mercurial revisions.

/// Which kind of revision: what a changegroup group holds, or what an id
/// names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RevisionKind {
    /// Changeset.
    Changeset,
    /// Manifest (flat, or a tree manifest directory).
    Manifest,
    /// File revision.
    File,
}

impl RevisionKind {
    /// The name of the kind in messages about a revision.
    pub fn name(self) -> &'static str {
        match self {
            RevisionKind::Changeset => "changeset",
            RevisionKind::Manifest => "manifest",
            RevisionKind::File => "file revision",
        }
    }

    /// The name of the kind in messages about an id (`Unknown file id`).
    pub fn id_name(self) -> &'static str {
        match self {
            RevisionKind::File => "file",
            other => other.name(),
        }
    }
}
