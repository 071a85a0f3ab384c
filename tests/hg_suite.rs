//! Edge cases found by importing the repositories of Mercurial's own test
//! suite and odd repositories built the way its test scripts build them
//! (see notes/hg-test-suite.md). Every repository is made here with real
//! `hg` commands.

use std::path::{Path, PathBuf};

use crate::support::*;

/// `hg init dir/name` with `config` lines written to its `.hg/hgrc`.
fn hg_repo(dir: &Path, name: &str, config: &str) -> PathBuf {
    hg(dir, &["init", name]);
    let repo = dir.join(name);
    std::fs::write(repo.join(".hg/hgrc"), config).unwrap();
    repo
}

/// `hg commit -A` of the working directory, with a fixed user and date.
fn commit(repo: &Path, message: &str, extra: &[&str]) {
    let mut args = vec!["commit", "-q", "-A", "-m", message, "-u", "test"];
    if !extra.contains(&"-d") {
        args.extend_from_slice(&["-d", "0 0"]);
    }
    args.extend_from_slice(extra);
    hg(repo, &args);
}

/// `hg bundle --all` of `repo` as `dir/name.hg`, of bundle type `spec`.
fn bundle(repo: &Path, dir: &Path, name: &str, spec: &str) -> PathBuf {
    let path = dir.join(format!("{name}.hg"));
    hg(
        repo,
        &["bundle", "-q", "--all", "-t", spec, path.to_str().unwrap()],
    );
    path
}

/// Fetches `source` into a new bare repository, expecting failure; returns
/// stderr after checking that neither a ref nor metadata was written.
fn refused(source: &Path) -> String {
    let tmp = tempdir();
    let dest = bare_repo(tmp.path(), "repo.git");
    let mut cmd = command("git", &dest);
    cmd.args(["fetch", "-q", &format!("hg::{}", source.display())])
        .arg("refs/heads/*:refs/heads/*");
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(refs(&dest), Vec::<String>::new(), "{stderr}");
    assert_eq!(metadata(&dest), None, "{stderr}");
    stderr
}

/// The `fatal:` line of a failed fetch.
fn fatal(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("fatal: while"))
        .unwrap_or_else(|| panic!("no fatal line in {stderr}"))
}

#[test]
fn lfs_revisions_are_refused() {
    let tmp = tempdir();
    let store = tmp.path().join("lfs-store");
    let repo = hg_repo(
        tmp.path(),
        "lfs",
        &format!(
            "[extensions]\nlfs=\n[lfs]\ntrack=all()\nurl=file://{}\n",
            store.display()
        ),
    );
    std::fs::write(repo.join("a"), "big\n").unwrap();
    commit(&repo, "a", &[]);
    // lfs makes `hg bundle` use changegroup 03, with the EXTSTORED flag.
    let b = bundle(&repo, tmp.path(), "lfs", "none-v2");
    let stderr = refused(&b);
    assert_eq!(
        fatal(&stderr),
        format!(
            "fatal: while importing {}: file \"a\" revision \
             892f6b3676895e7292ea2a113e3e045ade15ca40 is stored outside the \
             repository (LFS): such revisions are not supported",
            b.display()
        )
    );
}

#[test]
fn censored_revisions_are_refused() {
    let tmp = tempdir();
    let repo = hg_repo(tmp.path(), "censor", "[extensions]\ncensor=\n");
    std::fs::write(repo.join("a"), "secret\n").unwrap();
    commit(&repo, "a", &[]);
    std::fs::write(repo.join("a"), "public\n").unwrap();
    commit(&repo, "b", &[]);
    hg(&repo, &["censor", "-q", "-r", "0", "a"]);
    // Changegroup 03 says the revision is censored.
    let b = bundle(&repo, tmp.path(), "cg3", "none-v2;cg.version=03");
    assert_eq!(
        fatal(&refused(&b)),
        format!(
            "fatal: while importing {}: file \"a\" revision \
             b1c12cf98dc85538350069f3b27270a7f1236462 is censored: such \
             revisions are not supported",
            b.display()
        )
    );
    // Changegroup 02 cannot say it: the tombstone does not hash to the node.
    let b = bundle(&repo, tmp.path(), "cg2", "none-v2");
    assert!(
        fatal(&refused(&b)).ends_with(
            "file revision b1c12cf98dc85538350069f3b27270a7f1236462 does not \
             match its content (it hashes to bec0a6af7bf9daa7232df42a910d6b3ee42a198b)"
        ),
        "{}",
        fatal(&refused(&b))
    );
}

/// A large file revision (its node verified on the import's node-check
/// thread) whose text does not hash to its node fails the import with the
/// error a small one gives, naming the first bad revision even though the
/// import went on meanwhile (later revisions, deltas against it, are bad
/// too).
#[test]
fn large_file_node_mismatch_is_refused() {
    use cinnabar::hg::HgNode;
    let tmp = tempdir();
    let repo = hg_repo(tmp.path(), "big", "");
    let text: String = (0..4000)
        .map(|i| format!("line {i:05} of a big file\n"))
        .collect();
    std::fs::write(repo.join("big"), &text).unwrap();
    std::fs::write(repo.join("small"), "small\n").unwrap();
    commit(&repo, "a", &[]);
    for i in 0..3 {
        std::fs::write(repo.join("big"), format!("{text}change {i}\n")).unwrap();
        commit(&repo, &format!("c{i}"), &[]);
    }
    let manifest = hg(&repo, &["manifest", "--debug", "-r", "0"]);
    let node = manifest
        .lines()
        .find(|l| l.ends_with(" big"))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .to_string();
    let b = bundle(&repo, tmp.path(), "big", "none-v2");
    let mut data = std::fs::read(&b).unwrap();
    let pos = data.windows(10).position(|w| w == b"line 02000").unwrap();
    data[pos] = b'L';
    std::fs::write(&b, &data).unwrap();
    let tampered = text.replacen("line 02000", "Line 02000", 1);
    let actual = HgNode::hash(&HgNode::NULL, &HgNode::NULL, tampered.as_bytes());
    assert_eq!(
        fatal(&refused(&b)),
        format!(
            "fatal: while importing {}: file big revision {node}: file revision {node} \
             does not match its content (it hashes to {actual})",
            b.display()
        )
    );
}

#[test]
fn tree_manifests_are_refused() {
    let tmp = tempdir();
    hg(
        tmp.path(),
        &["init", "--config", "experimental.treemanifest=1", "tree"],
    );
    let repo = tmp.path().join("tree");
    std::fs::create_dir(repo.join("d")).unwrap();
    std::fs::write(repo.join("d/a"), "a\n").unwrap();
    commit(&repo, "a", &[]);
    let b = bundle(&repo, tmp.path(), "tree", "none-v2;cg.version=03");
    assert_eq!(
        fatal(&refused(&b)),
        format!(
            "fatal: while importing {}: tree manifest directory \"d/\": tree \
             manifests are not supported",
            b.display()
        )
    );
}

#[test]
fn dotgit_lookalike_paths_are_refused() {
    // Names git's checkout refuses (core.protectNTFS, core.protectHFS).
    for (path, component) in [
        (".git ", ".git "),
        (".git.", ".git."),
        ("git~1/x", "git~1"),
        ("GIT~1", "GIT~1"),
        ("d/.gi\u{200c}t/config", ".gi\u{200c}t"),
        ("\u{feff}.Git", "\u{feff}.Git"),
    ] {
        let tmp = tempdir();
        hg(tmp.path(), &["init", "repo"]);
        let repo = tmp.path().join("repo");
        std::fs::write(repo.join("ok"), "ok\n").unwrap();
        commit(&repo, "ok", &[]);
        let file = repo.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "x\n").unwrap();
        commit(&repo, "odd", &[]);
        let node = hg(&repo, &["log", "-r", "tip", "-T", "{node}"]);
        let b = bundle(&repo, tmp.path(), "b", "none-v2");
        let stderr = refused(&b);
        let wanted = path
            .find(component)
            .map(|at| &path[..at + component.len()])
            .unwrap();
        assert_eq!(
            fatal(&stderr),
            format!(
                "fatal: while importing {}: changeset {node}: refusing path \
                 {wanted:?}: git does not allow `{component}` in a path",
                b.display()
            ),
            "{path:?}"
        );
    }
}

/// `hg debugdata` of a changeset (`-c`) or manifest (`-m`).
fn hg_data(repo: &Path, kind: &str, node: &str) -> Vec<u8> {
    let mut cmd = command(hg_path(), repo);
    cmd.args(["debugdata", kind, node]);
    run(cmd)
}

/// `git cinnabar data` of a changeset (`-c`) or manifest (`-m`).
fn cinnabar_data(clone: &Path, kind: &str, node: &str) -> Vec<u8> {
    let mut cmd = command("git", clone);
    cmd.args(["cinnabar", "data", kind, node]);
    run(cmd)
}

#[test]
fn odd_changesets_round_trip() {
    let tmp = tempdir();
    hg(tmp.path(), &["init", "repo"]);
    let repo = tmp.path().join("repo");
    let write = |name: &str, data: &[u8]| std::fs::write(repo.join(name), data).unwrap();
    // Empty file, names with spaces and non-ASCII, Windows-reserved names.
    write("empty", b"");
    write("a b", b"1\n");
    write("\u{e9}t\u{e9}", b"2\n");
    write("a:b", b"3\n");
    commit(&repo, "names", &[]);
    // A file whose text starts like copy metadata is escaped in its revlog.
    write("meta", b"\x01\nnot meta\x01\nrest");
    commit(&repo, "meta-like content", &[]);
    // An empty changeset.
    commit(&repo, "empty", &["--config", "ui.allowemptycommit=1"]);
    // Offsets that are not whole minutes, or far from UTC.
    write("a b", b"tz\n");
    commit(&repo, "tz 30s", &["-d", "1000 30"]);
    write("a b", b"tz2\n");
    commit(&repo, "tz -14h", &["-d", "1000 -50400"]);
    // A merge with both parents the same changeset.
    hg(&repo, &["debugsetparents", "4", "4"]);
    commit(&repo, "p1 == p2", &["--config", "ui.allowemptycommit=1"]);
    // A message that is not UTF-8, without a final newline, with CRs.
    write("msg", b"caf\xe9\r\n  trailing  ");
    write("a b", b"latin1\n");
    let mut cmd = command(hg_path(), &repo);
    cmd.args([
        "commit", "-q", "-u", "test", "-d", "0 0", "-l", "msg", "a b",
    ])
    .env("HGENCODING", "latin1");
    run(cmd);
    // A closed branch.
    hg(&repo, &["branch", "-q", "closed"]);
    write("c", b"c\n");
    commit(&repo, "c", &[]);
    commit(&repo, "close", &["--close-branch"]);

    let dest = tmp.path().join("clone.git");
    mirror_clone(&repo, &dest);
    let out = fsck_full(&dest);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = hg(&repo, &["log", "-T", "{node} {manifest % '{node}'}\n"]);
    let nodes: Vec<(&str, &str)> = log.lines().map(|l| l.split_once(' ').unwrap()).collect();
    assert_eq!(nodes.len(), 9);
    assert_eq!(notes_map(&dest).len(), 9);
    for (changeset, manifest) in nodes {
        assert_eq!(
            cinnabar_data(&dest, "-c", changeset),
            hg_data(&repo, "-c", changeset),
            "changeset {changeset}"
        );
        assert_eq!(
            cinnabar_data(&dest, "-m", manifest),
            hg_data(&repo, "-m", manifest),
            "manifest {manifest}"
        );
    }
    // The closed branch keeps its (closed) head.
    let mut heads: Vec<String> = refs(&dest)
        .into_iter()
        .filter_map(|r| r.split_once(' ').map(|(_, name)| name.to_string()))
        .filter(|name| name.starts_with("refs/heads/"))
        .collect();
    heads.sort();
    assert_eq!(
        heads,
        [
            "refs/heads/branches/closed/tip",
            "refs/heads/branches/default/tip"
        ]
    );
}
