//! git-cinnabar: a git remote helper for Mercurial repositories.
//!
//! The modules follow the data flow:
//! - [`hg`]: Mercurial's data formats (node ids, revision texts, deltas,
//!   changegroups, bundles), with no network or git code.
//! - [`store`]: the git side (objects, packs, metadata).
//! - [`import`] and [`export`]: hg → git and git → hg, on [`metadata`].
//! - [`helper`]: git's remote-helper protocol.
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
