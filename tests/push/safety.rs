//! The finer points of a push's safety: a bookmark moved on the server
//! after git listed it, a forced ref beside refs that are not, closed
//! heads counted as `hg push` counts them, and a push that changes nothing.

use std::path::Path;

use super::*;

/// A commit in the git clone `clone` on top of `base`, adding `name`.
fn git_commit(clone: &Path, base: &str, name: &str) -> String {
    git(clone, &["checkout", "-q", base]);
    std::fs::write(clone.join(name), format!("{name}\n")).unwrap();
    git(clone, &["add", name]);
    git(clone, &["commit", "-q", "-m", name]);
    git(clone, &["rev-parse", "HEAD"]).trim().to_string()
}

/// `branches/default/<commit>`: a ref git does not know, so that git's
/// fast-forward check passes and only ours applies.
fn head_ref(commit: &str) -> String {
    format!("{commit}:refs/heads/branches/default/{commit}")
}

fn bookmarks(repo: &Path) -> String {
    hg(repo, &["bookmarks", "-T", "{bookmark} {node}\n"])
}

#[test]
fn bookmark_moved_on_the_server_is_not_overwritten() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    push_ok(
        &clone,
        &["origin", &format!("{z}:refs/heads/bookmarks/feature")],
    );
    let y = git_commit(&clone, &z, "y");
    // Moved after git listed it for the push (a pre-push hook runs in
    // between): git's check passes (y descends from the listed z), ours
    // refuses.
    let hook = clone.join(".git/hooks/pre-push");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' -R '{}' bookmark -q -f -r 0 feature\n",
            hg_path().display(),
            abc.display()
        ),
    )
    .unwrap();
    let mut chmod = command("chmod", &clone);
    chmod.arg("+x").arg(&hook);
    run(chmod);
    let err = push_refused(
        &clone,
        &["origin", &format!("{y}:refs/heads/bookmarks/feature")],
    );
    let rev0 = hg(&abc, &["log", "-r", "0", "-T", "{node}"]);
    assert!(
        err.contains(&format!(
            "bookmark feature changed on the server since it was listed (now {}, was ",
            &rev0[..12]
        )) && err.contains("fetch and push again"),
        "{err}"
    );
    assert_eq!(bookmarks(&abc), format!("feature {rev0}\n"));
    std::fs::remove_file(&hook).unwrap();
    // A server hook refusing the move: pushkey says no, and we say so.
    std::fs::write(abc.join(".hg/hgrc"), "[hooks]\nprepushkey = exit 1\n").unwrap();
    let err = push_refused(
        &clone,
        &["-f", "origin", &format!("{y}:refs/heads/bookmarks/feature")],
    );
    assert!(
        err.contains(&format!(
            "the server refused to move bookmark feature from {} to ",
            &rev0[..12]
        )),
        "{err}"
    );
    assert_eq!(bookmarks(&abc), format!("feature {rev0}\n"));
    std::fs::remove_file(abc.join(".hg/hgrc")).unwrap();
    push_ok(
        &clone,
        &["-f", "origin", &format!("{y}:refs/heads/bookmarks/feature")],
    );
    let y_node = hg(&abc, &["log", "-r", "desc(y)", "-T", "{node}"]);
    assert_eq!(bookmarks(&abc), format!("feature {y_node}\n"));
}

#[test]
fn a_forced_ref_forces_only_itself() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    let w = git_commit(&clone, B, "w");
    let nodes = hg_nodes(&abc);
    let before = metadata(&clone);
    // z forced, w not: w's new head is refused, and with it the push.
    let err = push_refused(
        &clone,
        &["origin", &format!("+{}", head_ref(&z)), &head_ref(&w)],
    );
    assert!(err.contains("push creates new remote head "), "{err}");
    assert_eq!(hg_nodes(&abc), nodes, "the server changed");
    assert_eq!(metadata(&clone), before, "the metadata changed");
    // z forced, and y (on top of c, no new head) not: both go.
    let y = git_commit(&clone, C, "y");
    push_ok(
        &clone,
        &["origin", &format!("+{}", head_ref(&z)), &head_ref(&y)],
    );
    // (Sorted: their order in the changegroup follows git's rev-list,
    // which orders unrelated commits by their dates, to the second.)
    let heads = hg(&abc, &["heads", "-T", "{desc}\n"]);
    let mut heads: Vec<&str> = heads.lines().collect();
    heads.sort_unstable();
    assert_eq!(heads, ["y", "z"]);
    // The refusal named w's changeset.
    push_ok(&clone, &["origin", &format!("+{}", head_ref(&w))]);
    let w_node = hg(&abc, &["log", "-r", "desc(w)", "-T", "{node|short}"]);
    assert!(
        err.contains(&format!(
            "push creates new remote head {w_node} on branch 'default'!"
        )),
        "{err}"
    );
    hg(&abc, &["verify", "-q"]);
}

/// `hg push` of a new head from a clone of `server` (on top of revision
/// `base`): Mercurial's own answer.
fn hg_push_new_head(tmp: &Path, server: &Path, base: &str) -> bool {
    let local = tmp.join("hg-local");
    let _ = std::fs::remove_dir_all(&local);
    hg(
        tmp,
        &[
            "clone",
            "-q",
            "-r",
            base,
            server.to_str().unwrap(),
            local.to_str().unwrap(),
        ],
    );
    commit_file(&local, "n", 20);
    let mut cmd = command(hg_path(), &local);
    cmd.args(["push", "-q"]).arg(server);
    output(cmd).status.success()
}

#[test]
fn closed_heads_count_as_hg_counts_them() {
    let tmp = tempdir();
    // default: a, then b closed; and c from a, open.
    let server = hg_repo(tmp.path(), "server", &["a", "b"], 0);
    hg(
        &server,
        &[
            "commit",
            "-q",
            "--close-branch",
            "-m",
            "close",
            "-u",
            "nobody",
            "-d",
            "2 0",
        ],
    );
    hg(&server, &["update", "-q", "-r", "0"]);
    let clone = tmp.path().join("clone");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            &format!("hg::{}", server.display()),
            clone.to_str().unwrap(),
        ],
    );
    let a = git(&clone, &["rev-list", "--max-parents=0", "HEAD"])
        .trim()
        .to_string();
    // Only a closed head: Mercurial 7.2 counts it (branchheads with
    // closed=True in discovery.checkheads), so a new head is refused...
    assert!(
        !hg_push_new_head(tmp.path(), &server, "0"),
        "hg push worked"
    );
    let n = git_commit(&clone, &a, "n");
    let err = push_refused(&clone, &["origin", &head_ref(&n)]);
    assert!(err.contains("push creates new remote head "), "{err}");
    // ...and so it is beside an open head too.
    commit_file(&server, "c", 3);
    assert!(
        !hg_push_new_head(tmp.path(), &server, "0"),
        "hg push worked"
    );
    git(&clone, &["fetch", "-q", "origin"]);
    let err = push_refused(&clone, &["origin", &head_ref(&n)]);
    assert!(err.contains("push creates new remote head "), "{err}");
    assert_eq!(hg_nodes(&server).len(), 4);
    // A child of the closed head reopens it: no new head.
    assert_eq!(
        hg(&server, &["heads", "--closed", "-T", "{desc}\n"]),
        "c\nclose\n"
    );
    let close_commit = git(&clone, &["log", "--all", "--format=%H", "--grep=^close$"]);
    let r = git_commit(&clone, close_commit.trim(), "r");
    push_ok(&clone, &["origin", &head_ref(&r)]);
    assert_eq!(
        hg(&server, &["heads", "--closed", "-T", "{desc}\n"]),
        "r\nc\n"
    );
    hg(&server, &["verify", "-q"]);
}

#[test]
fn a_push_that_changes_nothing_says_so() {
    let tmp = tempdir();
    let (abc, clone, z) = abc_with_new_head(tmp.path());
    let tracking = |clone: &Path| {
        git(
            clone,
            &["rev-parse", "refs/remotes/origin/branches/default/tip"],
        )
    };
    let tip = tracking(&clone);
    // a is on the server: the tip does not move, and git must not think
    // it did.
    for dry_run in [true, false] {
        let mut args = vec!["-f", "origin"];
        if dry_run {
            args.push("--dry-run");
        }
        let spec = format!("{A}:{TIP}");
        args.push(&spec);
        let err = push_refused(&clone, &args);
        assert!(err.contains("nothing changed on remote"), "{err}");
        assert_eq!(tracking(&clone), tip);
    }
    assert_eq!(hg_nodes(&abc).len(), 3);
    // A bookmark on a changeset the server has is still set.
    push_ok(
        &clone,
        &["origin", &format!("{A}:refs/heads/bookmarks/old")],
    );
    assert_eq!(
        hg(&abc, &["log", "-r", "bookmark(old)", "-T", "{desc}"]),
        "a"
    );
    // Pushed without keeping the metadata, pushed again: nothing is sent,
    // the ref is answered ok and the metadata repaired.
    let out = git_out(
        &clone,
        &[
            "-c",
            "cinnabar.data=never",
            "push",
            "-f",
            "origin",
            &head_ref(&z),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        batch(&clone, "git2hg", format!("{z}\n")),
        format!("{}\n", "0".repeat(40))
    );
    let err = push_ok(&clone, &["-f", "origin", &head_ref(&z)]);
    assert!(!err.contains("remote: added"), "{err}");
    let z_node = hg(&abc, &["log", "-r", "desc(z)", "-T", "{node}"]);
    assert_eq!(
        batch(&clone, "git2hg", format!("{z}\n")),
        format!("{z_node}\n")
    );
    assert_eq!(hg_nodes(&abc).len(), 4);
    let out = fsck_full(&clone);
    assert!(out.status.success(), "fsck --full: {}", stderr(&out));
}
