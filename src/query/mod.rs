//! Lookups in the metadata and the Mercurial texts of what it holds:
//! `hg2git`, `git2hg` and `data`.

pub mod error;
pub mod lookup;
pub mod maps;
pub mod text;
