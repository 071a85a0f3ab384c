//! Helpers shared by the format integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use cinnabar::hg::verify::{verify_bundle_with, RevisionKind, VerifyStats};
use cinnabar::hg::{FormatError, HgNode};

/// The shared directory holding the corpus: `$CINNABAR_SHARED`, else
/// `$CARGO_MANIFEST_DIR/../shared`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("CINNABAR_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// The `.hg` files of a directory, sorted.
pub fn bundles_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hg"))
        .collect();
    v.sort();
    v
}

/// Mercurial, as [`hg_path`] finds it. Tests that need it fail when it is
/// missing: `.ci/setup` installs it.
pub fn find_hg() -> Option<PathBuf> {
    Some(hg_path())
}

/// Runs hg in `cwd` with a neutral configuration.
pub fn hg(hg: &Path, cwd: &Path, args: &[&str]) {
    let out = Command::new(hg)
        .args(args)
        .current_dir(cwd)
        .env("HGRCPATH", "")
        .env("HGPLAIN", "1")
        .env("HGUSER", "Test <test@example.com>")
        .env("HGENCODING", "utf-8")
        .output()
        .expect("cannot run hg");
    assert!(
        out.status.success(),
        "hg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates a small repository in `dir/repo`: a few commits, a rename, an
/// executable file, a symlink, a named branch and a merge.
pub fn make_repo(hgbin: &Path, dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let run = |args: &[&str]| hg(hgbin, &repo, args);
    let write = |name: &str, content: &str| {
        let p = repo.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    };
    let mut date = 0;
    let mut commit = |msg: &str| {
        date += 1000;
        hg(
            hgbin,
            &repo,
            &["commit", "-q", "-A", "-m", msg, "-d", &format!("{date} 0")],
        );
    };
    run(&["init"]);
    write("a", "line 1\nline 2\nline 3\n");
    write("dir/b", "b content\n");
    commit("first");
    let big: String = (0..2000).map(|i| format!("big line {i}\n")).collect();
    write("a", "line 1\nline 2 changed\nline 3\nline 4\n");
    write("big", &big);
    commit("second");
    run(&["mv", "a", "renamed"]);
    commit("rename a");
    let p = repo.join("dir/b");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    commit("make b executable");
    std::os::unix::fs::symlink("renamed", repo.join("link")).unwrap();
    write("big", &big.replace("big line 1000\n", "middle\n"));
    commit("add a symlink");
    run(&["branch", "-q", "stable"]);
    write("stable-only", "on the branch\n");
    write(
        "renamed",
        "line 1\nline 2 changed\nline 3\nline 4\nbranch line\n",
    );
    commit("on a branch");
    run(&["update", "-q", "default"]);
    write("dir/c", "c\n");
    commit("back on default");
    run(&["merge", "-q", "stable"]);
    commit("merge");
    repo
}

/// A revision seen in a bundle.
pub type Seen = (RevisionKind, Vec<u8>, HgNode);

/// Verifies a bundle, returning its stats and its revisions, sorted.
pub fn verify(data: &[u8]) -> Result<(VerifyStats, Vec<Seen>), FormatError> {
    let mut seen = Vec::new();
    let stats = verify_bundle_with(data, None, &mut |r| {
        seen.push((r.kind, r.file.to_vec(), r.chunk.node));
    })?;
    seen.sort();
    Ok((stats, seen))
}

/// xorshift64*: a small deterministic PRNG.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Rewrites every changegroup of a bundle (chunks copied as they are) into
/// a bundle of the given specification. Raw and v1 specifications take the
/// first changegroup only, which must be version 01.
pub fn reencode(data: &[u8], spec: cinnabar::hg::bundle::BundleSpec) -> Vec<u8> {
    use cinnabar::hg::bundle::ChangegroupWriter;
    use cinnabar::hg::bundle::{Bundle1Writer, Bundle2Writer, BundleReader, BundleSpec};
    use std::io::Write;

    let mut bundle = BundleReader::open(data).unwrap();
    let mut cgs = Vec::new();
    while let Some(mut cg) = bundle.next_changegroup().unwrap() {
        let mut w = ChangegroupWriter::new(Vec::new(), cg.version());
        for _ in 0..2 {
            while let Some(c) = cg.next_revision().unwrap() {
                w.write_revision(&c).unwrap();
            }
            w.end_group().unwrap();
        }
        while let Some(name) = cg.next_file().unwrap().map(<[u8]>::to_vec) {
            w.start_file(&name).unwrap();
            while let Some(c) = cg.next_revision().unwrap() {
                w.write_revision(&c).unwrap();
            }
            w.end_group().unwrap();
        }
        cgs.push((cg.version(), w.finish().unwrap()));
    }
    match spec {
        BundleSpec::Raw => cgs.swap_remove(0).1,
        BundleSpec::V1(c) => {
            let mut w = Bundle1Writer::new(Vec::new(), c).unwrap();
            w.write_all(&cgs[0].1).unwrap();
            w.finish().unwrap()
        }
        BundleSpec::V2(c) => {
            let mut w = Bundle2Writer::new(Vec::new(), c).unwrap();
            for (version, cg) in &cgs {
                w.add_part("changegroup", true, &[("version", version.as_str())], cg)
                    .unwrap();
            }
            w.finish().unwrap()
        }
    }
}

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
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
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
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
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
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
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
    cmd.args(["cat-file", "--batch"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
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
    git(git_dir, &["for-each-ref", "--format=%(objectname) %(refname)"])
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
