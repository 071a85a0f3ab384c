//! Metadata history: incremental `git cinnabar fetch`es give upstream's
//! metadata commits, and `rollback` / `fsck` / `clear` move between them
//! as upstream's tests/rollback.t expects (spec 2.8, 2.9, 13.4).

use std::path::Path;

use crate::support::*;

const A: &str = "f92470d7f6966a39dfbced6a525fe81ebf5c37b9";
const B: &str = "636e60525868096cbdc961870493510558f41d2f";
const C: &str = "ae078ae353a9b004afbd6fd6e5e7a5a0a48a4307";
const D: &str = "7937e1a594596ae25c637d317503d775767671b5";
const E: &str = "872d4a0c72d8c2b915a4d85b4f31ca4a12c882eb";
const F: &str = "312a5a9c675e3ce302a33bd4605205a6be36d561";

const M_B: &str = "9134dcc9628afe079a8a61e06f1e49a36a983cc4";
const M_C: &str = "ee1547daada51509736d29942d8ad9cdd53e5500";
const M_D: &str = "544f4ec28c4b9e3b2f5ac01fe2e50a8a67a12909";
const M_E: &str = "1533f7bbc5d7bd3e420cd927b890097cf660531e";
const M_F: &str = "fdc5127c26b6de6ec365bc18e9a4ae2ef2f35c08";

fn cinnabar(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = command("git", dir);
    cmd.arg("cinnabar").args(args);
    output(cmd)
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = cinnabar(dir, args);
    assert!(
        out.status.success(),
        "git cinnabar {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str], message: &str) {
    let out = cinnabar(dir, args);
    assert_eq!(out.status.code(), Some(1), "git cinnabar {args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(message),
        "git cinnabar {args:?}: expected {message:?} in {stderr}"
    );
}

fn refs(dir: &Path) -> String {
    git(
        dir,
        &[
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "refs/cinnabar/",
            "refs/notes/",
        ],
    )
}

#[test]
fn rollback_walks_metadata_history() {
    let tmp = tempdir();
    let repo = rollback_repo();
    let url = format!("hg::{}", repo.display());
    let g = tmp.path().join("repo-git");
    git(tmp.path(), &["init", "-q", g.to_str().unwrap()]);

    for (i, node) in [B, C, D, E, F].iter().enumerate() {
        let out = cinnabar(&g, &["fetch", &url, node]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!(
            " * branch            hg/revs/{node} -> FETCH_HEAD"
        )));
        let fetch_head = std::fs::read_to_string(g.join(".git/FETCH_HEAD")).unwrap();
        let commit = git(&g, &["rev-parse", "FETCH_HEAD"]);
        assert_eq!(
            fetch_head,
            format!("{}\t\t'hg/revs/{node}' of {url}\n", commit.trim())
        );
        if i == 1 {
            ok(&g, &["fsck"]);
        }
    }
    assert_eq!(
        ok(&g, &["hg2git", A]).trim(),
        "8b86a58578d5270969543e287634e3a2f122a338"
    );
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_F} (current)\n{M_E}\n{M_D}\n{M_C} (checked)\n{M_B}\n")
    );
    assert_eq!(
        refs(&g),
        format!(
            "{M_C} refs/cinnabar/checked\n{M_F} refs/cinnabar/metadata\n0d790d01720127d15c119268277eda391270b588 refs/notes/cinnabar\n"
        )
    );

    // Fake fsck breakage.
    git(
        &g,
        &[
            "update-ref",
            "refs/cinnabar/broken",
            "refs/cinnabar/metadata",
        ],
    );
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_F} (current, broken)\n{M_E}\n{M_D}\n{M_C} (checked)\n{M_B}\n")
    );
    // Fetching refuses broken metadata.
    let out = cinnabar(&g, &["fetch", &url, F]);
    assert_eq!(out.status.code(), Some(1));

    // The previous state is not broken but unknown.
    ok(&g, &["rollback"]);
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_E} (current)\n{M_D}\n{M_C} (checked)\n{M_B}\n")
    );
    assert_eq!(
        refs(&g),
        format!(
            "{M_F} refs/cinnabar/broken\n{M_C} refs/cinnabar/checked\n{M_E} refs/cinnabar/metadata\n78ae75b918bc679865b2b566d64c81864d8ce7e4 refs/notes/cinnabar\n"
        )
    );

    ok(&g, &["rollback", "--fsck"]);
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_C} (current, checked)\n{M_B}\n")
    );
    assert!(refs(&g).contains("abbd4d8876d12871c52111ef763728cc70b60c20 refs/notes/cinnabar"));

    // What precedes a checked state is checked.
    ok(&g, &["rollback"]);
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_B} (current, checked)\n")
    );
    assert_eq!(
        refs(&g),
        format!(
            "{M_F} refs/cinnabar/broken\n{M_B} refs/cinnabar/checked\n{M_B} refs/cinnabar/metadata\n522a8fcad148fe794046af5769734cdd44f3ebc4 refs/notes/cinnabar\n"
        )
    );

    fails(
        &g,
        &["rollback", M_F],
        &format!("Cannot rollback to {M_F}, it is not in the ancestry of current metadata."),
    );
    ok(&g, &["rollback", "--force", M_F]);
    assert_eq!(
        ok(&g, &["rollback", "--candidates"]),
        format!("{M_F} (current, broken)\n{M_E}\n{M_D}\n{M_C}\n{M_B} (checked)\n")
    );
    assert_eq!(
        refs(&g),
        format!(
            "{M_F} refs/cinnabar/broken\n{M_B} refs/cinnabar/checked\n{M_F} refs/cinnabar/metadata\n0d790d01720127d15c119268277eda391270b588 refs/notes/cinnabar\n"
        )
    );

    // Clearing removes everything.
    ok(
        &g,
        &["rollback", "0000000000000000000000000000000000000000"],
    );
    assert_eq!(ok(&g, &["rollback", "--candidates"]), "");
    assert_eq!(refs(&g), "");

    // Corner cases.
    git(&g, &["update-ref", "refs/heads/main", "FETCH_HEAD"]);
    fails(&g, &["rollback"], "Nothing to rollback.");
    fails(&g, &["rollback", "foo"], "Invalid revision: foo");
    fails(&g, &["rollback", "--force", "foo"], "Invalid revision: foo");
    fails(
        &g,
        &["rollback", "--fsck"],
        "No successful fsck has been recorded. Cannot rollback.",
    );
    ok(
        &g,
        &["rollback", "0000000000000000000000000000000000000000"],
    );
    let main = "23bcc26b9fea7e37426260465bed35eac54af5e1";
    fails(
        &g,
        &["rollback", "main"],
        &format!("Cannot rollback to {main}, it is not in the ancestry of current metadata."),
    );
    fails(
        &g,
        &["rollback", "--force", "main"],
        &format!("Invalid cinnabar metadata: {main}"),
    );
    let out = cinnabar(&g, &["fsck"]);
    assert_eq!(out.status.code(), Some(1), "fsck without metadata");
}

#[test]
fn clear_removes_metadata_and_notes() {
    let tmp = tempdir();
    let repo = rollback_repo();
    let url = format!("hg::{}", repo.display());
    let g = tmp.path().join("repo-git");
    git(tmp.path(), &["init", "-q", g.to_str().unwrap()]);
    ok(&g, &["fetch", &url, F, D]);
    // Names are looked up by the remote.
    ok(&g, &["fetch", &url, "foo", "7937e1a5"]);
    let fetch_head = std::fs::read_to_string(g.join(".git/FETCH_HEAD")).unwrap();
    assert!(fetch_head.starts_with(&format!(
        "23bcc26b9fea7e37426260465bed35eac54af5e1\t\t'hg/revs/{F}' of {url}\n"
    )));
    assert!(fetch_head.contains(&format!("'hg/revs/{D}'")));
    fails(&g, &["fetch", &url, "nosuch"], "Invalid revision: nosuch");
    // Checking given changesets leaves the checked mark alone.
    ok(&g, &["fsck", F, "FETCH_HEAD"]);
    assert!(!refs(&g).contains("refs/cinnabar/checked"));
    fails(
        &g,
        &["fsck", "nosuch"],
        "Invalid commit or changeset: nosuch",
    );
    ok(&g, &["fsck"]);
    // Nothing new since: nothing to check.
    ok(&g, &["fsck"]);
    assert_eq!(
        git(&g, &["rev-parse", "refs/cinnabar/checked"]).trim(),
        git(&g, &["rev-parse", "refs/cinnabar/metadata"]).trim()
    );
    // Batch answers come one line at a time, before the input ends.
    {
        use std::io::{BufRead, BufReader, Write};
        let mut cmd = command("git", &g);
        cmd.args(["cinnabar", "hg2git", "--batch", "--abbrev=8"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        for (id, expected) in [
            (A, "8b86a585\n"),
            (&F[..10], "23bcc26b\n"),
            ("0", "00000000\n"),
        ] {
            writeln!(stdin, "{id}").unwrap();
            stdin.flush().unwrap();
            line.clear();
            stdout.read_line(&mut line).unwrap();
            assert_eq!(line, expected, "{id}");
        }
        drop(stdin);
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(
        ok(&g, &["git2hg", "--abbrev", "FETCH_HEAD", "FETCH_HEAD~0"])
            .lines()
            .next(),
        Some(&F[..12])
    );
    let out = cinnabar(&g, &["hg2git", "--abbrev=2", A]);
    assert_eq!(out.status.code(), Some(1));
    ok(&g, &["clear"]);
    assert_eq!(refs(&g), "");
    assert_eq!(ok(&g, &["hg2git", F]).trim(), "0".repeat(40));
    // `fetch --tags` runs `git fetch hg::tags:`, which rewrites FETCH_HEAD: last.
    let tags = cinnabar(&g, &["fetch", "--tags"]);
    assert!(
        tags.status.success(),
        "{}",
        String::from_utf8_lossy(&tags.stderr)
    );
}

#[test]
fn fetch_bundle_writes_what_the_remote_sends() {
    let tmp = tempdir();
    let repo = rollback_repo();
    let url = format!("hg::{}", repo.display());
    let g = tmp.path().join("repo-git");
    git(tmp.path(), &["init", "-q", g.to_str().unwrap()]);
    let mut cmd = command("git", &g);
    cmd.args(["cinnabar", "fetch", "--bundle", &url, E]);
    let bundle = run(cmd);
    assert!(bundle.starts_with(b"HG20"), "not a bundle2");
    // Nothing was imported.
    assert_eq!(refs(&g), "");
    let path = tmp.path().join("e.hg");
    std::fs::write(&path, bundle).unwrap();
    let dest = tmp.path().join("clone.git");
    mirror_clone(&path, &dest);
    assert_eq!(
        ok(&dest, &["hg2git", E, F]),
        format!(
            "ceb496b41c51e93d51a8d6b211ddd0c6458975ed\n{}\n",
            "0".repeat(40)
        )
    );
}
