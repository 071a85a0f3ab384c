//! cinnabarclone (spec 9.7): a first clone starts from the git mirror of
//! the metadata that `cinnabar.clone` or the server's manifest names (the
//! server side being our `contrib/cinnabarclone.py` under a real
//! `hg serve`), then fetches from Mercurial only what the mirror lacks. A
//! mirror that cannot be used warns and falls back to a normal clone, or
//! fails with `cinnabar.check=cinnabarclone`.
//!
//! The mirror is our clone of the dillo corpus bundle; the server holds
//! the same changesets and two more.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use crate::support::*;

/// The Mercurial repository served: dillo and two new changesets, shared.
fn served_repo() -> PathBuf {
    fixture("cinnabarclone-hg", |dir| {
        let repo = corpus_repo(dir, "dillo", None);
        hg(&repo, &["update", "-q", "default"]);
        commit_file(&repo, "cinnabarclone-a", 1_700_000_000);
        commit_file(&repo, "cinnabarclone-b", 1_700_000_001);
        repo
    })
}

/// A plain clone of [`served_repo`]: what every clone must end with.
fn plain_clone() -> PathBuf {
    fixture("cinnabarclone-plain", |dir| {
        let dest = dir.join("plain.git");
        mirror_clone(&served_repo(), &dest);
        dest
    })
}

/// A server for a copy of [`served_repo`] (`tmp/name`) whose
/// `.hg/cinnabar.manifest` is `manifest` (none when empty), with our
/// extension.
fn serve(tmp: &Path, name: &str, manifest: &str) -> Server {
    let repo = tmp.join(name);
    let mut cmd = command(hg_path(), tmp);
    cmd.args(["clone", "-q", "-U"])
        .arg(served_repo())
        .arg(&repo);
    run(cmd);
    if !manifest.is_empty() {
        std::fs::write(repo.join(".hg/cinnabar.manifest"), manifest).unwrap();
    }
    let ext = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/cinnabarclone.py");
    Server::hg(
        &repo,
        &[&format!("extensions.cinnabarclone={}", ext.display())],
    )
}

/// `git [-c config…] clone --progress -q --mirror hg::<server> <dest>`
/// with extra environment.
fn clone(
    tmp: &Path,
    server: &Server,
    dest: &str,
    configs: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = command("git", tmp);
    for c in configs {
        cmd.args(["-c", c]);
    }
    cmd.args(["clone", "--progress", "-q", "--mirror"])
        .arg(format!("hg::{}", server.url()))
        .arg(tmp.join(dest))
        .env("GIT_CINNABAR_LOG", "cinnabarclone:debug,find-common:debug");
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(cmd)
}

/// The metadata commit's first five parents (trees for the notes), which
/// do not depend on how the metadata got there.
fn metadata_parts(git_dir: &Path) -> String {
    let revs: Vec<String> = ["^1", "^2", "^3^{tree}", "^4^{tree}", "^5^{tree}"]
        .iter()
        .map(|s| format!("refs/cinnabar/metadata{s}"))
        .collect();
    let mut args = vec!["rev-parse"];
    args.extend(revs.iter().map(String::as_str));
    git(git_dir, &args)
}

/// Every ref but the metadata (whose history differs).
fn other_refs(git_dir: &Path) -> Vec<String> {
    refs(git_dir)
        .into_iter()
        .filter(|r| !r.ends_with(" refs/cinnabar/metadata"))
        .collect()
}

/// Checks that `dest` ended where a plain clone does: the corpus map for
/// the bundle's changesets and the plain clone's commits for the new
/// ones, the same refs and metadata, and (when `fsck`) a passing
/// `fsck --full`.
fn assert_same_result(dest: &Path, fsck: bool) {
    let plain = plain_clone();
    let map = notes_map(dest);
    let corpus = corpus_map("dillo");
    let corpus_part: Vec<String> = map.iter().filter(|l| corpus.contains(l)).cloned().collect();
    assert_map(&corpus_part, &corpus, "corpus part");
    assert_map(&map, &notes_map(&plain), "whole map");
    assert_eq!(map.len(), corpus.len() + 2);
    assert_eq!(other_refs(dest), other_refs(&plain));
    assert_eq!(metadata_parts(dest), metadata_parts(&plain));
    if fsck {
        check(&fsck_full(dest));
    }
}

/// Checks that the clone used the mirror whose metadata is `mirror` and
/// asked Mercurial for the two new changesets only.
fn assert_used_mirror(out: &Output, dest: &Path, shown: &str, mirror: &str) {
    check(out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Fetching cinnabar metadata from {shown}\n")),
        "{stderr}"
    );
    assert!(!stderr.contains("Falling back"), "{stderr}");
    // The import from Mercurial read two changesets, on top of the mirror.
    assert!(stderr.contains("Reading changesets: 2, "), "{stderr}");
    assert!(!stderr.contains("Reading changesets: 3"), "{stderr}");
    assert_eq!(
        rev_parse(dest, "refs/cinnabar/metadata^6").as_deref(),
        Some(mirror),
        "the mirror's metadata is the previous state"
    );
    assert_eq!(rev_parse(dest, "refs/cinnabar/fetch"), None);
}

/// `git daemon` exporting a directory, on 127.0.0.1, killed when dropped.
struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(base: &Path) -> Daemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = command("git", base);
        cmd.arg("daemon")
            .arg("--export-all")
            .arg(format!("--base-path={}", base.display()))
            .args(["--listen=127.0.0.1", "--reuseaddr"])
            .arg(format!("--port={port}"))
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().unwrap();
        let daemon = Daemon { child, port };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return daemon;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("git daemon did not start on port {port}");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn from_git_repository() {
    let tmp = tempdir();
    let mirror = corpus_clone("dillo");
    let mirror_metadata = metadata(&mirror).unwrap();
    let daemon = Daemon::start(mirror.parent().unwrap());
    let name = mirror.file_name().unwrap().to_str().unwrap();
    let git_url = format!("git://127.0.0.1:{}/{name}", daemon.port);
    let server = serve(tmp.path(), "hg", &format!("{git_url}\n"));

    // The server's manifest.
    let out = clone(tmp.path(), &server, "daemon.git", &[], &[]);
    let dest = tmp.path().join("daemon.git");
    assert_used_mirror(&out, &dest, &git_url, &mirror_metadata);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DEBUG cinnabarclone: using refs/cinnabar/metadata"),
        "{stderr}"
    );
    assert_same_result(&dest, true);

    // cinnabar.clone, a path, wins over the server's manifest.
    let path = mirror.display().to_string();
    let out = clone(
        tmp.path(),
        &server,
        "path.git",
        &[&format!("cinnabar.clone={path}")],
        &[],
    );
    let dest = tmp.path().join("path.git");
    assert_used_mirror(&out, &dest, &format!("file://{path}"), &mirror_metadata);
    assert_same_result(&dest, true);

    // An empty cinnabar.clone, or a cinnabar.clonebundle, disables the
    // server's manifest.
    for config in [
        "cinnabar.clone=",
        "cinnabar.clonebundle=http://127.0.0.1:1/x",
    ] {
        let out = clone(tmp.path(), &server, "none.git", &[config], &[]);
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("cinnabar metadata"), "{config}: {stderr}");
        std::fs::remove_dir_all(tmp.path().join("none.git")).unwrap();
    }
}

#[test]
fn from_git_bundle_over_http() {
    let tmp = tempdir();
    let mirror = corpus_clone("dillo");
    let mirror_metadata = metadata(&mirror).unwrap();
    let bundle = tmp.path().join("mirror.bundle");
    let mut cmd = command("git", &mirror);
    cmd.args(["bundle", "create", "-q"])
        .arg(&bundle)
        .arg("--all");
    run(cmd);
    let files = Server::wsgi(tmp.path(), &bundle, "file");
    let bundle_url = format!("{}dillo.bundle", files.url());
    let server = serve(tmp.path(), "hg", &format!("{bundle_url}\n"));
    let out = clone(tmp.path(), &server, "bundle.git", &[], &[]);
    let dest = tmp.path().join("bundle.git");
    assert_used_mirror(&out, &dest, &bundle_url, &mirror_metadata);
    assert_same_result(&dest, true);
}

#[test]
fn unusable_mirrors_fall_back() {
    let tmp = tempdir();
    let garbage = tmp.path().join("garbage");
    std::fs::write(&garbage, "# v2 git bundle\nnot a ref line\n").unwrap();
    let files = Server::wsgi(tmp.path(), &garbage, "file");
    // A git repository without cinnabar metadata, whose `metadata`
    // branch is an ordinary commit.
    let other = bare_repo(tmp.path(), "not-cinnabar.git");
    let empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let commit = git(
        &other,
        &[
            "commit-tree",
            empty_tree,
            "-m",
            "files-meta unified-manifests-v2",
        ],
    );
    git(
        &other,
        &["update-ref", "refs/heads/metadata", commit.trim()],
    );
    let server = serve(tmp.path(), "hg", &format!("{}garbage\n", files.url()));
    let other_path = other.display().to_string();
    let mirror_path = corpus_clone("dillo").display().to_string();
    let cases: [(&str, Vec<String>, &str); 5] = [
        (
            "garbage.git",
            vec![],
            "ERROR Could not find cinnabar metadata",
        ),
        (
            "other.git",
            vec![format!("cinnabar.clone={other_path}")],
            "ERROR Invalid cinnabar metadata.",
        ),
        (
            "nobranch.git",
            vec![format!("cinnabar.clone={other_path}#nothing")],
            "ERROR Could not find cinnabar metadata",
        ),
        (
            "unknown.git",
            vec![format!("cinnabar.clone={mirror_path} future=1")],
            "WARNING Server advertizes cinnabarclone but didn't provide an URL",
        ),
        (
            "nowhere.git",
            vec!["cinnabar.clone=http://127.0.0.1:1/nothing".into()],
            "ERROR ",
        ),
    ];
    for (dest, configs, message) in &cases {
        let configs: Vec<&str> = configs.iter().map(String::as_str).collect();
        let out = clone(tmp.path(), &server, dest, &configs, &[]);
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{dest}: {stderr}");
        assert!(
            stderr.contains("WARNING Falling back to normal clone.\n"),
            "{stderr}"
        );
        let fsck = *dest == "garbage.git";
        let dest = tmp.path().join(dest);
        assert_eq!(
            rev_parse(&dest, "refs/cinnabar/metadata^6"),
            None,
            "no mirror"
        );
        assert_same_result(&dest, fsck);
    }

    // With cinnabar.check=cinnabarclone, it is fatal.
    let out = clone(
        tmp.path(),
        &server,
        "fatal.git",
        &[],
        &[("GIT_CINNABAR_CHECK", "no-version-check,cinnabarclone")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cinnabarclone failed"), "{stderr}");
    assert!(!stderr.contains("Falling back"), "{stderr}");

    // A server may not point at local paths.
    drop(server);
    let server = serve(tmp.path(), "local-hg", &format!("{mirror_path}\n"));
    let out = clone(tmp.path(), &server, "local.git", &[], &[]);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("provided a non http/https git repository"),
        "{stderr}"
    );
    assert_same_result(&tmp.path().join("local.git"), false);
}
