//! Graft mode (spec 3.8, 2.6): `git -c cinnabar.graft=true fetch` of a
//! Mercurial repository into a git repository that has its history as
//! another converter made it (here: our clone's history with a newline
//! appended to every message, as git-cinnabar's own CI makes it). The
//! expected ids are git-cinnabar 0.7.4's results on the same inputs, made
//! by the same commands: the metadata commit covers the notes, the heads
//! and the replace tree.

use std::path::{Path, PathBuf};

use crate::support::*;

/// The root changeset `a`, and the other changesets of the repository.
const A: &str = "27cbe626bd8095859209eeac56ecbf5053e63e77";
const B: &str = "799b7f6b1140a3166ec3e13e9df72e422e388e06";
const C: &str = "ec26ef5257b4d4e9a868426c5a79b028fb98df78";
const D: &str = "9a017dde592d917597b9f3e798c8ee88a536df24";
const E: &str = "6bcfc0117337f2fcc61e80911a45d9c2aec22893";
/// `f`, on top of `e`, only in the larger repository.
const F: &str = "d45fbbe75658a8e6166030ee5691322e45810b1e";

/// The other converter's commits (messages with a trailing newline).
const X_A: &str = "c1008c0c2611ce03ea142683dba1cd8f94d5e8a2";
const X_B: &str = "c054094bd8cdcc42fd964dbd1498dd29e51f87fe";
const X_C: &str = "93ee83212f110b7ae4410bb33d25669a8a30694d";
const X_D: &str = "4b602afa20101038cad756ed7590416181030ff4";
const X_E: &str = "4b7a500999d2b26ab1652018d4659310382e6ff6";
/// git-cinnabar's own commit for `a`: the replacement of `X_A`.
const Y_A: &str = "ed1056afd55834aa9a0ca687532ac837001d317b";

/// The metadata after grafting everything, and after the partial graft.
const FULL_METADATA: &str = "ef882038db68350481d8ffcf8edf1f9081d69698";
const PARTIAL_METADATA: &str = "6a69df4410876e4a80b0c265ac0b0796bfe4f25c";
/// The commit `f` gets, on top of `X_E`.
const F_COMMIT: &str = "bf516c568856d429aacc10cac8faa53dfdab41a6";
/// The two copies of the root commit of the ambiguous case.
const AMBIGUOUS: [&str; 2] = [
    "53ef0df3cf002ffd24327adcde3e6f764aadf2d5",
    "0a70eb75bf1cc04eb7149588342d70812e6385a5",
];

fn hg_commit(repo: &Path, user: &str, date: &str, message: &str) {
    hg(
        repo,
        &["commit", "-q", "-u", user, "-d", date, "-m", message],
    );
}

/// The Mercurial repository: `a`, `b`, `c` (a branch off `a`), the merge
/// `d`, then `e`; with `f` on top when `more`.
fn make_hg(dir: &Path, name: &str, more: bool) -> PathBuf {
    let repo = dir.join(name);
    hg(dir, &["init", name]);
    let user = "Foo Bar <foo@bar>";
    let write = |f: &str, text: &str| {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(repo.join(f))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    write("a", "a\n");
    hg(&repo, &["add", "-q", "a"]);
    hg_commit(&repo, user, "1000 0", "a");
    write("b", "b\n");
    hg(&repo, &["add", "-q", "b"]);
    hg_commit(&repo, user, "2000 3600", "b\nwith body");
    hg(&repo, &["update", "-q", "0"]);
    write("c", "c\n");
    hg(&repo, &["add", "-q", "c"]);
    hg_commit(&repo, "baz", "3000 -7200", "c");
    hg(&repo, &["merge", "-q", "1"]);
    hg_commit(&repo, user, "4000 0", "d");
    write("a", "e\n");
    hg_commit(&repo, user, "5000 0", "e");
    if more {
        write("f", "f\n");
        hg(&repo, &["add", "-q", "f"]);
        hg_commit(&repo, user, "6000 0", "f");
    }
    repo
}

/// Rewrites every commit of `git_dir` the way `other_converter` says
/// (fast-export, then fast-import over the same refs).
fn rewrite_as_other_converter(git_dir: &Path) {
    let mut cmd = command("git", git_dir);
    cmd.args(["fast-export", "--no-data", "--all"]);
    let stream = run(cmd);
    git_stdin(
        git_dir,
        &["fast-import", "--quiet", "--force"],
        &other_converter(&stream),
    );
}

/// Rewrites a `git fast-export` stream as another converter would have
/// made the history: every message gets a trailing newline.
fn other_converter(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream.len());
    let mut rest = stream;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        match line.strip_prefix(b"data ") {
            Some(n) => {
                let n: usize = std::str::from_utf8(n).unwrap().trim().parse().unwrap();
                let (data, tail) = rest.split_at(n);
                rest = tail;
                out.extend_from_slice(format!("data {}\n", n + 1).as_bytes());
                out.extend_from_slice(data);
                out.push(b'\n');
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// A git repository whose `origin` is `hg::<url>`, with the history of
/// `repo.hg` (cloned by us, then the metadata cleared) rewritten by
/// [`other_converter`].
fn converted(dir: &Path, name: &str, hg_repo: &Path, url: &Path) -> PathBuf {
    let git_dir = dir.join(name);
    let url = format!("hg::{}", url.display());
    let source = format!("hg::{}", hg_repo.display());
    git(dir, &["clone", "-q", &source, name]);
    git(&git_dir, &["cinnabar", "clear"]);
    git(&git_dir, &["remote", "set-head", "origin", "-d"]);
    git(&git_dir, &["remote", "set-url", "origin", &url]);
    rewrite_as_other_converter(&git_dir);
    git_dir
}

fn graft_fetch(git_dir: &Path) -> std::process::Output {
    let mut cmd = command("git", git_dir);
    cmd.args(["-c", "cinnabar.graft=true", "fetch", "-q", "origin"]);
    output(cmd)
}

fn hg2git(git_dir: &Path, nodes: &[&str]) -> Vec<String> {
    let mut args = vec!["cinnabar", "hg2git"];
    args.extend_from_slice(nodes);
    git(git_dir, &args).lines().map(str::to_string).collect()
}

fn fsck_ok(git_dir: &Path) {
    let out = fsck_full(git_dir);
    check(&out);
}

#[test]
fn graft_everything() {
    let tmp = tempdir();
    let repo = make_hg(tmp.path(), "repo.hg", false);
    let git_dir = converted(tmp.path(), "full", &repo, &repo);
    assert_eq!(
        git(&git_dir, &["rev-parse", "origin/branches/default/tip"]).trim(),
        X_E
    );
    let out = graft_fetch(&git_dir);
    check(&out);
    assert_eq!(metadata(&git_dir).as_deref(), Some(FULL_METADATA));
    // The root needs a patch and nothing was grafted yet: git-cinnabar's
    // own commit stands for it, replacing the grafted one.
    assert_eq!(
        rev_parse(&git_dir, &format!("refs/cinnabar/replace/{X_A}")).as_deref(),
        Some(Y_A)
    );
    assert_eq!(
        hg2git(&git_dir, &[A, B, C, D, E]),
        [Y_A, X_B, X_C, X_D, X_E]
    );
    assert_eq!(
        git(&git_dir, &["rev-parse", "origin/branches/default/tip"]).trim(),
        X_E
    );
    assert_eq!(
        git(&git_dir, &["cinnabar", "git2hg", X_A]).trim(),
        A,
        "the grafted root is seen through the replace map"
    );
    fsck_ok(&git_dir);
    // The bundle of the grafted history is the Mercurial repository.
    let bundle = tmp.path().join("all.hg");
    git(
        &git_dir,
        &["cinnabar", "bundle", bundle.to_str().unwrap(), "--all"],
    );
    hg(tmp.path(), &["init", "back.hg"]);
    hg(
        &tmp.path().join("back.hg"),
        &["unbundle", "-q", bundle.to_str().unwrap()],
    );
    let nodes = |r: &str| {
        let mut n: Vec<String> = hg(&tmp.path().join(r), &["log", "-T", "{node}\n"])
            .lines()
            .map(str::to_string)
            .collect();
        n.sort();
        n
    };
    assert_eq!(nodes("back.hg"), nodes("repo.hg"));
}

#[test]
fn graft_partial() {
    let tmp = tempdir();
    let repo = make_hg(tmp.path(), "repo.hg", false);
    let more = make_hg(tmp.path(), "more.hg", true);
    let git_dir = converted(tmp.path(), "partial", &repo, &more);
    check(&graft_fetch(&git_dir));
    assert_eq!(metadata(&git_dir).as_deref(), Some(PARTIAL_METADATA));
    assert_eq!(
        hg2git(&git_dir, &[A, B, C, D, E, F]),
        [Y_A, X_B, X_C, X_D, X_E, F_COMMIT]
    );
    // `f` descends from the grafted commit, not from its replacement.
    assert_eq!(
        git(&git_dir, &["rev-parse", &format!("{F_COMMIT}^")]).trim(),
        X_E
    );
    fsck_ok(&git_dir);
}

#[test]
fn graft_ambiguous() {
    let tmp = tempdir();
    let repo = make_hg(tmp.path(), "repo.hg", false);
    let git_dir = tmp.path().join("amb");
    git(tmp.path(), &["init", "-q", "amb"]);
    let url = format!("hg::{}", repo.display());
    git(&git_dir, &["remote", "add", "origin", &url]);
    let blob = git_stdin(&git_dir, &["hash-object", "-w", "--stdin"], b"a\n");
    let blob = String::from_utf8(blob).unwrap();
    let tree = git_stdin(
        &git_dir,
        &["mktree"],
        format!("100644 blob {}\ta\n", blob.trim()).as_bytes(),
    );
    let tree = String::from_utf8(tree).unwrap();
    // Two copies of the root commit, differing only by committer date.
    for (branch, date) in [("one", "@1500 +0000"), ("two", "@1600 +0000")] {
        let mut cmd = command("git", &git_dir);
        cmd.args(["commit-tree", tree.trim()])
            .env("GIT_AUTHOR_NAME", "Foo Bar")
            .env("GIT_AUTHOR_EMAIL", "foo@bar")
            .env("GIT_AUTHOR_DATE", "@1000 +0000")
            .env("GIT_COMMITTER_DATE", date);
        let commit = String::from_utf8(run_with_input(cmd, b"a\n")).unwrap();
        git(
            &git_dir,
            &["update-ref", &format!("refs/heads/{branch}"), commit.trim()],
        );
    }
    let out = graft_fetch(&git_dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "Cannot graft {A}. Candidates: {}, {}",
        AMBIGUOUS[0], AMBIGUOUS[1]
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(metadata(&git_dir), None);
}

#[test]
fn nothing_to_graft() {
    let tmp = tempdir();
    let repo = make_hg(tmp.path(), "repo.hg", false);
    hg(tmp.path(), &["clone", "-q", "-r", "1", "repo.hg", "two.hg"]);
    let git_dir = tmp.path().join("none");
    git(tmp.path(), &["init", "-q", "none"]);
    let two = format!("hg::{}", tmp.path().join("two.hg").display());
    git(&git_dir, &["remote", "add", "origin", &two]);
    git(&git_dir, &["fetch", "-q", "origin"]);
    let before = metadata(&git_dir).unwrap();
    let notes = rev_parse(&git_dir, "refs/notes/cinnabar");
    // An unrelated history: nothing can be grafted onto it.
    std::fs::write(git_dir.join("z"), "z\n").unwrap();
    git(&git_dir, &["add", "z"]);
    let mut cmd = command("git", &git_dir);
    cmd.args(["commit", "-q", "-m", "z"])
        .env("GIT_AUTHOR_DATE", "@1000 +0000")
        .env("GIT_COMMITTER_DATE", "@1000 +0000");
    run(cmd);
    let url = format!("hg::{}", repo.display());
    git(&git_dir, &["remote", "set-url", "origin", &url]);
    let out = graft_fetch(&git_dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Nothing to graft"), "{stderr}");
    assert_eq!(metadata(&git_dir), Some(before));
    assert_eq!(rev_parse(&git_dir, "refs/notes/cinnabar"), notes);
    assert_eq!(
        hg2git(&git_dir, &[E]),
        ["0000000000000000000000000000000000000000"]
    );
}

/// dillo's metadata after grafting its whole history, and after grafting
/// it onto a history that stops 300 commits before the default tip (the
/// `dillo2` branch left out): git-cinnabar 0.7.4's results.
const DILLO_FULL: &str = "05b38ede8874de1ff210c919652b68d2abe23c00";
const DILLO_PARTIAL: &str = "a2bbf884d1ef1afc6c52213c1a17d39dfd3178cc";
/// dillo's root as the other converter has it, and its replacement.
const DILLO_ROOT: (&str, &str) = (
    "f7f2c15f37f2764b6d976853a07f2f1b7afe9735",
    "8c4dcb6993b50f271cc98f529ac8e393a0d51e50",
);

/// A copy of the dillo clone with its history rewritten by
/// [`other_converter`], no metadata, and a remote `hg` for the corpus.
fn dillo_converted(dir: &Path, name: &str) -> PathBuf {
    let git_dir = dir.join(name);
    copy_dir(&corpus_clone("dillo"), &git_dir);
    git(&git_dir, &["cinnabar", "clear"]);
    rewrite_as_other_converter(&git_dir);
    let url = format!("hg::{}", corpus("dillo.hg").display());
    git(&git_dir, &["remote", "add", "hg", &url]);
    git_dir
}

fn dillo_graft(git_dir: &Path) {
    let mut cmd = command("git", git_dir);
    cmd.args(["-c", "cinnabar.graft=true", "fetch", "-q", "hg"]);
    check(&output(cmd));
    assert_eq!(
        rev_parse(git_dir, &format!("refs/cinnabar/replace/{}", DILLO_ROOT.0)).as_deref(),
        Some(DILLO_ROOT.1)
    );
    fsck_ok(git_dir);
}

#[test]
fn graft_dillo() {
    let tmp = tempdir();
    let full = dillo_converted(tmp.path(), "full.git");
    dillo_graft(&full);
    assert_eq!(metadata(&full).as_deref(), Some(DILLO_FULL));

    let partial = dillo_converted(tmp.path(), "partial.git");
    let tip = "refs/heads/branches/default/tip";
    let older = git(&partial, &["rev-parse", &format!("{tip}~300")]);
    git(&partial, &["update-ref", tip, older.trim()]);
    git(
        &partial,
        &["update-ref", "-d", "refs/heads/branches/dillo2/tip"],
    );
    dillo_graft(&partial);
    assert_eq!(metadata(&partial).as_deref(), Some(DILLO_PARTIAL));
}
