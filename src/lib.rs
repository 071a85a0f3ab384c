//! git-cinnabar: a git remote helper for Mercurial repositories.
//!
//! The modules follow the data flow, bottom up; a module uses only those
//! listed before it (`tests/layers.rs` checks it):
//! - [`util`]: progress display, logging switches, error helpers.
//! - [`hg`]: Mercurial's data formats (node ids, revision texts, deltas,
//!   changegroups, bundles, `.hgtags`), with no network or git code.
//! - [`store`]: the git side (repository, objects, packs, notes, refs,
//!   the commit graph).
//! - [`wire`]: Mercurial peers (stdio, ssh, http), opening a source from a
//!   URL, discovery.
//! - [`convert`]: the conversion rules between hg revisions and git objects.
//! - [`metadata`]: the cinnabar metadata model, and the readers that
//!   rebuild hg texts from git.
//! - [`import`] and [`export`]: hg → git and git → hg, on [`metadata`].
//! - [`query`]: lookups (`hg2git`, `git2hg`) and revision texts (`data`).
//! - [`fsck`]: checking the metadata.
//! - [`helper`]: git's remote-helper protocol, ref styles, tags.
//! - [`cli`]: the `git cinnabar` subcommands.

pub mod cli;
pub mod convert;
pub mod export;
pub mod fsck;
pub mod helper;
pub mod hg;
pub mod import;
pub mod metadata;
pub mod query;
pub mod store;
pub mod util;
pub mod wire;
