//! `git cinnabar clone`, `git cinnabar setup`, failed imports that leave
//! the metadata alone, and refs git cannot hold.

use std::path::Path;

use crate::support::*;

#[test]
fn cinnabar_clone_sets_up_a_remote_that_pulls() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    commit_file(&repo, "a", 0);
    let mut cmd = command(bin_dir().join("git-cinnabar"), tmp.path());
    cmd.args(["clone", "-q"]).arg(&repo).arg("work");
    let out = output(cmd);
    // `-q` is not ours: clone takes exactly a URL and a directory.
    assert!(!out.status.success());
    let mut cmd = command(bin_dir().join("git-cinnabar"), tmp.path());
    cmd.arg("clone").arg(&repo).arg("work");
    run(cmd);
    let work = tmp.path().join("work");
    assert_eq!(
        git(&work, &["rev-parse", "HEAD"]).trim(),
        "8b86a58578d5270969543e287634e3a2f122a338"
    );
    assert_eq!(std::fs::read_to_string(work.join("a")).unwrap(), "a\n");
    assert_eq!(
        git(&work, &["config", "remote.origin.url"]).trim(),
        format!("hg::{}", repo.display())
    );
    commit_file(&repo, "b", 1);
    git(&work, &["pull", "-q", "--ff-only"]);
    assert_eq!(
        git(&work, &["rev-parse", "HEAD"]).trim(),
        "d04f6df4abe2870ceb759263ee6aaa9241c4f93c"
    );
    // a, then b on top: the second metadata commit has the first (the
    // state of push.t with only a) as its sixth parent.
    let parents = git(
        &work,
        &["rev-list", "--parents", "-n1", "refs/cinnabar/metadata"],
    );
    assert_eq!(parents.split_whitespace().count(), 7, "{parents}");
    assert_eq!(
        git(&work, &["rev-parse", "refs/cinnabar/metadata^6"]).trim(),
        "2836e453f32b1ecccd3acca412f75b07c88176bf"
    );
}

#[test]
fn setup_creates_the_helper_link() {
    let tmp = tempdir();
    let exe = tmp.path().join("git-cinnabar");
    std::fs::copy(env!("CARGO_BIN_EXE_git-cinnabar"), &exe).unwrap();
    let mut cmd = command(&exe, tmp.path());
    cmd.arg("setup");
    run(cmd);
    let link = tmp.path().join("git-remote-hg");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("git-cinnabar")
    );
}

#[test]
fn failed_import_keeps_metadata_and_rerun_completes() {
    let tmp = tempdir();
    let data = std::fs::read(corpus("dillo.hg")).unwrap();
    let truncated = tmp.path().join("truncated.hg");
    std::fs::write(&truncated, &data[..data.len() * 2 / 3]).unwrap();
    let dest = bare_repo(tmp.path(), "repo.git");
    let fetch = |url: &Path| {
        let mut cmd = command("git", &dest);
        cmd.args(["fetch", "-q"])
            .arg(format!("hg::{}", url.display()))
            .arg("refs/heads/*:refs/heads/*");
        output(cmd)
    };
    let out = fetch(&truncated);
    assert!(!out.status.success());
    assert_eq!(refs(&dest), Vec::<String>::new());
    assert!(fetch(&corpus("dillo.hg")).status.success());
    let mut actual = refs(&dest);
    actual.sort();
    assert_eq!(actual, corpus_refs("dillo"));
}

#[test]
fn branch_names_git_refuses_are_encoded() {
    let tmp = tempdir();
    let dest = tmp.path().join("clone.git");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "--mirror"])
        .arg(format!(
            "hg::{}",
            corpus("edge/test-invalid-branch-name.hg").display()
        ))
        .arg(&dest);
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let names: Vec<String> = refs(&dest)
        .iter()
        .map(|l| l.split_once(' ').unwrap().1.to_string())
        .filter(|n| n.starts_with("refs/heads/"))
        .collect();
    assert_eq!(
        names,
        [
            "refs/heads/branches/colon%3Atest/tip",
            "refs/heads/branches/default/tip"
        ]
    );
}
