//! Mercurial names git refuses in ref names (corpus `edge/branch-names.hg`:
//! `my branch`, `a+b~c`, `caf%é`, `x..y`, `end.lock`; bookmarks `book mark`,
//! `wip~1`; tags) get a ref each, the same from a bundle, a local
//! repository, ssh and http, and each ref maps back to the exact name:
//! listed, pushed to, and fetched as tags.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cinnabar::helper::names::ref_to_hg;

use crate::support::*;

/// The branch refs of branch-names.hg, from any source.
const BRANCH_REFS: [&str; 6] = [
    "f4915ef81ddf5f6fba6754a3b046af496baa5c04 refs/heads/branches/a%2Bb%7Ec/tip",
    "3c0fbf712be2780d7e2eff88ce46c842c0b7ca0c refs/heads/branches/caf%25%C3%A9/tip",
    "2a9eadd1eb3deba640528a5bf6ce0ff8cef1d4d4 refs/heads/branches/default/tip",
    "72a8e37690f46959fba9b2ddc34117aa42b44a43 refs/heads/branches/end%2Elock/tip",
    "5fa0ee8d333c717edd0abab49b0719a34500552e refs/heads/branches/my%20branch/tip",
    "0ac4574f47199d5c822be705031f786696aee6a0 refs/heads/branches/x.%2Ey/tip",
];

/// The bookmark refs of the repository made from it (see `names_repo`).
const BOOKMARK_REFS: [&str; 3] = [
    "5fa0ee8d333c717edd0abab49b0719a34500552e refs/heads/bookmarks/book%20mark",
    "f4915ef81ddf5f6fba6754a3b046af496baa5c04 refs/heads/bookmarks/feat/x",
    "2a9eadd1eb3deba640528a5bf6ce0ff8cef1d4d4 refs/heads/bookmarks/wip%7E1",
];

fn bundle() -> PathBuf {
    corpus("edge/branch-names.hg")
}

/// branch-names.hg unbundled into a repository, with the bookmarks
/// `book mark` (on `my branch`), `feat/x` (on `a+b~c`) and `wip~1` (on
/// `default`), shared: read only.
fn names_repo() -> PathBuf {
    fixture("branch-names-hg", |dir| {
        let repo = dir.join("names-hg");
        hg(dir, &["init", repo.to_str().unwrap()]);
        hg(&repo, &["unbundle", "-q", bundle().to_str().unwrap()]);
        hg(&repo, &["bookmark", "-r", "1", "book mark"]);
        hg(&repo, &["bookmark", "-r", "2", "feat/x"]);
        hg(&repo, &["bookmark", "-r", "7", "wip~1"]);
        repo
    })
}

/// Every ref under `refs/heads/` of a clone, as `<oid> <ref>`, in ref
/// name order.
fn head_refs(git_dir: &Path) -> Vec<String> {
    refs(git_dir)
        .into_iter()
        .filter(|l| l.contains(" refs/heads/"))
        .collect()
}

fn expected_with_bookmarks() -> Vec<String> {
    let mut all: Vec<String> = BRANCH_REFS
        .iter()
        .chain(&BOOKMARK_REFS)
        .map(|s| s.to_string())
        .collect();
    all.sort_by(|a, b| a[41..].cmp(&b[41..]));
    all
}

/// `git clone --mirror <url>`, which must say nothing about refs.
fn clone_quietly(dir: &Path, url: &str, env: &[(&str, &str)]) -> PathBuf {
    let dest = dir.join("clone.git");
    let out = mirror(dir, url, &dest, env);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    dest
}

#[test]
fn bundle_gives_every_branch() {
    let tmp = tempdir();
    let url = format!("hg::{}", bundle().display());
    let dest = clone_quietly(tmp.path(), &url, &[]);
    assert_eq!(head_refs(&dest), BRANCH_REFS);
}

#[test]
fn local_repository_gives_the_same_refs() {
    let tmp = tempdir();
    let url = format!("hg::{}", names_repo().display());
    let dest = clone_quietly(tmp.path(), &url, &[]);
    assert_eq!(head_refs(&dest), expected_with_bookmarks());
}

#[test]
fn ssh_gives_the_same_refs() {
    let tmp = tempdir();
    let ssh = fake_ssh(tmp.path(), tmp.path(), "");
    let url = format!("hg::ssh://localhost/{}", names_repo().display());
    let env = [("GIT_SSH_COMMAND", ssh.to_str().unwrap())];
    let dest = clone_quietly(tmp.path(), &url, &env);
    assert_eq!(head_refs(&dest), expected_with_bookmarks());
}

#[test]
fn http_gives_the_same_refs() {
    let tmp = tempdir();
    let server = Server::hg(&names_repo(), &[]);
    let dest = clone_quietly(tmp.path(), &format!("hg::{}", server.url()), &[]);
    assert_eq!(head_refs(&dest), expected_with_bookmarks());
}

/// `hg <args>` lines, as a set of byte strings.
fn hg_names(repo: &Path, args: &[&str]) -> BTreeSet<Vec<u8>> {
    hg(repo, args)
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

/// The Mercurial names of the refs `git ls-remote` lists in `style` under
/// `prefix`, and after `suffix` is stripped.
fn listed_names(style: &str, prefix: &str, suffix: &str) -> BTreeSet<Vec<u8>> {
    let tmp = tempdir();
    let mut cmd = command("git", tmp.path());
    cmd.args(["-c", &format!("cinnabar.refs={style}"), "ls-remote"])
        .arg(format!("hg::{}", names_repo().display()));
    String::from_utf8(run(cmd))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('\t')?.1.strip_prefix(prefix))
        .filter_map(|r| r.strip_suffix(suffix))
        .map(ref_to_hg)
        .collect()
}

#[test]
fn listed_refs_decode_to_the_hg_names() {
    let repo = names_repo();
    let branches = hg_names(&repo, &["branches", "--closed", "-T", "{branch}\n"]);
    let bookmarks = hg_names(&repo, &["bookmarks", "-T", "{bookmark}\n"]);
    assert_eq!(branches.len(), 6);
    assert_eq!(bookmarks.len(), 3);
    assert_eq!(
        listed_names("all", "refs/heads/branches/", "/tip"),
        branches
    );
    assert_eq!(listed_names("all", "refs/heads/bookmarks/", ""), bookmarks);
    assert_eq!(listed_names("tips", "refs/heads/", ""), branches);
    assert_eq!(listed_names("bookmarks", "refs/heads/", ""), bookmarks);
}

/// A git clone (with a work tree) of a copy of `names_repo`.
fn work_clone(dir: &Path) -> (PathBuf, PathBuf) {
    let repo = dir.join("names-hg");
    copy_dir(&names_repo(), &repo);
    let work = dir.join("work");
    git(
        dir,
        &[
            "clone",
            "-q",
            &format!("hg::{}", repo.display()),
            work.to_str().unwrap(),
        ],
    );
    (repo, work)
}

/// Commits a new file `name` on top of `start` in the work tree.
fn commit_on(work: &Path, start: &str, name: &str) -> String {
    git(work, &["checkout", "-q", "--detach", start]);
    std::fs::write(work.join(name), format!("{name}\n")).unwrap();
    git(work, &["add", name]);
    git(work, &["commit", "-q", "-m", name]);
    git(work, &["rev-parse", "HEAD"]).trim().to_string()
}

/// The hg changeset of a git commit.
fn git2hg(work: &Path, commit: &str) -> String {
    git(work, &["cinnabar", "git2hg", commit])
        .trim()
        .to_string()
}

#[test]
fn pushes_reach_the_exact_names() {
    let tmp = tempdir();
    let (repo, work) = work_clone(tmp.path());
    let push = |args: &[&str]| {
        let mut cmd = command("git", &work);
        cmd.arg("push").args(args);
        check(&output(cmd));
    };

    // The tip of `a+b~c`.
    let c = commit_on(&work, "origin/branches/a%2Bb%7Ec/tip", "on-abc");
    push(&["origin", "HEAD:refs/heads/branches/a%2Bb%7Ec/tip"]);
    let node = git2hg(&work, &c);
    let branch = hg(&repo, &["log", "-r", &node, "-T", "{branch}"]);
    assert_eq!(branch, "a+b~c");
    let heads = hg(&repo, &["heads", "-T", "{branch}\n"]);
    assert_eq!(heads.lines().filter(|b| *b == "a+b~c").count(), 1);

    // The bookmark `wip~1`, moved forward.
    let c = commit_on(&work, "origin/bookmarks/wip%7E1", "on-wip");
    push(&["origin", "HEAD:refs/heads/bookmarks/wip%7E1"]);
    let node = git2hg(&work, &c);
    let marks = hg(&repo, &["bookmarks", "-T", "{bookmark} {node}\n"]);
    assert!(
        marks.lines().any(|l| l == format!("wip~1 {node}")),
        "{marks}"
    );

    // A new bookmark and a new branch, named with escapes.
    let c = commit_on(&work, "origin/branches/caf%25%C3%A9/tip", "new");
    push(&[
        "origin",
        "HEAD:refs/heads/branches/new%20one%7E2/tip",
        "HEAD:refs/heads/bookmarks/new%20mark%25",
    ]);
    let node = git2hg(&work, &c);
    let branch = hg(&repo, &["log", "-r", &node, "-T", "{branch}"]);
    assert_eq!(branch, "new one~2");
    let marks = hg(&repo, &["bookmarks", "-T", "{bookmark} {node}\n"]);
    assert!(
        marks.lines().any(|l| l == format!("new mark% {node}")),
        "{marks}"
    );

    // Fetched back, the refs are the ones pushed to.
    git(&work, &["fetch", "-q", "origin"]);
    let listed = git(
        &work,
        &["for-each-ref", "--format=%(refname)", "refs/remotes"],
    );
    for r in [
        "refs/remotes/origin/branches/new%20one%7E2/tip",
        "refs/remotes/origin/bookmarks/new%20mark%25",
    ] {
        assert!(listed.lines().any(|l| l == r), "{r} not in {listed}");
    }
}

#[test]
fn tags_get_refs_and_decode_to_their_names() {
    let tmp = tempdir();
    let repo = tmp.path().join("names-hg");
    copy_dir(&names_repo(), &repo);
    hg(&repo, &["update", "-q", "default"]);
    for (rev, name) in [
        ("1", "rel 1~x"),
        ("2", "v1..2"),
        ("3", "caf\u{e9}%"),
        ("4", "v2"),
    ] {
        hg(
            &repo,
            &["tag", "-u", "nobody", "-d", "100 0", "-r", rev, name],
        );
    }
    let git_dir = tmp.path().join("clone.git");
    mirror_clone(&repo, &git_dir);
    let mut cmd = command("git", &git_dir);
    cmd.args(["cinnabar", "fetch", "--tags"]);
    let out = output(cmd);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    let tags = git(
        &git_dir,
        &["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"],
    );
    let tags: Vec<&str> = tags.lines().collect();
    assert_eq!(tags, ["caf\u{e9}%25", "rel%201%7Ex", "v1.%2E2", "v2"]);
    let decoded: BTreeSet<Vec<u8>> = tags.iter().map(|t| ref_to_hg(t)).collect();
    let expected: BTreeSet<Vec<u8>> = hg_names(&repo, &["tags", "-T", "{tag}\n"])
        .into_iter()
        .filter(|t| t != b"tip")
        .collect();
    assert_eq!(decoded, expected);
}
