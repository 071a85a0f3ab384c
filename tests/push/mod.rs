//! `git push` to `hg::` remotes against Mercurial 7.2: upstream's push
//! scenario with its exact metadata commits, the push corpus histories
//! giving exactly their maps, `hg push`'s safety (new heads, hooks,
//! unrelated history), bookmarks, named branches, `cinnabar.data`, the
//! transports (stdio, ssh, http with Basic auth) and kill -9 mid-push.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;

mod safety;

pub(crate) const A: &str = "8b86a58578d5270969543e287634e3a2f122a338";
pub(crate) const B: &str = "d04f6df4abe2870ceb759263ee6aaa9241c4f93c";
pub(crate) const C: &str = "687e015f9f646bb19797d991f2f53087297fbe14";
pub(crate) const TIP: &str = "refs/heads/branches/default/tip";

/// `hg init` + the `create` recipe for each name, dates from `first`.
pub(crate) fn hg_repo(dir: &Path, name: &str, files: &[&str], first: u32) -> PathBuf {
    let repo = dir.join(name);
    hg(dir, &["init", repo.to_str().unwrap()]);
    for (i, f) in files.iter().enumerate() {
        commit_file(&repo, f, first + i as u32);
    }
    repo
}

/// `git <args>` in `cwd`, whatever its result.
pub(crate) fn git_out(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = command("git", cwd);
    cmd.args(args).env("GIT_TERMINAL_PROMPT", "0");
    output(cmd)
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `git push <args>` expecting success; returns stderr.
pub(crate) fn push_ok(cwd: &Path, args: &[&str]) -> String {
    let mut full = vec!["push"];
    full.extend_from_slice(args);
    let out = git_out(cwd, &full);
    assert!(out.status.success(), "git push {args:?}: {}", stderr(&out));
    stderr(&out)
}

/// Runs `git push <args>` expecting a refusal; returns stderr.
pub(crate) fn push_refused(cwd: &Path, args: &[&str]) -> String {
    let mut full = vec!["push"];
    full.extend_from_slice(args);
    let out = git_out(cwd, &full);
    assert!(
        !out.status.success(),
        "git push {args:?} worked: {}",
        stderr(&out)
    );
    stderr(&out)
}

/// `git cinnabar rollback --candidates`, one id per line.
fn candidates(git_dir: &Path) -> Vec<String> {
    git(git_dir, &["cinnabar", "rollback", "--candidates"])
        .lines()
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

/// `hg log` nodes, newest first.
pub(crate) fn hg_nodes(repo: &Path) -> Vec<String> {
    hg(repo, &["log", "-T", "{node}\n"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// abc (a, b, c) cloned to `abc-git`, and an empty hg repository `name`
/// with a clone `<name>-git` that has abc's commits (not their metadata).
fn setup(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let abc = hg_repo(dir, "abc", &["a", "b", "c"], 0);
    let abc_git = dir.join("abc-git");
    git(
        dir,
        &[
            "-c",
            "fetch.prune=true",
            "clone",
            "-n",
            "-q",
            &format!("hg::{}", abc.display()),
            abc_git.to_str().unwrap(),
        ],
    );
    let repo = hg_repo(dir, name, &[], 0);
    let clone = dir.join(format!("{name}-git"));
    let out = git_out(
        dir,
        &[
            "-c",
            "init.defaultBranch=main",
            "clone",
            "-n",
            "-q",
            &format!("hg::{}", repo.display()),
            clone.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    git(&clone, &["fetch", "-q", "../abc-git", C]);
    let def = hg_repo(dir, "def", &["d", "e", "f"], 3);
    git(
        dir,
        &[
            "clone",
            "-n",
            "-q",
            &format!("hg::{}", def.display()),
            "def-git",
        ],
    );
    git(
        &clone,
        &[
            "fetch",
            "-q",
            "../def-git",
            "refs/remotes/origin/branches/default/tip",
        ],
    );
    (abc_git, repo, clone)
}

#[test]
fn upstream_push_scenario_data_modes() {
    let tmp = tempdir();
    let (abc_git, xyz, xyz_git) = setup(tmp.path(), "xyz");
    let dst = |c: &str| format!("{c}:{TIP}");

    // never: nothing stored, even for a real push; a fetch brings it.
    let out = git_out(
        &xyz_git,
        &[
            "-c",
            "cinnabar.data=never",
            "push",
            "--dry-run",
            "origin",
            &dst(A),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("[new branch]"), "{}", stderr(&out));
    assert!(hg_nodes(&xyz).is_empty(), "--dry-run sent something");
    let out = git_out(
        &xyz_git,
        &["-c", "cinnabar.data=never", "push", "origin", &dst(A)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("remote: added 1 changesets with 1 changes to 1 files"),
        "{}",
        stderr(&out)
    );
    assert_eq!(candidates(&xyz_git), Vec::<String>::new());
    assert_eq!(metadata(&xyz_git), None);
    git(
        &xyz_git,
        &["-c", "fetch.prune=true", "remote", "update", "origin"],
    );
    assert_eq!(
        candidates(&xyz_git),
        ["2836e453f32b1ecccd3acca412f75b07c88176bf"]
    );

    // phase, publishing server: stored.
    let out = git_out(
        &xyz_git,
        &[
            "-c",
            "cinnabar.data=phase",
            "push",
            "--dry-run",
            "origin",
            &dst(B),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hg_nodes(&xyz).len(), 1, "--dry-run sent something");
    let out = git_out(
        &xyz_git,
        &["-c", "cinnabar.data=phase", "push", "origin", &dst(B)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        candidates(&xyz_git),
        [
            "8b8194eefb69ec89edc35dafb965311fe48c49d0",
            "2836e453f32b1ecccd3acca412f75b07c88176bf"
        ]
    );

    // phase, non-publishing server: not stored; a fetch brings it.
    let hgrc = xyz.join(".hg/hgrc");
    std::fs::write(&hgrc, "[phases]\npublish = False\n").unwrap();
    let out = git_out(
        &xyz_git,
        &["-c", "cinnabar.data=phase", "push", "origin", &dst(C)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        candidates(&xyz_git),
        [
            "8b8194eefb69ec89edc35dafb965311fe48c49d0",
            "2836e453f32b1ecccd3acca412f75b07c88176bf"
        ]
    );
    git(
        &xyz_git,
        &["-c", "fetch.prune=true", "remote", "update", "origin"],
    );
    assert_eq!(
        candidates(&xyz_git),
        [
            "a2341d430e5acddf9481eabcad901fda12d023d3",
            "8b8194eefb69ec89edc35dafb965311fe48c49d0",
            "2836e453f32b1ecccd3acca412f75b07c88176bf"
        ]
    );

    // --dry-run stores nothing, except with data=force (d, from def, is
    // a new root).
    let before = metadata(&xyz_git);
    let root = "7ca6a3c32ec0dbcbcd155b2be6e2f4505012c273";
    let out = git_out(
        &xyz_git,
        &[
            "-c",
            "cinnabar.data=always",
            "push",
            "-f",
            "--dry-run",
            "origin",
            &dst(root),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WARNING Pushing a new root"),
        "{}",
        stderr(&out)
    );
    assert_eq!(metadata(&xyz_git), before, "--dry-run stored metadata");
    let out = git_out(
        &xyz_git,
        &[
            "-c",
            "cinnabar.data=force",
            "push",
            "-f",
            "--dry-run",
            "origin",
            &dst(root),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        candidates(&xyz_git),
        [
            "4305cef3fa610b3370f64ce10d2b50693a904278",
            "a2341d430e5acddf9481eabcad901fda12d023d3",
            "8b8194eefb69ec89edc35dafb965311fe48c49d0",
            "2836e453f32b1ecccd3acca412f75b07c88176bf"
        ]
    );
    assert_eq!(hg_nodes(&xyz).len(), 3, "--dry-run sent something");
    // Without -f, the new root is refused.
    git(&xyz_git, &["cinnabar", "rollback"]);
    let err = push_refused(
        &xyz_git,
        &[
            "origin",
            &format!("{root}:refs/heads/branches/default/{root}"),
        ],
    );
    assert!(err.contains("new root"), "{err}");
    assert_eq!(hg_nodes(&xyz).len(), 3);

    // The git_commit experiment, from a clone without metadata.
    let repo = hg_repo(tmp.path(), "repo", &[], 0);
    git(
        &abc_git,
        &[
            "remote",
            "set-url",
            "origin",
            &format!("hg::{}", repo.display()),
        ],
    );
    git(&abc_git, &["cinnabar", "clear"]);
    push_ok(&abc_git, &["origin", &dst(A)]);
    let out = git_out(
        &abc_git,
        &[
            "-c",
            "cinnabar.experiments=git_commit",
            "push",
            "origin",
            &format!("{C}:branches/default/tip"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        hg(&repo, &["log", "-T", "{node} {desc} {extras.git_commit}\n"]),
        format!(
            "c70941aaa15aa6e5feae28164438f13dc3cd7b8e c {C}\n\
             29872b591f8d41c613bbfad38722824ab0457f17 b {B}\n\
             f92470d7f6966a39dfbced6a525fe81ebf5c37b9 a \n"
        )
    );
}

/// Pushes `main` of the git repository `repo` whole to an empty Mercurial
/// repository: exactly the changesets of the map, `hg verify` passes,
/// `git2hg` answers the map and `fsck --full` passes.
fn check_corpus_push(tmp: &Path, repo: &Path, map_name: &str) {
    let map = read_map(&corpus(format!("push/{map_name}")));
    let hg_repo = hg_repo(tmp, "server", &[], 0);
    git(
        repo,
        &["remote", "add", "hg", &format!("hg::{}", hg_repo.display())],
    );
    push_ok(repo, &["hg", "main:refs/heads/branches/default/tip"]);
    hg(&hg_repo, &["verify", "-q"]);
    let mut nodes = hg_nodes(&hg_repo);
    nodes.sort();
    let mut expected: Vec<String> = map
        .iter()
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(nodes.len(), expected.len(), "{map_name}: changesets");
    assert!(nodes == expected, "{map_name}: other changesets");
    let input: String = map.iter().map(|l| format!("{}\n", &l[..40])).collect();
    let answers: String = map.iter().map(|l| format!("{}\n", &l[41..])).collect();
    assert_eq!(batch(repo, "git2hg", input), answers, "{map_name}: git2hg");
    let out = fsck_full(repo);
    assert!(out.status.success(), "fsck --full: {}", stderr(&out));
}

#[test]
fn git_edge_history_pushes_to_its_map() {
    let tmp = tempdir();
    let repo = tmp.path().join("git-edge");
    let mut cmd = command("bash", tmp.path());
    cmd.arg(corpus("push/git-edge.sh")).arg(&repo);
    run(cmd);
    check_corpus_push(tmp.path(), &repo, "git-edge.map");
}

#[test]
fn markupsafe_history_pushes_to_its_map() {
    let tmp = tempdir();
    let repo = tmp.path().join("markupsafe");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q", "--bare"])
        .arg(corpus("push/markupsafe.git.bundle"))
        .arg(&repo);
    run(cmd);
    check_corpus_push(tmp.path(), &repo, "markupsafe.map");
}

/// A clone of abc (a, b, c), its Mercurial repository, and a git commit
/// `z` on top of `a` (a new head for the remote).
pub(crate) fn abc_with_new_head(dir: &Path) -> (PathBuf, PathBuf, String) {
    let abc = hg_repo(dir, "abc", &["a", "b", "c"], 0);
    let clone = dir.join("abc-git");
    git(
        dir,
        &[
            "clone",
            "-q",
            &format!("hg::{}", abc.display()),
            clone.to_str().unwrap(),
        ],
    );
    git(&clone, &["checkout", "-q", A]);
    std::fs::write(clone.join("z"), "z\n").unwrap();
    git(&clone, &["add", "z"]);
    git(&clone, &["commit", "-q", "-m", "z"]);
    let z = git(&clone, &["rev-parse", "HEAD"]).trim().to_string();
    (abc, clone, z)
}

#[test]
fn new_head_refused_unless_forced() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    let before = metadata(&clone);
    let nodes = hg_nodes(&abc);
    // A ref git does not know, so that git's own fast-forward check
    // passes: hg's check refuses.
    let err = push_refused(
        &clone,
        &["origin", &format!("{z}:refs/heads/branches/default/{z}")],
    );
    assert!(
        err.contains("push creates new remote head ") && err.contains(" on branch 'default'!"),
        "{err}"
    );
    assert_eq!(hg_nodes(&abc), nodes, "the server changed");
    assert_eq!(metadata(&clone), before, "the metadata changed");
    // Through the tip ref, git refuses (not a fast-forward).
    push_refused(&clone, &["origin", &format!("{z}:{TIP}")]);
    assert_eq!(hg_nodes(&abc), nodes);
    // Forced, it goes; progress shows when asked for.
    let err = push_ok(
        &clone,
        &["-f", "--progress", "origin", &format!("{z}:{TIP}")],
    );
    assert!(err.contains("(+1 heads)"), "{err}");
    assert!(err.contains("\rConverting commits: 1, done.\n"), "{err}");
    assert!(err.contains("\rSending bytes: "), "{err}");
    assert_eq!(hg_nodes(&abc).len(), 4);
    assert_eq!(hg(&abc, &["heads", "-T", "{desc}\n"]), "z\nc\n");
    hg(&abc, &["verify", "-q"]);
    // Tags and branch deletions are refused.
    let err = push_refused(&clone, &["origin", &format!("{z}:refs/tags/v1")]);
    assert!(err.contains("Pushing tags is unsupported"), "{err}");
    let err = push_refused(&clone, &["origin", &format!(":{TIP}")]);
    assert!(
        err.contains("Deleting remote branches is unsupported"),
        "{err}"
    );
    // Unrelated history.
    let other = hg_repo(tmp.path(), "other", &["o"], 10);
    git(
        &clone,
        &[
            "remote",
            "add",
            "other",
            &format!("hg::{}", other.display()),
        ],
    );
    let err = push_refused(&clone, &["-f", "other", &format!("{C}:{TIP}")]);
    assert!(
        err.contains("Cannot push to this remote without pulling/updating first"),
        "{err}"
    );
    assert_eq!(hg_nodes(&other).len(), 1);
}

#[test]
fn bookmarks_and_named_branches() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    let z_node = |abc: &Path| hg(abc, &["log", "-r", "desc(z)", "-T", "{node}"]);
    // A bookmark on a new head needs no force (as hg push -B).
    push_ok(
        &clone,
        &["origin", &format!("{z}:refs/heads/bookmarks/feature")],
    );
    assert_eq!(
        hg(&abc, &["bookmarks", "-T", "{bookmark} {node}\n"]),
        format!("feature {}\n", z_node(&abc))
    );
    // Moved.
    push_ok(
        &clone,
        &["-f", "origin", &format!("{C}:refs/heads/bookmarks/feature")],
    );
    assert_eq!(
        hg(&abc, &["bookmarks", "-T", "{bookmark} {node}\n"]),
        "feature bd623dea939349b06a47d5dce064255e5f1d9ec1\n"
    );
    // Moved on the server meanwhile: git compares with the value listed
    // for the push (a fast-forward to z here), and pushkey with it.
    hg(&abc, &["bookmark", "-f", "-r", "0", "feature"]);
    push_ok(
        &clone,
        &["origin", &format!("{z}:refs/heads/bookmarks/feature")],
    );
    assert_eq!(
        hg(&abc, &["bookmarks", "-T", "{bookmark} {node}\n"]),
        format!("feature {}\n", z_node(&abc))
    );
    git(&clone, &["fetch", "-q", "origin"]);
    // Deleted.
    push_ok(&clone, &["origin", ":refs/heads/bookmarks/feature"]);
    assert_eq!(hg(&abc, &["bookmarks", "-T", "{bookmark}\n"]), "");
    // A new named branch from a new commit.
    git(&clone, &["checkout", "-q", C]);
    std::fs::write(clone.join("n"), "n\n").unwrap();
    git(&clone, &["add", "n"]);
    git(&clone, &["commit", "-q", "-m", "n"]);
    std::fs::write(clone.join("m"), "m\n").unwrap();
    git(&clone, &["add", "m"]);
    git(&clone, &["commit", "-q", "-m", "m"]);
    let m = git(&clone, &["rev-parse", "HEAD"]).trim().to_string();
    push_ok(
        &clone,
        &["origin", &format!("{m}:refs/heads/branches/new-branch/tip")],
    );
    assert_eq!(
        hg(
            &abc,
            &["log", "-r", "desc(n) or desc(m)", "-T", "{branch} {desc}\n"]
        ),
        "new-branch n\nnew-branch m\n"
    );
    hg(&abc, &["verify", "-q"]);
    // The metadata agrees, and a fresh clone gives the same commit.
    let out = fsck_full(&clone);
    assert!(out.status.success(), "fsck --full: {}", stderr(&out));
    let fresh = tmp.path().join("fresh");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--mirror",
            &format!("hg::{}", abc.display()),
            fresh.to_str().unwrap(),
        ],
    );
    assert_eq!(
        git(&fresh, &["rev-parse", "refs/heads/branches/new-branch/tip"]).trim(),
        m
    );
}

#[test]
fn hook_refusal_keeps_metadata() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    std::fs::write(
        abc.join(".hg/hgrc"),
        "[hooks]\npretxnchangegroup.refuse = echo no changes welcome here >&2; exit 1\n",
    )
    .unwrap();
    let before = metadata(&clone);
    let notes = git(&clone, &["rev-parse", "refs/notes/cinnabar"]);
    let err = push_refused(&clone, &["-f", "origin", &format!("{z}:{TIP}")]);
    assert!(err.contains("remote: no changes welcome here"), "{err}");
    // Without a terminal, no progress.
    assert!(!err.contains("Converting"), "{err}");
    assert!(err.contains("[remote rejected]"), "{err}");
    assert!(
        err.contains("pretxnchangegroup.refuse hook exited with status 1"),
        "{err}"
    );
    assert_eq!(metadata(&clone), before);
    assert_eq!(git(&clone, &["rev-parse", "refs/notes/cinnabar"]), notes);
    assert_eq!(hg_nodes(&abc).len(), 3);
    std::fs::remove_file(abc.join(".hg/hgrc")).unwrap();
    push_ok(&clone, &["-f", "origin", &format!("{z}:{TIP}")]);
    assert_eq!(hg_nodes(&abc).len(), 4);
}

#[test]
fn push_over_ssh_and_http_with_auth() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    // ssh
    let ssh = fake_ssh(tmp.path(), tmp.path(), "");
    git(
        &clone,
        &["remote", "add", "ssh", "hg::ssh://example.org/abc"],
    );
    let mut cmd = command("git", &clone);
    cmd.args(["push", "-f", "ssh", &format!("{z}:{TIP}")])
        .env("GIT_SSH_COMMAND", &ssh);
    let out = output(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("remote: added 1 changesets"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hg_nodes(&abc).len(), 4);
    // http, Basic auth through a credential helper.
    std::fs::write(
        abc.join(".hg/hgrc"),
        "[web]\npush_ssl = False\nallow-push = *\n",
    )
    .unwrap();
    let server = Server::wsgi(tmp.path(), &abc, "auth");
    let store = tmp.path().join("credentials");
    std::fs::write(
        &store,
        format!("http://user:s3cret@127.0.0.1:{}\n", server.port),
    )
    .unwrap();
    git(
        &clone,
        &[
            "config",
            "credential.helper",
            &format!("store --file={}", store.display()),
        ],
    );
    git(
        &clone,
        &["remote", "add", "http", &format!("hg::{}", server.url())],
    );
    git(&clone, &["fetch", "-q", "http"]);
    std::fs::write(clone.join("h"), "h\n").unwrap();
    git(&clone, &["add", "h"]);
    git(&clone, &["commit", "-q", "-m", "h"]);
    let err = push_ok(&clone, &["http", "HEAD:refs/heads/bookmarks/web"]);
    assert!(err.contains("remote: added 1 changesets"), "{err}");
    assert_eq!(
        hg(&abc, &["log", "-r", "bookmark(web)", "-T", "{desc}"]),
        "h"
    );
}

#[test]
fn kill_during_push_then_repair() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    let marker = tmp.path().join("marker");
    let kill_push_at = |hook: &str| {
        let _ = std::fs::remove_file(&marker);
        std::fs::write(
            abc.join(".hg/hgrc"),
            format!("[hooks]\n{hook} = touch '{}'; sleep 30\n", marker.display()),
        )
        .unwrap();
        let mut cmd = command("git", &clone);
        cmd.args(["push", "-f", "origin", &format!("{z}:{TIP}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().unwrap();
        let start = std::time::Instant::now();
        while !marker.exists() {
            assert!(start.elapsed().as_secs() < 60, "the hook never ran");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let pgid = format!("-{}", child.id());
        let mut kill = command("kill", tmp.path());
        kill.args(["-9", "--", &pgid]);
        run(kill);
        let _ = child.wait();
        std::fs::remove_file(abc.join(".hg/hgrc")).unwrap();
    };
    let before = metadata(&clone);
    // Before the server accepted: nothing on either side.
    kill_push_at("pretxnchangegroup");
    assert_eq!(metadata(&clone), before);
    let mut recover = command(hg_path(), &abc);
    recover.arg("recover");
    output(recover);
    assert_eq!(hg_nodes(&abc).len(), 3);
    // After: the server has it, the metadata is the old one.
    kill_push_at("txnclose");
    assert_eq!(metadata(&clone), before);
    assert_eq!(hg_nodes(&abc).len(), 4);
    // A fetch repairs: the changeset maps to the pushed commit.
    git(&clone, &["fetch", "-q", "origin"]);
    let node = hg(&abc, &["log", "-r", "desc(z)", "-T", "{node}"]);
    assert_eq!(
        batch(&clone, "hg2git", format!("{node}\n")),
        format!("{z}\n")
    );
    let out = fsck_full(&clone);
    assert!(out.status.success(), "fsck --full: {}", stderr(&out));
}

#[test]
fn shallow_refused_and_bundle1_server() {
    let tmp = tempdir();
    let (_, clone, z) = abc_with_new_head(tmp.path());
    // A shallow clone of the git clone cannot push its history.
    let shallow = tmp.path().join("shallow");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--no-local",
            &format!("file://{}", clone.display()),
            shallow.to_str().unwrap(),
        ],
    );
    let empty = hg_repo(tmp.path(), "empty", &[], 0);
    git(
        &shallow,
        &["remote", "add", "hg", &format!("hg::{}", empty.display())],
    );
    let err = push_refused(&shallow, &["hg", &format!("HEAD:{TIP}")]);
    assert!(
        err.contains("Pushing git shallow clones is not supported"),
        "{err}"
    );
    assert!(hg_nodes(&empty).is_empty());
    // A server without bundle2 gets a bare changegroup 01.
    std::fs::write(
        empty.join(".hg/hgrc"),
        "[experimental]\nbundle2-advertise = false\n",
    )
    .unwrap();
    git(
        &clone,
        &["remote", "add", "hg", &format!("hg::{}", empty.display())],
    );
    let err = push_ok(&clone, &["hg", &format!("{z}:{TIP}")]);
    assert!(err.contains("remote: added 2 changesets"), "{err}");
    hg(&empty, &["verify", "-q"]);
    assert_eq!(hg(&empty, &["log", "-T", "{desc}\n"]), "z\na\n");
}
