//! Errors of the metadata layer: the metadata commit and its notes, and
//! the readers that rebuild Mercurial texts from git.

crate::util::module_error! {
    /// An error reading or writing cinnabar metadata.
    pub enum MetadataError {
        wraps { Store(crate::store::StoreError), Format(crate::hg::FormatError) }
        own {
            /// A revision the metadata does not know.
            #[error("{kind} {node} is unknown")]
            Unknown {
                /// `changeset`, `manifest` or `file revision`.
                kind: &'static str,
                /// The revision.
                node: crate::hg::HgNode,
            },
        }
    }
}
