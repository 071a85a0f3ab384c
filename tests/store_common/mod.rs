//! Helpers shared by the integration tests: running the real `git`, and
//! temporary repositories.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::borrow::Cow;

use cinnabar::store::{
    ConfigOverrides, Kind, MemoryStore, ObjectId, ObjectRead, ObjectWrite, Repo,
};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Runs `git` in `dir` with a clean, predictable environment.
pub fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_CONFIG_PARAMETERS")
        .env_remove("GIT_CONFIG_COUNT")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
    cmd
}

/// Runs `git`, failing unless it succeeds; returns its output.
pub fn git(dir: &Path, args: &[&str]) -> TestResult<Output> {
    let out = git_cmd(dir, args).stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(format!(
            "git {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(out)
}

/// Runs `git` and returns its trimmed standard output.
pub fn git_str(dir: &Path, args: &[&str]) -> TestResult<String> {
    Ok(String::from_utf8(git(dir, args)?.stdout)?
        .trim_end()
        .to_string())
}

/// Runs `git` with `input` on its standard input.
pub fn git_stdin(dir: &Path, args: &[&str], input: &[u8]) -> TestResult<Output> {
    use std::io::Write;
    let mut child = git_cmd(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    writer.join().map_err(|_| "stdin writer panicked")??;
    if !out.status.success() {
        return Err(format!(
            "git {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(out)
}

/// A new bare repository in a temporary directory.
pub fn bare_repo() -> TestResult<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("repo.git");
    git(dir.path(), &["init", "-q", "--bare", "repo.git"])?;
    Ok((dir, path))
}

/// Opens a repository with no configuration overrides.
pub fn open(path: &Path) -> TestResult<Repo> {
    Ok(Repo::open_at(path, ConfigOverrides::new())?)
}

/// The shared corpus directory, if present.
pub fn corpus_dir() -> Option<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// Reads objects from a repository, writes them to memory: for computing
/// tree ids against a repository without writing to it.
pub struct Overlay<'a> {
    pub repo: &'a Repo,
    pub mem: MemoryStore,
}

impl ObjectRead for Overlay<'_> {
    fn try_read(
        &mut self,
        oid: &ObjectId,
        out: &mut Vec<u8>,
    ) -> cinnabar::store::Result<Option<Kind>> {
        if self.mem.contains(oid) {
            return self.mem.try_read(oid, out);
        }
        self.repo.try_read_object(oid, out)
    }
}

impl ObjectWrite for Overlay<'_> {
    fn write_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
    ) -> cinnabar::store::Result<()> {
        self.mem.write_hashed(oid, kind, data)
    }
}
