//! The integration tests, as one test binary: one link of the library and
//! its dependencies instead of one per file, and fixtures (corpus clones,
//! Mercurial repositories) made once per run and shared by the tests that
//! read them (see `support::fixture`).
//!
//! Run them all with `cargo test --test runner`, or some with a filter on
//! the module path (`cargo test --test runner net_http::`).

mod support;

mod cinnabarclone;
mod clone_cli;
mod clone_corpus;
mod clone_recipes;
mod crash_safety;
mod daily;
mod data;
mod docs;
mod export;
mod fetch_lazy;
mod file_dir_conflict;
mod formats_bad_input;
mod formats_corpus;
mod fsck_corruption;
mod gen_bundle;
mod graft;
mod hg_suite;
mod layers;
mod names;
mod net_clonebundle;
mod net_http;
mod net_refs;
mod net_ssh;
mod net_tags;
mod push;
mod resume;
mod resume_net;
mod rollback;
mod store_notes_corpus;
mod store_notes_git;
mod store_pack;
mod store_refs;
mod store_repo_env;
mod store_write_api;
mod wire_upload;
