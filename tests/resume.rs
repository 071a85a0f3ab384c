//! Imports that resume (src/import/chunked.rs): a bundle import killed
//! after some checkpoints keeps them; `git cinnabar fsck` passes on what
//! is left, `rollback` steps back one checkpoint, and the next fetch, from
//! the bundle or from a server, imports only the rest and ends where an
//! uninterrupted clone ends: the corpus map, the same refs, the same five
//! parents of the metadata commit (only the chain of metadata commits
//! differs).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::*;

/// The corpus bundle: the largest that keeps these tests short.
pub(crate) const NAME: &str = "flask";

/// Changesets of the bundle.
pub(crate) fn total() -> usize {
    corpus_map(NAME).len()
}

/// Changesets per checkpoint: five chunks.
pub(crate) fn every() -> usize {
    total().div_ceil(5)
}

/// A bare repository whose `origin` mirrors `url`.
pub(crate) fn mirror_repo(parent: &Path, name: &str, url: &str) -> PathBuf {
    let dest = bare_repo(parent, name);
    git(&dest, &["remote", "add", "--mirror=fetch", "origin", url]);
    dest
}

/// `git fetch --progress origin` with checkpoints every [`every`].
pub(crate) fn fetch(dest: &Path, env: &[(&str, String)]) -> std::process::Command {
    let mut cmd = command("git", dest);
    let setting = format!("cinnabar.checkpoint={}", every());
    cmd.args(["-c", &setting, "fetch", "--progress", "origin"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub(crate) fn changesets(dest: &Path) -> usize {
    if metadata(dest).is_none() {
        return 0;
    }
    notes_map(dest).len()
}

pub(crate) fn fsck_passes(dest: &Path) {
    let out = fsck_full(dest);
    check(&out);
}

/// The refs but the metadata chain's (and fsck's mark).
pub(crate) fn branch_refs(dest: &Path) -> Vec<String> {
    without_metadata(refs(dest))
}

/// `refs` less the metadata chain's (and fsck's mark), sorted.
pub(crate) fn without_metadata(refs: Vec<String>) -> Vec<String> {
    let mut r: Vec<String> = refs
        .into_iter()
        .filter(|r| {
            !r.ends_with(" refs/cinnabar/metadata")
                && !r.ends_with(" refs/notes/cinnabar")
                && !r.ends_with(" refs/cinnabar/checked")
        })
        .collect();
    r.sort();
    r
}

/// The metadata commit's tree and five parents.
pub(crate) fn metadata_parents(dest: &Path) -> Vec<String> {
    ["^{tree}", "^1", "^2", "^3", "^4", "^5"]
        .iter()
        .map(|p| rev_parse(dest, &format!("refs/cinnabar/metadata{p}")).unwrap())
        .collect()
}

/// Asserts that `dest` ended like an uninterrupted clone.
fn assert_complete(dest: &Path, what: &str) {
    let reference = corpus_clone(NAME);
    assert_map(&notes_map(dest), &corpus_map(NAME), what);
    assert_eq!(branch_refs(dest), branch_refs(&reference), "{what}: refs");
    assert_eq!(
        metadata_parents(dest),
        metadata_parents(&reference),
        "{what}: metadata"
    );
}

/// The number in the resume message of a run's stderr.
pub(crate) fn resumed_with(stderr: &str) -> Option<usize> {
    let rest = stderr.split("importing the other ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Killed by the test hook at 25%, 50% and 75% of the changesets: the
/// checkpoints before stay, and the rerun from the bundle imports the
/// rest. At 50%, a rollback first steps back one checkpoint.
#[test]
fn bundle_killed_at_quarters_resumes() {
    let tmp = tempdir();
    let url = format!("hg::{}", corpus(format!("{NAME}.hg")).display());
    let (total, every) = (total(), every());
    for pct in [25, 50, 75] {
        let what = format!("killed at {pct}%");
        let dest = mirror_repo(tmp.path(), &format!("q{pct}.git"), &url);
        let abort_at = total * pct / 100;
        let hook = (
            "GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS",
            abort_at.to_string(),
        );
        let out = output(fetch(&dest, &[hook]));
        assert!(!out.status.success(), "{what}: the fetch was not killed");
        let mut kept = abort_at / every * every;
        assert_eq!(changesets(&dest), kept, "{what}: changesets kept");
        assert!(kept > 0, "{what}: no checkpoint");
        assert_eq!(branch_refs(&dest), Vec::<String>::new(), "{what}");
        fsck_passes(&dest);
        if pct == 50 {
            let before = rev_parse(&dest, "refs/cinnabar/metadata^6");
            git(&dest, &["cinnabar", "rollback"]);
            assert_eq!(metadata(&dest), before, "{what}: rollback");
            kept -= every;
            assert_eq!(changesets(&dest), kept, "{what}: after rollback");
            fsck_passes(&dest);
        }
        let out = output(fetch(&dest, &[]));
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            resumed_with(&stderr),
            Some(total - kept),
            "{what}: the rerun's message: {stderr}"
        );
        assert_complete(&dest, &what);
    }
}

/// A clone in five passes reads what it needs of the earlier passes
/// (notes trees at each checkpoint) from the packs it finished, without
/// going through git's mapped packs (`store::pack::FinishedPacks`), and
/// ends like a clone in one pass.
#[test]
fn passes_read_their_finished_packs() {
    let tmp = tempdir();
    let url = format!("hg::{}", corpus(format!("{NAME}.hg")).display());
    let dest = mirror_repo(tmp.path(), "passes.git", &url);
    let out = output(fetch(&dest, &[("GIT_CINNABAR_LOG", "stats".to_string())]));
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("object(s) written"))
        .unwrap_or_else(|| panic!("no stats line: {stderr}"));
    assert!(
        line.contains(" 0 read(s) from the repository, 0 missing, "),
        "{line}"
    );
    let finished: u64 = line
        .split(" missing, ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(finished > 0, "{line}");
    assert_complete(&dest, "five passes");
}

/// The `checkpoint` log's counts of the changesets a server sent.
pub(crate) fn sent(stderr: &str) -> Vec<usize> {
    stderr
        .lines()
        .filter_map(|l| l.split(" sent ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

/// Runs `cmd` (a fetch into `dest`) in its own process group and kills
/// the whole group (`kill -9`: git and the helper) once the first
/// checkpoint is committed; checks that what was kept is a whole number of
/// checkpoints and fsck-clean. Returns how many changesets were kept.
pub(crate) fn kill_after_first_checkpoint(mut cmd: std::process::Command, dest: &Path) -> usize {
    cmd.process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    while metadata(dest).is_none() && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    let kept = changesets(dest);
    assert!(kept > 0 && kept < total(), "kept {kept} changesets");
    assert_eq!(kept % every(), 0, "kept {kept}: not a checkpoint");
    fsck_passes(dest);
    kept
}

/// A real `kill -9` of the running fetch (git and the helper) once a
/// checkpoint is committed; the next fetch, from `hg serve` of the same
/// repository, asks the server only for the changesets not committed.
#[test]
fn bundle_killed_resumes_from_server() {
    let tmp = tempdir();
    let bundle = format!("hg::{}", corpus(format!("{NAME}.hg")).display());
    let dest = mirror_repo(tmp.path(), "k.git", &bundle);
    let kept = kill_after_first_checkpoint(fetch(&dest, &[]), &dest);
    let server = Server::hg(&corpus_hg(NAME, None), &[]);
    let url = format!("hg::{}", server.url());
    git(&dest, &["remote", "set-url", "origin", &url]);
    let log = ("GIT_CINNABAR_LOG", "checkpoint".to_string());
    let out = output(fetch(&dest, &[log]));
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        sent(&stderr),
        vec![total() - kept],
        "changesets asked for: {stderr}"
    );
    assert_complete(&dest, "killed, then fetched from a server");
}
