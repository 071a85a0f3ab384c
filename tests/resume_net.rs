//! Network imports that resume (src/import/resume.rs): a clone from
//! `hg serve` over http or ssh, or from a clone bundle, killed after some
//! checkpoints keeps them, and the next fetch imports only the rest (the
//! server sends only the changesets the checkpoints lack, which the
//! `checkpoint` log target counts), ending where an uninterrupted clone
//! ends: the corpus map, the refs a server gives, the same parents of the
//! metadata commit.

use std::path::Path;

use crate::resume::{
    changesets, every, fetch, fsck_passes, kill_after_first_checkpoint, metadata_parents,
    mirror_repo, resumed_with, sent, total, without_metadata, NAME,
};
use crate::support::*;

/// The count in the message of a run that resumes from a checkpoint.
fn resumed_from(stderr: &str) -> Option<usize> {
    let rest = stderr.split("its checkpoints hold ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// The log target and the hook that aborts after `n` changesets.
fn env(abort_at: Option<usize>) -> Vec<(&'static str, String)> {
    let mut env = vec![("GIT_CINNABAR_LOG", "checkpoint".to_string())];
    if let Some(n) = abort_at {
        env.push(("GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS", n.to_string()));
    }
    env
}

/// The refs but the metadata's.
fn branch_refs(dest: &Path) -> Vec<String> {
    crate::resume::branch_refs(dest)
}

/// Asserts that `dest` ended like an uninterrupted clone of `repo`.
fn assert_complete(dest: &Path, repo: &Path, what: &str) {
    assert_map(&notes_map(dest), &corpus_map(NAME), what);
    let expected = without_metadata(served_corpus_refs(repo, NAME));
    assert_eq!(branch_refs(dest), expected, "{what}: refs");
    assert_eq!(
        metadata_parents(dest),
        metadata_parents(&corpus_clone(NAME)),
        "{what}: metadata"
    );
    assert!(
        !dest.join("cinnabar/checkpoint").exists(),
        "{what}: marker left"
    );
    fsck_passes(dest);
}

/// Killed by the test hook at 25%, 50% and 75% of the changesets of a
/// clone over http: each rerun says where it resumes and the server sends
/// only the rest.
#[test]
fn http_killed_at_quarters_resumes() {
    let tmp = tempdir();
    let repo = corpus_hg(NAME, None);
    let server = Server::hg(&repo, &[]);
    let url = format!("hg::{}", server.url());
    let (total, every) = (total(), every());
    for pct in [25, 50, 75] {
        let what = format!("http, killed at {pct}%");
        let dest = mirror_repo(tmp.path(), &format!("h{pct}.git"), &url);
        let abort_at = total * pct / 100;
        let out = output(fetch(&dest, &env(Some(abort_at))));
        assert!(!out.status.success(), "{what}: the fetch was not killed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(sent(&stderr), vec![total], "{what}: first run: {stderr}");
        let kept = abort_at / every * every;
        assert!(kept > 0, "{what}: no checkpoint");
        assert_eq!(changesets(&dest), kept, "{what}: changesets kept");
        assert_eq!(branch_refs(&dest), Vec::<String>::new(), "{what}");
        fsck_passes(&dest);
        let out = output(fetch(&dest, &env(None)));
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(resumed_from(&stderr), Some(kept), "{what}: {stderr}");
        assert_eq!(sent(&stderr), vec![total - kept], "{what}: {stderr}");
        assert_complete(&dest, &repo, &what);
    }
}

/// A real `kill -9` of a fetch over ssh (git, the helper and the ssh
/// stand-in) once a checkpoint is committed; the next fetch over ssh asks
/// only for the rest.
#[test]
fn ssh_killed_resumes() {
    let tmp = tempdir();
    let repo = corpus_hg(NAME, None);
    let ssh = fake_ssh(tmp.path(), repo.parent().unwrap(), "");
    let url = format!("hg::ssh://localhost/{NAME}-hg");
    let dest = mirror_repo(tmp.path(), "s.git", &url);
    let ssh_env = ("GIT_SSH_COMMAND", ssh.display().to_string());
    let kept = kill_after_first_checkpoint(fetch(&dest, std::slice::from_ref(&ssh_env)), &dest);
    let mut env = env(None);
    env.push(ssh_env);
    let out = output(fetch(&dest, &env));
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(resumed_from(&stderr), Some(kept), "{stderr}");
    assert_eq!(sent(&stderr), vec![total() - kept], "{stderr}");
    assert_complete(&dest, &repo, "ssh, killed");
}

/// A clone killed half-way through its clone bundle: the next fetch
/// imports the rest of the kept bundle, then only what the bundle lacks
/// from the server. When the kept bundle is gone, the server sends all
/// that the checkpoints lack.
#[test]
fn clonebundle_killed_resumes() {
    let tmp = tempdir();
    let small = corpus_hg(NAME, Some(3999));
    let in_bundle = hg_count(&small);
    let bundle = tmp.path().join("b.hg");
    let b = bundle.to_str().unwrap();
    hg(&small, &["bundle", "-q", "-a", "-t", "gzip-v2", b]);
    let files = Server::wsgi(tmp.path(), &bundle, "file");
    let repo = corpus_repo(tmp.path(), NAME, None);
    let manifest = format!("{}b.hg BUNDLESPEC=gzip-v2\n", files.url());
    std::fs::write(repo.join(".hg/clonebundles.manifest"), manifest).unwrap();
    let server = Server::hg(&repo, &["extensions.clonebundles="]);
    let url = format!("hg::{}", server.url());
    let (total, every) = (total(), every());
    let kept = in_bundle / 2 / every * every;
    assert!(kept > 0);
    for keep_bundle in [true, false] {
        let what = format!("clone bundle kept: {keep_bundle}");
        let dest = mirror_repo(tmp.path(), &format!("c{keep_bundle}.git"), &url);
        let out = output(fetch(&dest, &env(Some(in_bundle / 2))));
        assert!(!out.status.success(), "{what}: the fetch was not killed");
        assert_eq!(changesets(&dest), kept, "{what}: changesets kept");
        let kept_bundle = dest.join("cinnabar/clonebundle.hg");
        assert!(kept_bundle.exists(), "{what}: the clone bundle is not kept");
        if !keep_bundle {
            std::fs::remove_file(&kept_bundle).unwrap();
        }
        let out = output(fetch(&dest, &env(None)));
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(resumed_from(&stderr), Some(kept), "{what}: {stderr}");
        if keep_bundle {
            assert_eq!(resumed_with(&stderr), Some(in_bundle - kept), "{what}");
            assert_eq!(sent(&stderr), vec![total - in_bundle], "{what}");
        } else {
            assert_eq!(resumed_with(&stderr), None, "{what}");
            assert_eq!(sent(&stderr), vec![total - kept], "{what}");
        }
        assert!(!kept_bundle.exists(), "{what}: the clone bundle is left");
        assert_complete(&dest, &repo, &what);
    }
}

/// `cinnabar.checkpoint-seconds` alone: the first pass takes 1000
/// changesets, the next ones are sized by time; the end is the same.
#[test]
fn timed_checkpoints() {
    let tmp = tempdir();
    let repo = corpus_hg(NAME, None);
    let server = Server::hg(&repo, &[]);
    let url = format!("hg::{}", server.url());
    let dest = mirror_repo(tmp.path(), "t.git", &url);
    let mut cmd = command("git", &dest);
    cmd.args(["-c", "cinnabar.checkpoint=0", "-c"])
        .args(["cinnabar.checkpoint-seconds=1", "fetch", "origin"])
        .env("GIT_CINNABAR_LOG", "checkpoint");
    let out = output(cmd);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let checkpoints: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("DEBUG checkpoint: ") && l.contains(" of "))
        .collect();
    assert!(
        checkpoints
            .first()
            .is_some_and(|l| l.starts_with("DEBUG checkpoint: 1000 of ")),
        "{stderr}"
    );
    assert_complete(&dest, &repo, "timed checkpoints");
}

/// A bundle served over HTTP (not a Mercurial server) is spooled and
/// imported in chunks like a bundle file: killed at 50%, the rerun
/// downloads it again and imports only the changesets after the last
/// checkpoint.
#[test]
fn served_bundle_killed_resumes() {
    let tmp = tempdir();
    let files = Server::wsgi(tmp.path(), &corpus(format!("{NAME}.hg")), "file");
    let url = format!("hg::{}{NAME}.hg", files.url());
    let (total, every) = (total(), every());
    let dest = mirror_repo(tmp.path(), "b.git", &url);
    let out = output(fetch(&dest, &env(Some(total / 2))));
    assert!(!out.status.success(), "the fetch was not killed");
    let kept = total / 2 / every * every;
    assert_eq!(changesets(&dest), kept, "changesets kept");
    let out = output(fetch(&dest, &env(None)));
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(resumed_with(&stderr), Some(total - kept), "{stderr}");
    let reference = corpus_clone(NAME);
    assert_map(&notes_map(&dest), &corpus_map(NAME), "served bundle");
    assert_eq!(branch_refs(&dest), branch_refs(&reference), "refs");
    assert_eq!(metadata_parents(&dest), metadata_parents(&reference));
}
