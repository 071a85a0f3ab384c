//! Errors of `query`: what could not be read or resolved, naming the id,
//! commit or object concerned.

crate::util::module_error! {
    /// An error of `query`.
    pub enum QueryError {
        wraps { Metadata(crate::metadata::MetadataError), Store(crate::store::StoreError) }
        io Io;
        own {}
    }
}
