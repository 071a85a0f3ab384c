//! `git cinnabar data` prints what `hg debugdata` prints, for changesets,
//! manifests and file revisions (with copy metadata, exec bits, symlinks,
//! branches and merges), and for some nodes of a corpus clone.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::*;

fn hg_bytes(repo: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = command(hg_path(), repo);
    cmd.args(args);
    run(cmd)
}

fn data(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = command("git", dir);
    cmd.args(["cinnabar", "data"]).args(args);
    run(cmd)
}

fn commit(repo: &Path, msg: &str, date: u32) {
    hg(
        repo,
        &[
            "commit",
            "-q",
            "-m",
            msg,
            "-u",
            "nobody",
            "-d",
            &format!("{date} 0"),
        ],
    );
}

fn write(repo: &Path, name: &str, text: &str) {
    std::fs::write(repo.join(name), text).unwrap();
}

/// (path, file node) pairs of a changeset's manifest.
fn manifest_files(repo: &Path, args: &[&str], rev: &str) -> Vec<(String, String)> {
    let mut all = args.to_vec();
    all.extend(["manifest", "--debug", "-r", rev]);
    hg(repo, &all)
        .lines()
        .filter_map(|l| {
            let (node, rest) = l.split_once(' ')?;
            if node.len() != 40 || !node.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            // `<perm> <flag or space> <path>`.
            let path = rest.get(6..)?;
            Some((path.to_string(), node.to_string()))
        })
        .collect()
}

/// Compares every changeset of `revs`, its manifest and its files.
fn compare(repo_args: &[&str], cwd: &Path, git_dir: &Path, revs: &[String], max_files: usize) {
    let mut files = BTreeSet::new();
    for node in revs {
        let mut args = repo_args.to_vec();
        args.extend(["debugdata", "-c", node]);
        let expected = hg_bytes(cwd, &args);
        assert_eq!(data(git_dir, &["-c", node]), expected, "changeset {node}");
        let short = &node[..12];
        assert_eq!(data(git_dir, &["-c", short]), expected, "changeset {short}");
        let manifest = String::from_utf8_lossy(&expected[..40]).into_owned();
        let mut args = repo_args.to_vec();
        args.extend(["debugdata", "-m", &manifest]);
        assert_eq!(
            data(git_dir, &["-m", &manifest]),
            hg_bytes(cwd, &args),
            "manifest {manifest}"
        );
        files.extend(manifest_files(cwd, repo_args, node));
    }
    // Spread the sample over the whole set.
    let step = files.len().div_ceil(max_files).max(1);
    for (path, node) in files.into_iter().step_by(step) {
        let mut args = repo_args.to_vec();
        args.extend(["debugdata", &path, &node]);
        assert_eq!(
            data(git_dir, &[&node]),
            hg_bytes(cwd, &args),
            "file {path} {node}"
        );
    }
}

#[test]
fn data_matches_hg_debugdata() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    write(&repo, "a.txt", "a\n");
    write(&repo, "b.txt", "b\nb\n");
    std::fs::create_dir(repo.join("dir")).unwrap();
    write(&repo, "dir/x", "x\n");
    hg(&repo, &["add", "a.txt", "b.txt", "dir/x"]);
    commit(&repo, "first", 0);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(repo.join("b.txt"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("a.txt", repo.join("link")).unwrap();
    hg(&repo, &["add", "link"]);
    commit(&repo, "exec and symlink", 1);
    hg(&repo, &["cp", "a.txt", "c.txt"]);
    hg(&repo, &["mv", "b.txt", "dir/d.txt"]);
    write(&repo, "a.txt", "a\nmore\n");
    commit(&repo, "copy, rename and edit", 2);
    hg(&repo, &["update", "-q", "-r", "1"]);
    hg(&repo, &["branch", "-q", "foo"]);
    write(&repo, "e.txt", "e\n");
    hg(&repo, &["add", "e.txt"]);
    commit(&repo, "on foo", 3);
    hg(&repo, &["update", "-q", "-r", "2"]);
    hg(&repo, &["merge", "-q", "-r", "3"]);
    commit(&repo, "merge foo", 4);
    write(&repo, "e.txt", "e\ne\n");
    hg(&repo, &["cp", "dir/d.txt", "f.txt"]);
    commit(&repo, "after merge", 5);

    let dest = tmp.path().join("clone.git");
    mirror_clone(&repo, &dest);
    let revs: Vec<String> = hg(&repo, &["log", "-T", "{node}\n"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(revs.len(), 6);
    compare(&[], &repo, &dest, &revs, usize::MAX);
    // The empty file and unknown ids.
    let mut cmd = command("git", &dest);
    cmd.args([
        "cinnabar",
        "data",
        "-c",
        "0123456789012345678901234567890123456789",
    ]);
    assert_eq!(output(cmd).status.code(), Some(1));
    let mut cmd = command("git", &dest);
    cmd.args(["cinnabar", "fsck", "--full"]);
    run(cmd);
}

#[test]
fn data_matches_hg_debugdata_on_corpus() {
    let bundle = corpus("ripgrep.hg");
    let tmp = tempdir();
    let dest = corpus_clone("ripgrep");
    let bundle = bundle.to_str().unwrap();
    let revs: Vec<String> = hg(
        tmp.path(),
        &["-R", bundle, "log", "-r", "0+100+tip", "-T", "{node}\n"],
    )
    .lines()
    .map(str::to_string)
    .collect();
    assert_eq!(revs.len(), 3);
    compare(&["-R", bundle], tmp.path(), &dest, &revs, 15);
}
