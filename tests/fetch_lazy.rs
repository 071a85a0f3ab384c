//! The daily fetch reads what it needs: fetching one new changeset into a
//! clone of a corpus history looks its ids up in the notes trees lazily
//! (the trees on each key's path, not every tree of the three maps), and
//! the metadata it writes stays exact.

use crate::support::*;

/// The `DEBUG notes: trees read: hg2git H, git2hg G, files-meta F` line.
fn trees_read(stderr: &str) -> [usize; 3] {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("DEBUG notes: trees read: "))
        .unwrap_or_else(|| panic!("no notes log line: {stderr}"));
    let counts: Vec<usize> = line
        .split(", ")
        .filter_map(|part| part.rsplit(' ').next()?.parse().ok())
        .collect();
    assert_eq!(counts.len(), 3, "{line}");
    [counts[0], counts[1], counts[2]]
}

/// Every tree of the notes commit `commit`.
fn tree_count(git_dir: &std::path::Path, commit: &str) -> usize {
    git(git_dir, &["ls-tree", "-r", "-t", commit])
        .lines()
        .filter(|l| l.contains(" tree "))
        .count()
        + 1
}

#[test]
fn one_changeset_fetch_reads_few_notes_trees() {
    let tmp = tempdir();
    let repo = corpus_repo(tmp.path(), "ripgrep", None);
    hg(&repo, &["update", "-q", "tip"]);
    commit_file(&repo, "lazy-new", 0);
    let dest = tmp.path().join("clone.git");
    copy_dir(&corpus_clone("ripgrep"), &dest);
    let mut cmd = command("git", &dest);
    cmd.args([
        "-c",
        "cinnabar.log=notes",
        "fetch",
        "-q",
        &format!("hg::{}", repo.display()),
        "refs/heads/*:refs/remotes/new/*",
    ]);
    let out = output(cmd);
    check(&out);
    let [hg2git, git2hg, files_meta] = trees_read(&String::from_utf8_lossy(&out.stderr));
    // The metadata commit's parents 3 to 5 are the notes commits.
    let all_hg2git = tree_count(&dest, "refs/cinnabar/metadata^3");
    let all_git2hg = tree_count(&dest, "refs/cinnabar/metadata^4");
    assert!(all_hg2git > 200, "{all_hg2git} hg2git trees");
    // hg2git: the git tree of the new changeset reuses its parent's for
    // the directories it does not change, so only the files of the
    // changed ones are looked up (ripgrep: 38 of 362 trees; 178 when
    // every file was); git2hg: discovery and the parents (15 of 257).
    assert!(
        hg2git < all_hg2git / 6 && git2hg <= 40 && files_meta <= 5,
        "trees read: hg2git {hg2git} of {all_hg2git}, git2hg {git2hg} of {all_git2hg}, files-meta {files_meta}"
    );
    // Exact: every changeset of the corpus, plus the new one, and the
    // metadata checks out.
    let map = notes_map(&dest);
    let corpus = corpus_map("ripgrep");
    assert_eq!(map.len(), corpus.len() + 1);
    let have: std::collections::HashSet<&String> = map.iter().collect();
    assert!(corpus.iter().all(|l| have.contains(l)));
    let fsck = fsck_full(&dest);
    check(&fsck);
}

/// Clones part of the history of each edge bundle, then fetches the rest:
/// manifests loaded back from git as delta bases take the git trees of
/// their unchanged directories from a changeset imported before
/// (`metadata::manifest::seed`), and the result is exactly a whole
/// clone's.
#[test]
fn fetching_the_rest_of_edge_histories_is_exact() {
    let dir = corpus("edge");
    let names: Vec<String> = edge_bundle_names()
        .into_iter()
        .filter(|n| dir.join(format!("{n}.map")).exists())
        .collect();
    let mut fetched = 0;
    for name in names {
        let tmp = tempdir();
        let full = tmp.path().join("full");
        let bundle = dir.join(format!("{name}.hg"));
        hg(
            tmp.path(),
            &["clone", "-q", "-U", bundle.to_str().unwrap(), "full"],
        );
        let revs = hg(&full, &["log", "-T", "{rev}\n"]).lines().count();
        // The ancestors of the middle revision, then everything.
        let middle = (revs / 2).to_string();
        hg(
            tmp.path(),
            &["clone", "-q", "-U", "-r", &middle, "full", "part"],
        );
        let part = tmp.path().join("part");
        let dest = tmp.path().join("clone.git");
        mirror_clone(&part, &dest);
        hg(&part, &["pull", "-q", full.to_str().unwrap()]);
        let mut cmd = command("git", &dest);
        cmd.args(["fetch", "-q"]);
        check(&output(cmd));
        let expected = read_map(&dir.join(format!("{name}.map")));
        assert_map(&notes_map(&dest), &expected, &name);
        check(&fsck_full(&dest));
        fetched += usize::from(revs > 2);
    }
    assert!(fetched > 10, "{fetched}");
}
