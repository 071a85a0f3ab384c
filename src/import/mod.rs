//! Import: Mercurial changegroups into git objects and cinnabar metadata.

pub mod manifest_tree;
