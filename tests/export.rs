//! git → hg: `git cinnabar bundle` of git histories gives the exact
//! changesets git-cinnabar 0.7 makes (the push corpus maps), bundles that
//! `hg unbundle` and `hg verify` accept, and — through the library, as a
//! push keeps them — metadata that `git2hg` answers from and
//! `fsck --full` accepts. A clone bundled back gives the Mercurial
//! repository it came from.

use std::collections::BTreeSet;
use std::path::Path;

use cinnabar::export::Exporter;
use cinnabar::store::config::ConfigOverrides;
use cinnabar::store::Repo;

use crate::support::*;

/// `<git commit> <hg changeset>` lines of a push corpus map.
fn push_map(name: &str) -> Vec<(String, String)> {
    let path = corpus(format!("push/{name}"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let (g, h) = l.split_once(' ').unwrap();
            (g.to_string(), h.to_string())
        })
        .collect()
}

/// `hg init` + `hg unbundle` into `dir`, then `hg verify`; returns the
/// changesets.
fn unbundle(bundle: &Path, dir: &Path) -> BTreeSet<String> {
    hg(dir.parent().unwrap(), &["init", dir.to_str().unwrap()]);
    hg(dir, &["unbundle", "-q", bundle.to_str().unwrap()]);
    hg(dir, &["verify", "-q"]);
    hg(dir, &["log", "-T", "{node}\n"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// `git cinnabar bundle <args>` in `repo`.
fn bundle(repo: &Path, args: &[&str]) {
    let mut cmd = command("git", repo);
    cmd.args(["cinnabar", "bundle"]).args(args);
    run(cmd);
}

/// Checks a git history against its push map: the bundle of `rev`
/// unbundles into exactly the mapped changesets; the library conversion
/// gives each commit its mapped changeset, and once committed, `git2hg`
/// and `fsck --full` agree.
fn check_push_corpus(repo: &Path, rev: &str, map: &[(String, String)]) {
    let tmp = tempdir();
    let file = tmp.path().join("out.hg");
    bundle(repo, &[file.to_str().unwrap(), rev]);
    // As git-cinnabar, `bundle` keeps no metadata.
    assert!(!git(repo, &["for-each-ref", "refs/cinnabar/"]).contains("refs/cinnabar/metadata"));
    let nodes = unbundle(&file, &tmp.path().join("hg"));
    let expected: BTreeSet<String> = map.iter().map(|(_, h)| h.clone()).collect();
    let missing: Vec<_> = expected.difference(&nodes).collect();
    assert!(missing.is_empty(), "changesets missing: {missing:?}");
    assert_eq!(nodes.len(), expected.len(), "changesets in the bundle");

    let mut exporter =
        Exporter::open(Repo::open_at(repo, ConfigOverrides::new()).unwrap()).unwrap();
    let commits = exporter.rev_list(&[rev.into()]).unwrap();
    let converted = exporter.convert(&commits).unwrap();
    let by_commit: std::collections::HashMap<String, String> = converted
        .iter()
        .map(|c| (c.commit.to_string(), c.node.to_string()))
        .collect();
    let wrong: Vec<_> = map
        .iter()
        .filter(|(g, h)| by_commit.get(g) != Some(h))
        .take(5)
        .collect();
    assert!(
        wrong.is_empty(),
        "commits with another changeset: {wrong:?}"
    );
    exporter.commit().unwrap();
    drop(exporter);

    let input: String = map.iter().map(|(g, _)| format!("{g}\n")).collect();
    let expected: String = map.iter().map(|(_, h)| format!("{h}\n")).collect();
    assert_eq!(batch(repo, "git2hg", input), expected, "git2hg");
    let out = fsck_full(repo);
    assert!(
        out.status.success(),
        "fsck --full: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn git_edge_history() {
    let tmp = tempdir();
    let repo = tmp.path().join("git-edge");
    let mut cmd = command("bash", tmp.path());
    cmd.arg(corpus("push/git-edge.sh")).arg(&repo);
    run(cmd);
    check_push_corpus(&repo, "main", &push_map("git-edge.map"));
}

#[test]
fn markupsafe_history() {
    let tmp = tempdir();
    let repo = tmp.path().join("markupsafe.git");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q", "--mirror"])
        .arg(corpus("push/markupsafe.git.bundle"))
        .arg(&repo);
    run(cmd);
    check_push_corpus(&repo, "main", &push_map("markupsafe.map"));
}

/// The changesets of a corpus map (`<hg changeset> <git commit>` lines).
fn map_changesets(map: &Path) -> BTreeSet<String> {
    read_map(map)
        .iter()
        .map(|l| l.split_once(' ').unwrap().0.to_string())
        .collect()
}

/// `git cinnabar bundle FILE [--version V] -- --all <extra>` of the
/// shared clone `clone` (left unchanged), `hg unbundle` into an empty
/// repository and `hg verify`: exactly the `expected` changesets.
fn check_bundle_back(
    clone: &Path,
    version: Option<&str>,
    extra: &[&str],
    expected: &BTreeSet<String>,
) {
    let tmp = tempdir();
    let file = tmp.path().join("all.hg");
    let before = refs(clone);
    let mut args = Vec::new();
    if let Some(v) = version {
        args.extend(["--version", v]);
    }
    args.extend([file.to_str().unwrap(), "--", "--all"]);
    args.extend_from_slice(extra);
    bundle(clone, &args);
    assert_eq!(refs(clone), before, "{}: refs changed", clone.display());
    let nodes = unbundle(&file, &tmp.path().join("hg"));
    assert_eq!(
        nodes.len(),
        expected.len(),
        "{}: changesets",
        clone.display()
    );
    assert!(&nodes == expected, "{}: other changesets", clone.display());
}

#[test]
fn clone_bundles_back_to_the_same_repository() {
    let expected = map_changesets(&corpus_dir().join("dillo.map.gz"));
    for version in ["1", "2"] {
        check_bundle_back(&corpus_clone("dillo"), Some(version), &[], &expected);
    }
}

/// `bundle --all` of the shared clone of each corpus bundle gives its
/// repository back. nginx and churn (about 20 s and 60 s with a debug
/// build) are checked by `bench/push.sh` instead.
mod corpus_bundles_back {
    use super::*;

    macro_rules! bundle_back {
        ($($name:ident),*) => {$(
            #[test]
            fn $name() {
                let name = stringify!($name);
                let expected = map_changesets(&corpus_dir().join(format!("{name}.map.gz")));
                check_bundle_back(&corpus_clone(name), None, &[], &expected);
            }
        )*};
    }

    bundle_back!(ripgrep, coveragepy, flask);
}

/// Every edge bundle that clones (all but `tampered`) bundles back to its
/// changesets, `file-dir-conflict`'s lines missing from git's trees
/// included. For the repositories with unusual branch names
/// (`branch-names`, `test-invalid-branch-name`) the metadata's changeset
/// heads are named too, so the bundle does not depend on the ref names.
#[test]
fn edge_clones_bundle_back() {
    let dir = corpus("edge");
    let names = edge_bundle_names();
    assert_eq!(names.len(), 20, "{names:?}");
    for name in names {
        let map = dir.join(format!("{name}.map"));
        let expected = if map.exists() {
            map_changesets(&map)
        } else {
            let tmp = tempdir();
            unbundle(&dir.join(format!("{name}.hg")), &tmp.path().join("hg"))
        };
        let extra: &[&str] = match name.as_str() {
            "branch-names" | "test-invalid-branch-name" => &["refs/cinnabar/metadata^1^@"],
            _ => &[],
        };
        check_bundle_back(&edge_clone(&name), None, extra, &expected);
    }
}

/// A small git repository with commits made by `script` (bash, in the
/// repository).
fn scripted_repo(dir: &Path, script: &str) {
    let mut cmd = command("bash", dir);
    cmd.arg("-ec").arg(format!(
        "git init -q -b main .; \
         c() {{ t=$((${{t:-1500000000}}+60)); GIT_AUTHOR_DATE=\"$t +0000\" GIT_COMMITTER_DATE=\"$t +0000\" git commit -q \"$@\"; }}; \
         {script}"
    ));
    run(cmd);
}

fn bundle_error(repo: &Path, rev: &str) -> String {
    let mut cmd = command("git", repo);
    cmd.args(["cinnabar", "bundle", "out.hg", rev]);
    let out = output(cmd);
    assert!(!out.status.success());
    assert!(!repo.join("out.hg").exists(), "nothing is written");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn octopus_merges_are_refused() {
    let tmp = tempdir();
    let repo = tmp.path();
    scripted_repo(
        repo,
        "echo a > a; git add a; c -m a; \
         for b in x y; do git checkout -q -b $b main; echo $b > $b; git add $b; c -m $b; done; \
         git checkout -q main; git merge -q --no-ff -m octopus x y",
    );
    let head = git(repo, &["rev-parse", "main"]);
    let err = bundle_error(repo, "main");
    assert!(err.contains("octopus"), "{err}");
    assert!(err.contains(head.trim()), "{err}");
}

#[test]
fn submodules_are_refused() {
    let tmp = tempdir();
    let repo = tmp.path();
    scripted_repo(
        repo,
        "echo a > a; git add a; c -m a; \
         git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub/module; c -m sub",
    );
    let head = git(repo, &["rev-parse", "main"]);
    let err = bundle_error(repo, "main");
    assert!(err.contains("sub/module"), "{err}");
    assert!(err.contains(head.trim()), "{err}");
}

#[test]
fn commits_differing_in_headers_only_are_refused() {
    // tests/conflicts.t: a commit with an extra header is the same
    // changeset as the commit it copies.
    let tmp = tempdir();
    let repo = tmp.path();
    scripted_repo(
        repo,
        "echo a > a; git add a; c -m a; echo b > b; git add b; c -m b; \
         git cat-file -p HEAD | awk '{print} /committer/{print \"hidden data\"}' \
           | git branch foo $(git hash-object --stdin -w -t commit)",
    );
    let err = bundle_error(repo, "--all");
    assert!(err.contains("would both be changeset"), "{err}");
}

/// Bundles `main` of `repo` with `GIT_CINNABAR_EXPERIMENTS=<experiments>`
/// and unbundles it into a new hg repository under `tmp`.
fn bundle_with_experiments(repo: &Path, tmp: &Path, experiments: &str) -> std::path::PathBuf {
    let file = tmp.join(format!("{experiments}.hg"));
    let mut cmd = command("git", repo);
    cmd.env("GIT_CINNABAR_EXPERIMENTS", experiments)
        .args(["cinnabar", "bundle"])
        .arg(&file)
        .arg("main");
    run(cmd);
    let hg_dir = tmp.join(format!("hg-{experiments}"));
    unbundle(&file, &hg_dir);
    hg_dir
}

#[test]
fn git_commit_experiment_records_the_commit() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    scripted_repo(
        &repo,
        "echo a > a; git add a; c -m a; echo b > b; git add b; c -m b",
    );
    let hg_dir = bundle_with_experiments(&repo, tmp.path(), "git_commit");
    let recorded = hg(
        &hg_dir,
        &["log", "-T", "{node} {get(extras, \"git_commit\")}\n"],
    );
    let commits = git(&repo, &["rev-list", "main"]);
    let mut recorded: Vec<&str> = recorded
        .lines()
        .map(|l| l.split_once(' ').unwrap().1)
        .collect();
    recorded.sort();
    let mut commits: Vec<&str> = commits.lines().collect();
    commits.sort();
    assert_eq!(recorded, commits);
    // Without the experiment the changesets differ.
    let plain = bundle_with_experiments(&repo, tmp.path(), "none");
    assert_ne!(
        hg(&plain, &["log", "-T", "{node}\n"]),
        hg(&hg_dir, &["log", "-T", "{node}\n"])
    );
}

#[test]
fn similarity_experiment_finds_inexact_renames() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    scripted_repo(
        &repo,
        "seq 1 20 > a; git add a; c -m a; git mv a b; echo 21 >> b; git add b; c -m rename",
    );
    let copies = |dir: &Path| hg(dir, &["log", "-r", "tip", "-T", "{file_copies}"]);
    let exact = bundle_with_experiments(&repo, tmp.path(), "similarity=100");
    assert_eq!(copies(&exact), "");
    let similar = bundle_with_experiments(&repo, tmp.path(), "similarity=50");
    assert_eq!(copies(&similar), "b (a)");
}
