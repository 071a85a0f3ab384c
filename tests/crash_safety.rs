//! An import killed at any point leaves the metadata as it was (or, past
//! the final ref transaction, complete); `fsck` then passes, and the next
//! fetch completes with the exact result. Kills come from a debug hook that
//! aborts after N objects (`GIT_CINNABAR_DEBUG_ABORT_AFTER`) and from real
//! SIGKILLs at pseudo-random times.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use crate::support::*;

fn dillo() -> std::path::PathBuf {
    corpus("dillo.hg")
}

fn fetch_cmd(dest: &Path, url: &str) -> std::process::Command {
    let mut cmd = command("git", dest);
    cmd.args(["fetch", "-q", url, "refs/heads/*:refs/heads/*"]);
    cmd
}

fn sorted_refs(dest: &Path) -> Vec<String> {
    let mut r: Vec<String> = refs(dest)
        .into_iter()
        .filter(|r| !r.ends_with(" refs/cinnabar/checked"))
        .collect();
    r.sort();
    r
}

fn fsck_passes(dest: &Path) {
    let out = fsck_full(dest);
    assert!(
        out.status.success(),
        "fsck: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn clone_aborted_after_n_objects() {
    let tmp = tempdir();
    let url = format!("hg::{}", dillo().display());
    // How many objects a whole import writes: the last abort point is the
    // last object of the metadata, just before the refs would move.
    let counts = git(&corpus_clone("dillo"), &["count-objects", "-v"]);
    let total: u64 = counts
        .lines()
        .find_map(|l| l.strip_prefix("in-pack: "))
        .unwrap()
        .parse()
        .unwrap();
    for (i, n) in [0u64, 7, 400, 9000, total - 1].into_iter().enumerate() {
        let dest = bare_repo(tmp.path(), &format!("r{i}.git"));
        let mut cmd = fetch_cmd(&dest, &url);
        cmd.env("GIT_CINNABAR_DEBUG_ABORT_AFTER", n.to_string());
        assert!(!output(cmd).status.success(), "abort after {n}");
        assert_eq!(metadata(&dest), None, "abort after {n}");
        assert_eq!(sorted_refs(&dest), Vec::<String>::new());
        run(fetch_cmd(&dest, &url));
        assert_eq!(sorted_refs(&dest), corpus_refs("dillo"), "abort after {n}");
    }
}

#[test]
fn fetch_aborted_after_n_objects() {
    let tmp = tempdir();
    let remote = tmp.path().join("remote");
    hg(
        tmp.path(),
        &[
            "clone",
            "-q",
            "-U",
            "-r",
            "1000",
            dillo().to_str().unwrap(),
            remote.to_str().unwrap(),
        ],
    );
    let url = format!("hg::{}", remote.display());
    let dest = bare_repo(tmp.path(), "repo.git");
    run(fetch_cmd(&dest, &url));
    let before = metadata(&dest).unwrap();
    let refs_before = sorted_refs(&dest);
    hg(&remote, &["pull", "-q", dillo().to_str().unwrap()]);
    for n in [0u64, 30, 2500] {
        let mut cmd = fetch_cmd(&dest, &url);
        cmd.env("GIT_CINNABAR_DEBUG_ABORT_AFTER", n.to_string());
        assert!(!output(cmd).status.success(), "abort after {n}");
        assert_eq!(metadata(&dest).as_deref(), Some(before.as_str()));
        assert_eq!(sorted_refs(&dest), refs_before);
        fsck_passes(&dest);
    }
    run(fetch_cmd(&dest, &url));
    let expected = corpus_map("dillo");
    assert_eq!(notes_map(&dest), expected);
    fsck_passes(&dest);
}

#[test]
fn clone_killed_at_random_times() {
    let tmp = tempdir();
    let url = format!("hg::{}", dillo().display());
    // Deterministic pseudo-random delays (xorshift).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..6 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(50 + x % 1200);
        let dest = bare_repo(tmp.path(), &format!("k{i}.git"));
        let mut cmd = fetch_cmd(&dest, &url);
        cmd.process_group(0);
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(delay);
        let pgid = format!("-{}", child.id());
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &pgid])
            .status();
        let _ = child.wait();
        // Either nothing, or a complete metadata commit.
        match metadata(&dest) {
            None => assert!(!sorted_refs(&dest)
                .iter()
                .any(|r| r.contains("refs/cinnabar/"))),
            Some(m) => {
                assert!(corpus_refs("dillo").contains(&format!("{m} refs/cinnabar/metadata")));
                fsck_passes(&dest);
            }
        }
        run(fetch_cmd(&dest, &url));
        assert_eq!(
            sorted_refs(&dest),
            corpus_refs("dillo"),
            "killed after {delay:?}"
        );
    }
}

/// A process killed while updating cinnabar's refs leaves their `.lock`
/// files; the next run removes them (it holds cinnabar's ref lock, which
/// the killed process no longer does) and finishes the clone.
#[test]
fn stale_ref_locks_of_a_killed_run_are_removed() {
    let tmp = tempdir();
    let url = format!("hg::{}", dillo().display());
    let dest = bare_repo(tmp.path(), "locked.git");
    std::fs::create_dir_all(dest.join("refs/cinnabar")).unwrap();
    std::fs::create_dir_all(dest.join("refs/notes")).unwrap();
    std::fs::write(dest.join("refs/cinnabar/metadata.lock"), b"").unwrap();
    std::fs::write(dest.join("refs/notes/cinnabar.lock"), b"").unwrap();
    run(fetch_cmd(&dest, &url));
    assert_eq!(sorted_refs(&dest), corpus_refs("dillo"));
    assert!(!dest.join("refs/cinnabar/metadata.lock").exists());
    assert!(!dest.join("refs/notes/cinnabar.lock").exists());
}
