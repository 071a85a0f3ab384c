//! git's remote-helper protocol (`capabilities`, `option`, `list`, `import`).

/// Runs the remote helper for `remote` at `url`, talking to git on
/// stdin/stdout.
pub fn run(_remote: &str, _url: Option<&str>) -> crate::cli::Outcome {
    crate::cli::not_implemented("remote-hg")
}
