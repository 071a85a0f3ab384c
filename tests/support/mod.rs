//! What the tests share: the real `git` and `hg` run with a clean
//! environment (the built binary first on PATH as `git-remote-hg`), the
//! shared corpus, corpus clones made once per run ([`fixture`]), servers
//! ([`server`]) and bundle helpers ([`bundle`]).
//!
//! A test that cannot run fails: a missing Mercurial or corpus panics with
//! a message saying how to get it.

pub mod bundle;
pub mod fixture;
pub mod server;

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use cinnabar::store::{
    ConfigOverrides, Kind, MemoryStore, ObjectId, ObjectRead, ObjectWrite, Repo,
};

pub use bundle::*;
pub use fixture::*;
pub use server::*;

/// The result of tests that use `?` on the library's errors.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The shared directory (`$CINNABAR_SHARED`, else `../shared` next to the
/// project).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("CINNABAR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// The corpus directory of the shared directory; fails the test when it
/// is missing.
pub fn corpus_dir() -> PathBuf {
    let dir = shared_dir().join("corpus");
    assert!(
        dir.is_dir(),
        "shared corpus not found at {}: put it at ../shared or set CINNABAR_SHARED",
        dir.display()
    );
    dir
}

/// `path` of the corpus directory; fails the test when it is missing.
pub fn corpus(path: impl AsRef<Path>) -> PathBuf {
    let path = corpus_dir().join(path);
    assert!(path.exists(), "{} missing from the corpus", path.display());
    path
}

/// The names of the corpus's edge bundles (`edge/NAME.hg`), sorted, but
/// `tampered` (refused by design).
pub fn edge_bundle_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus("edge"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".hg").map(str::to_string)
        })
        .filter(|n| n != "tampered")
        .collect();
    names.sort();
    names
}

/// The Mercurial executable: `$HG`, then the project's `.venv/bin/hg`,
/// then `hg` on PATH. Fails the test when none of them runs.
pub fn hg_path() -> PathBuf {
    static HG: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = HG.get_or_init(|| {
        let candidate: PathBuf = match std::env::var_os("HG") {
            Some(hg) => hg.into(),
            None => {
                let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/hg");
                if venv.exists() {
                    venv
                } else {
                    "hg".into()
                }
            }
        };
        match Command::new(&candidate)
            .arg("--version")
            .env("HGPLAIN", "1")
            .env("HGRCPATH", "")
            .output()
        {
            Ok(out) if out.status.success() => Ok(candidate),
            Ok(out) => Err(format!(
                "{} --version failed: {}",
                candidate.display(),
                String::from_utf8_lossy(&out.stderr)
            )),
            Err(e) => Err(format!("cannot run {}: {e}", candidate.display())),
        }
    });
    match found {
        Ok(hg) => hg.clone(),
        Err(e) => panic!("Mercurial not found: run .ci/setup or set HG ({e})"),
    }
}

/// A directory holding `git-cinnabar` and `git-remote-hg` (links to the
/// built binary), to put first on PATH.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        let exe = Path::new(env!("CARGO_BIN_EXE_git-cinnabar"));
        for name in ["git-cinnabar", "git-remote-hg"] {
            let link = dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(exe, &link).unwrap();
        }
        dir
    })
}

/// PATH with our binaries and hg first.
pub fn test_path() -> OsString {
    let mut paths = vec![bin_dir().to_path_buf()];
    if let Some(dir) = hg_path().parent().filter(|d| !d.as_os_str().is_empty()) {
        paths.push(dir.to_path_buf());
    }
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// A command in `cwd` with a clean, deterministic environment.
pub fn command(program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd)
        .env("PATH", test_path())
        .env("HGPLAIN", "1")
        .env("HGRCPATH", "")
        .env("HGENCODING", "utf-8")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .env("GIT_CINNABAR_CHECK", "no-version-check");
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs a command and returns its whole output, successful or not.
pub fn output(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Fails with the output of a failed command.
pub fn check(out: &Output) {
    assert!(
        out.status.success(),
        "failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command, failing the test with its output when it fails.
pub fn run(mut cmd: Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.stdout
}

/// Runs a command with `input` on its standard input, failing the test
/// when it fails; returns its standard output.
pub fn run_with_input(mut cmd: Command, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out.stdout
}

/// Runs git in `cwd`.
pub fn git(cwd: &Path, args: &[&str]) -> String {
    let mut cmd = command("git", cwd);
    cmd.args(args);
    String::from_utf8_lossy(&run(cmd)).into_owned()
}

/// Runs git in `cwd` with `input` on its standard input; returns its
/// standard output.
pub fn git_stdin(cwd: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut cmd = command("git", cwd);
    cmd.args(args);
    run_with_input(cmd, input)
}

/// Runs hg in `cwd`.
pub fn hg(cwd: &Path, args: &[&str]) -> String {
    let mut cmd = command(hg_path(), cwd);
    cmd.args(args);
    String::from_utf8_lossy(&run(cmd)).into_owned()
}

/// `git rev-parse --verify <rev>`, if it names something.
pub fn rev_parse(git_dir: &Path, rev: &str) -> Option<String> {
    let mut cmd = command("git", git_dir);
    cmd.args(["rev-parse", "-q", "--verify", rev]);
    let out = output(cmd);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The value of `refs/cinnabar/metadata`, if any.
pub fn metadata(git_dir: &Path) -> Option<String> {
    rev_parse(git_dir, "refs/cinnabar/metadata")
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cinnabar-test")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// A new bare repository `parent/name`.
pub fn bare_repo(parent: &Path, name: &str) -> PathBuf {
    let dest = parent.join(name);
    git(parent, &["init", "-q", "--bare", dest.to_str().unwrap()]);
    dest
}

/// Opens a repository with no configuration overrides.
pub fn open(path: &Path) -> TestResult<Repo> {
    Ok(Repo::open_at(path, ConfigOverrides::new())?)
}

/// The `<hg changeset> <git commit>` pairs of a clone, sorted, read from
/// `refs/notes/cinnabar` with git itself.
pub fn notes_map(git_dir: &Path) -> Vec<String> {
    let list = git(git_dir, &["notes", "--ref=cinnabar", "list"]);
    let mut blobs = String::new();
    let mut commits = Vec::new();
    for line in list.lines() {
        let (blob, commit) = line.split_once(' ').unwrap();
        blobs.push_str(blob);
        blobs.push('\n');
        commits.push(commit.to_string());
    }
    let mut cmd = command("git", git_dir);
    cmd.args(["cat-file", "--batch"]);
    let out = run_with_input(cmd, blobs.as_bytes());
    let text = String::from_utf8_lossy(&out);
    let mut map: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("changeset "))
        .zip(commits)
        .map(|(hg, git)| format!("{hg} {git}"))
        .collect();
    map.sort();
    map
}

/// `<object> <ref>` for every ref, as `git for-each-ref` lists them.
pub fn refs(git_dir: &Path) -> Vec<String> {
    git(
        git_dir,
        &["for-each-ref", "--format=%(objectname) %(refname)"],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// The recipe of git-cinnabar's tests: `echo X > X; hg add X;
/// hg commit -m X -u nobody -d "<date> 0"`.
pub fn commit_file(repo: &Path, name: &str, date: u32) {
    std::fs::write(repo.join(name), format!("{name}\n")).unwrap();
    hg(repo, &["add", name]);
    hg(
        repo,
        &[
            "commit",
            "-m",
            name,
            "-u",
            "nobody",
            "-d",
            &format!("{date} 0"),
        ],
    );
}

/// The number of changesets in a Mercurial repository.
pub fn hg_count(repo: &Path) -> usize {
    hg(repo, &["log", "-T", "x"]).len()
}

/// A Mercurial repository `dir/NAME-hg` holding the corpus repository
/// `name`, up to revision `rev` when given.
pub fn corpus_repo(dir: &Path, name: &str, rev: Option<u32>) -> PathBuf {
    let bundle = corpus(format!("{name}.hg"));
    let dest = dir.join(format!("{name}-hg"));
    let mut args = vec!["clone".to_string(), "-q".into(), "-U".into()];
    if let Some(r) = rev {
        args.push("-r".into());
        args.push(r.to_string());
    }
    args.push(bundle.to_str().unwrap().into());
    args.push(dest.to_str().unwrap().into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    hg(dir, &args);
    dest
}

/// Adds more of the corpus repository `name` to `repo`: up to `rev`, or
/// all of it.
pub fn complete_repo(repo: &Path, name: &str, rev: Option<u32>) {
    let bundle = corpus(format!("{name}.hg"));
    let rev = rev.map(|r| r.to_string());
    let mut args = vec!["pull", "-q"];
    if let Some(r) = &rev {
        args.extend(["-r", r]);
    }
    args.push(bundle.to_str().unwrap());
    hg(repo, &args);
}

/// Lines of a map file (`NAME.map.gz` or `NAME.map`), sorted.
pub fn read_map(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&data[..])
            .read_to_string(&mut out)
            .unwrap();
        out
    } else {
        String::from_utf8(data).unwrap()
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// The corpus map of `name`, sorted.
pub fn corpus_map(name: &str) -> Vec<String> {
    read_map(&corpus(format!("{name}.map.gz")))
}

/// The lines of a `.refs` file, sorted.
pub fn read_refs(path: &Path) -> Vec<String> {
    let mut refs: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect();
    refs.sort();
    refs
}

/// The refs of the corpus clone of `name` (`NAME.refs`), sorted.
pub fn corpus_refs(name: &str) -> Vec<String> {
    read_refs(&corpus(format!("{name}.refs")))
}

/// Asserts that `actual` is `expected` (both sorted).
pub fn assert_map(actual: &[String], expected: &[String], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: number of changesets");
    let diff: Vec<_> = expected
        .iter()
        .zip(actual)
        .filter(|(a, b)| a != b)
        .take(5)
        .collect();
    assert!(
        diff.is_empty(),
        "{what}: first differences (expected, actual): {diff:?}"
    );
}

/// Asserts that every line of `actual` is in `expected` and that there are
/// `count` of them.
pub fn assert_submap(actual: &[String], expected: &[String], count: usize, what: &str) {
    assert_eq!(actual.len(), count, "{what}: number of changesets");
    let set: std::collections::HashSet<&String> = expected.iter().collect();
    let bad: Vec<_> = actual.iter().filter(|l| !set.contains(l)).take(5).collect();
    assert!(bad.is_empty(), "{what}: unexpected pairs {bad:?}");
}

/// `git clone --mirror -q <url> <dest>` with extra environment.
pub fn mirror(cwd: &Path, url: &str, dest: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = command("git", cwd);
    cmd.args(["clone", "-q", "--mirror", url]).arg(dest);
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(cmd)
}

/// `git clone --mirror hg::<bundle or repository> <dest>`.
pub fn mirror_clone(source: &Path, dest: &Path) {
    let url = format!("hg::{}", source.display());
    check(&mirror(dest.parent().unwrap(), &url, dest, &[]));
}

/// `git cinnabar <cmd> --batch` with `input` on stdin.
pub fn batch(dir: &Path, cmd: &str, input: String) -> String {
    let mut c = command("git", dir);
    c.args(["cinnabar", cmd, "--batch"]);
    String::from_utf8(run_with_input(c, input.as_bytes())).unwrap()
}

/// `git cinnabar fsck --full`.
pub fn fsck_full(dir: &Path) -> Output {
    let mut cmd = command("git", dir);
    cmd.args(["cinnabar", "fsck", "--full"]);
    output(cmd)
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
