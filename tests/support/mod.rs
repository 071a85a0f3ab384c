//! Support for end-to-end tests: the built binary installed as `git-remote-hg`, real
//! `hg` and `git` runners, and the shared corpus.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The Mercurial executable: `$HG`, then `.venv/bin/hg`, then `hg`.
pub fn hg_path() -> PathBuf {
    if let Some(hg) = std::env::var_os("HG") {
        return hg.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/hg");
    if venv.exists() {
        return venv;
    }
    "hg".into()
}

/// The shared directory (`../shared` or `$CINNABAR_SHARED`).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("CINNABAR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
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
pub fn test_path() -> std::ffi::OsString {
    let mut paths = vec![bin_dir().to_path_buf()];
    if let Some(dir) = hg_path().parent().filter(|d| !d.as_os_str().is_empty()) {
        paths.push(dir.to_path_buf());
    }
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// A command with a clean, deterministic environment.
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
        .env("GIT_CINNABAR_CHECK", "no-version-check")
        .env_remove("GIT_DIR")
        .env_remove("GIT_CONFIG_PARAMETERS");
    cmd
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

/// Runs a command and returns its whole output, successful or not.
pub fn output(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs git in `cwd`.
pub fn git(cwd: &Path, args: &[&str]) -> String {
    let mut cmd = command("git", cwd);
    cmd.args(args);
    String::from_utf8_lossy(&run(cmd)).into_owned()
}

/// Runs hg in `cwd`.
pub fn hg(cwd: &Path, args: &[&str]) -> String {
    let mut cmd = command(hg_path(), cwd);
    cmd.args(args);
    String::from_utf8_lossy(&run(cmd)).into_owned()
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
    cmd.args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || stdin.write_all(blobs.as_bytes()).unwrap());
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("changeset "))
        .zip(commits)
        .map(|(hg, git)| format!("{hg} {git}"))
        .collect();
    map.sort();
    map
}

/// `git for-each-ref` of the refs a corpus `.refs` file lists.
pub fn refs(git_dir: &Path) -> Vec<String> {
    git(
        git_dir,
        &["for-each-ref", "--format=%(objectname) %(refname)"],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cinnabar-test")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
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

/// Lines of a corpus map (`NAME.map.gz` or `NAME.map`), sorted.
pub fn read_map(path: &Path) -> Vec<String> {
    use std::io::Read;
    let data = std::fs::read(path).unwrap();
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

/// `git clone --mirror hg::<bundle> <dest>`.
pub fn mirror_clone(bundle: &Path, dest: &Path) {
    let mut cmd = command("git", dest.parent().unwrap());
    cmd.args(["clone", "-q", "--mirror"])
        .arg(format!("hg::{}", bundle.display()))
        .arg(dest);
    run(cmd);
}

/// `git cinnabar <cmd> --batch` with `input` on stdin.
pub fn batch(dir: &Path, cmd: &str, input: String) -> String {
    use std::io::Write;
    let mut c = command("git", dir);
    c.args(["cinnabar", cmd, "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// `git cinnabar fsck --full`.
pub fn fsck_full(dir: &Path) -> Output {
    let mut cmd = command("git", dir);
    cmd.args(["cinnabar", "fsck", "--full"]);
    output(cmd)
}
