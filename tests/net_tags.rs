//! `hg::tags:` and `git cinnabar fetch --tags` give the tags `hg tags`
//! shows, with moved, removed and conflicting tags on several heads.

use std::collections::BTreeMap;

use crate::support::*;

#[test]
fn tags_match_hg() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    let mut n = 0;
    let mut commit = |name: &str| {
        std::fs::write(repo.join(name), format!("{name}\n")).unwrap();
        hg(&repo, &["add", name]);
        let date = format!("{n} 0");
        hg(&repo, &["commit", "-m", name, "-u", "nobody", "-d", &date]);
        n += 1;
    };
    commit("a");
    commit("b");
    let tag = |args: &[&str]| {
        let mut all = vec!["tag", "-u", "nobody", "-d", "100 0"];
        all.extend_from_slice(args);
        hg(&repo, &all);
    };
    tag(&["-r", "0", "v1"]);
    tag(&["-r", "1", "v2"]);
    tag(&["-f", "-r", "1", "v1"]);
    tag(&["--remove", "v2"]);
    tag(&["-r", "0", "v3"]);
    // A second head with its own view of the tags.
    hg(&repo, &["update", "-q", "-r", "3"]);
    tag(&["-f", "-r", "0", "v1"]);
    tag(&["-r", "2", "other"]);

    assert_tags_match_hg(tmp.path(), &repo);
}

/// Clones `repo`, fetches its tags with `git cinnabar fetch --tags` and
/// compares them with `hg tags`.
fn assert_tags_match_hg(tmp: &std::path::Path, repo: &std::path::Path) {
    let git_dir = tmp.join("clone.git");
    mirror_clone(repo, &git_dir);
    let mut cmd = command("git", &git_dir);
    cmd.args(["cinnabar", "fetch", "--tags"]);
    run(cmd);

    let map: BTreeMap<String, String> = notes_map(&git_dir)
        .into_iter()
        .map(|l| {
            let (h, g) = l.split_once(' ').unwrap();
            (g.to_string(), h.to_string())
        })
        .collect();
    let actual: BTreeMap<String, String> = git(
        &git_dir,
        &[
            "for-each-ref",
            "--format=%(refname:strip=2) %(objectname)",
            "refs/tags",
        ],
    )
    .lines()
    .map(|l| {
        let (name, oid) = l.rsplit_once(' ').unwrap();
        (name.to_string(), map[oid].clone())
    })
    .collect();
    let expected: BTreeMap<String, String> = hg(repo, &["tags", "--debug"])
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.trim_end().rsplit_once(' ')?;
            let node = rest.split(':').nth(1)?;
            let name = name.trim_end();
            (name != "tip").then(|| (name.to_string(), node.to_string()))
        })
        .collect();
    assert_eq!(actual, expected);
}

/// A branch head with a child on another branch is no topological head:
/// its `.hgtags` is not read, as Mercurial does not read it. Here it is
/// the only one naming `v2` (its child on `default` rewrote `.hgtags`
/// without it), and the branch head `default` had before the named
/// branch still names only `v1`.
#[test]
fn tags_of_topological_heads_only() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    let commit = |name: &str, n: u32| {
        std::fs::write(repo.join(name), format!("{name}\n")).unwrap();
        hg(&repo, &["add", name]);
        let date = format!("{n} 0");
        hg(&repo, &["commit", "-m", name, "-u", "nobody", "-d", &date]);
    };
    commit("a", 0);
    hg(
        &repo,
        &["tag", "-u", "nobody", "-d", "1 0", "-r", "0", "v1"],
    );
    hg(&repo, &["branch", "-q", "stable"]);
    commit("b", 2);
    hg(
        &repo,
        &["tag", "-u", "nobody", "-d", "3 0", "-r", "2", "v2"],
    );
    let tags = std::fs::read_to_string(repo.join(".hgtags")).unwrap();
    let v1: String = tags
        .lines()
        .filter(|l| l.ends_with(" v1"))
        .map(|l| format!("{l}\n"))
        .collect();
    hg(&repo, &["branch", "-q", "-f", "default"]);
    std::fs::write(repo.join(".hgtags"), v1).unwrap();
    hg(
        &repo,
        &["commit", "-m", "drop v2", "-u", "nobody", "-d", "4 0"],
    );
    assert_eq!(hg(&repo, &["heads", "-t", "-T", "{rev}\n"]), "4\n");
    assert_tags_match_hg(tmp.path(), &repo);
    let listed = git(
        &tmp.path().join("clone.git"),
        &["for-each-ref", "--format=%(refname)", "refs/tags"],
    );
    assert_eq!(listed, "refs/tags/v1\n");
}
