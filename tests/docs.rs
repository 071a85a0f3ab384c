//! The checked-in man pages and completions match the command definition.

#[test]
fn generated_docs_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for file in cinnabar::cli::docs::render().unwrap() {
        let on_disk = std::fs::read(root.join(&file.path)).unwrap_or_default();
        if on_disk != file.content {
            stale.push(file.path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run --bin gen-docs`): {stale:?}"
    );
}

#[test]
fn help_lists_subcommands() {
    let help = cinnabar::cli::command().render_help().to_string();
    for sub in [
        "clone", "fetch", "fsck", "hg2git", "git2hg", "rollback", "clear", "data", "bundle",
        "unbundle", "setup",
    ] {
        assert!(
            help.contains(&format!("  {sub} ")),
            "{sub} missing from:\n{help}"
        );
    }
}
