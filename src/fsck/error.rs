//! Errors of `fsck`: what could not be read or resolved, naming the id,
//! commit or object concerned.

crate::util::module_error! {
    /// An error of `fsck`.
    pub enum FsckError {
        wraps { Metadata(crate::metadata::MetadataError), Store(crate::store::StoreError) }
        io Io;
        own {}
    }
}
