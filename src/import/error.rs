//! Errors of an import: what failed in the source, the formats, the
//! metadata or the store, with the changeset, file or URL concerned.

crate::util::module_error! {
    /// An error importing Mercurial data.
    pub enum ImportError {
        wraps { Metadata(crate::metadata::MetadataError), Store(crate::store::StoreError), Format(crate::hg::FormatError), Wire(crate::wire::WireError) }
        io Io;
        own {
            /// A pass of a chunked import met a revision whose delta base
            /// belongs to a later chunk: the changegroup is imported whole.
            #[error("revision {0} is stored as a delta against a later chunk")]
            Unchunkable(crate::hg::HgNode),
        }
    }
}
