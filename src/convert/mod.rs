//! The conversion rules between Mercurial revisions and git objects, shared
//! by import (hg → git) and the rebuild path (git → hg).

pub mod authorship;
pub mod changeset;
pub mod patch;
