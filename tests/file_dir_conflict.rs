//! A manifest where `src/Core` is a file and `src/Core/Array.h` exists too
//! (`corpus/edge/file-dir-conflict.hg`): the clone gives git-cinnabar's
//! commits (checked against the map by `clone_corpus`), warns, and keeps
//! the Mercurial data exact: `data -m` gives hg's bytes and `fsck --full`
//! passes, after a clone and after fetching in two steps.

use std::path::Path;

use crate::support::*;

const MANIFESTS: [&str; 4] = [
    "9ee37709813478e22655dd10d2a624b3c0a1bcf9",
    "3fc900cbf030fdc396b08ec8c0acaa12cbb0cb6c",
    "6feaa4a87cf7235f7770a87cf286eecea9d4376a",
    "5b5ead87454b248d1edb458624eae0ee6e864ac9",
];

fn bundle() -> std::path::PathBuf {
    corpus("edge/file-dir-conflict.hg")
}

/// `hg debugdata -m` of every manifest.
fn hg_manifests(repo: &Path) -> Vec<Vec<u8>> {
    MANIFESTS
        .iter()
        .map(|m| {
            let mut cmd = command(hg_path(), repo);
            cmd.args(["debugdata", "-m", m]);
            run(cmd)
        })
        .collect()
}

/// Checks `data -m`, `fsck --full`, `git fsck` and the commits of a clone.
fn check_clone(dest: &Path, hg_repo: &Path) {
    for (m, expected) in MANIFESTS.iter().zip(hg_manifests(hg_repo)) {
        let mut cmd = command("git", dest);
        cmd.args(["cinnabar", "data", "-m", m]);
        assert_eq!(
            String::from_utf8_lossy(&run(cmd)),
            String::from_utf8_lossy(&expected),
            "manifest {m}"
        );
    }
    let out = fsck_full(dest);
    assert!(
        out.status.success(),
        "fsck --full: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = command("git", dest);
    cmd.args(["fsck", "--no-progress"]);
    let fsck = output(cmd);
    let all =
        String::from_utf8_lossy(&fsck.stderr).into_owned() + &String::from_utf8_lossy(&fsck.stdout);
    let problems: Vec<&str> = all
        .lines()
        .filter(|l| !l.contains("badFilemode") && !l.trim().is_empty())
        .collect();
    assert!(fsck.status.success() && problems.is_empty(), "{all}");
    let expected = read_map(&corpus("edge/file-dir-conflict.map"));
    assert_eq!(notes_map(dest), expected);
}

#[test]
fn clone_warns_and_keeps_manifests_exact() {
    let tmp = tempdir();
    let dest = tmp.path().join("clone.git");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q", "--mirror"])
        .arg(format!("hg::{}", bundle().display()))
        .arg(&dest);
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: changeset e845077319305fda09ad6f65209b55149d738454"))
        .unwrap_or_else(|| panic!("no warning for the changeset: {stderr}"));
    assert!(
        warning.contains("\"src/Core\"") && warning.contains("directory \"src/Core/\""),
        "{warning}"
    );
    let hg_repo = tmp.path().join("hg");
    hg(tmp.path(), &["init", "hg"]);
    hg(&hg_repo, &["unbundle", "-q", bundle().to_str().unwrap()]);
    check_clone(&dest, &hg_repo);
}

/// The second fetch starts from manifests read back from git, lost lines
/// included.
#[test]
fn fetch_in_two_steps() {
    let tmp = tempdir();
    let full = tmp.path().join("full");
    hg(tmp.path(), &["init", "full"]);
    hg(&full, &["unbundle", "-q", bundle().to_str().unwrap()]);
    hg(
        tmp.path(),
        &["clone", "-q", "-U", "-r", "1", "full", "part"],
    );
    let part = tmp.path().join("part");
    let dest = tmp.path().join("clone.git");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q", "--mirror"])
        .arg(format!("hg::{}", part.display()))
        .arg(&dest);
    run(cmd);
    hg(&part, &["pull", "-q", full.to_str().unwrap()]);
    let mut cmd = command("git", &dest);
    cmd.args(["fetch", "-q", "origin"]);
    run(cmd);
    check_clone(&dest, &full);
}
