//! The authoritative check of our notes trees: git-cinnabar's own clones
//! of nginx and ripgrep (git bundles in the shared corpus). Rebuilding
//! their hg2git, git2hg and files-meta notes trees from scratch must give
//! the very same tree ids.

use cinnabar::store::commit::parse_commit;
use cinnabar::store::notes::NoteKey;
use cinnabar::store::{Kind, MemoryStore, Mode, NotesTree, ObjectId, ObjectRead};

use crate::support::*;

struct NotesCase {
    label: &'static str,
    parent: usize,
    mode: Mode,
}

const CASES: [NotesCase; 3] = [
    NotesCase {
        label: "hg2git",
        parent: 2,
        mode: Mode::GITLINK,
    },
    NotesCase {
        label: "git2hg",
        parent: 3,
        mode: Mode::FILE,
    },
    NotesCase {
        label: "files-meta",
        parent: 4,
        mode: Mode::FILE,
    },
];

fn check_bundle(name: &str) -> TestResult {
    let bundle = corpus(format!("{name}.git-cinnabar.bundle"));
    let tmp = tempdir();
    let path = bare_repo(tmp.path(), "repo.git");
    let bundle_str = bundle.to_str().ok_or("non-UTF-8 path")?;
    git(&path, &["fetch", "-q", bundle_str, "refs/*:refs/*"]);
    let mut repo = open(&path)?;
    let metadata = repo
        .find_ref("refs/cinnabar/metadata")?
        .ok_or("no refs/cinnabar/metadata")?;
    let mut buf = Vec::new();
    repo.read_of_kind(&metadata, Kind::Commit, &mut buf)?;
    let parents = parse_commit(&buf)?.parents;
    assert!(parents.len() >= 5, "metadata has {} parents", parents.len());

    for case in CASES {
        let notes_commit = parents[case.parent];
        repo.read_of_kind(&notes_commit, Kind::Commit, &mut buf)?;
        let tree = parse_commit(&buf)?.tree;

        // Flatten theirs.
        let mut theirs = NotesTree::load(&mut repo, &tree)?;
        let notes: Vec<(NoteKey, ObjectId)> = theirs.iter(&mut repo)?.collect();
        let tree_hex = tree.to_string();
        let listed = git(&path, &["ls-tree", "-r", &tree_hex]);
        assert_eq!(
            notes.len(),
            listed.lines().count(),
            "{name} {}: note count",
            case.label
        );
        let depths =
            listed
                .lines()
                .filter_map(|l| l.split('\t').nth(1))
                .fold([0usize; 4], |mut acc, p| {
                    acc[p.matches('/').count().min(3)] += 1;
                    acc
                });

        // Rebuild from scratch.
        let mut mem = MemoryStore::new();
        let mut ours = NotesTree::new();
        for (k, v) in &notes {
            ours.insert(&mut mem, *k, *v)?;
        }
        let rebuilt = ours.write(&mut mem, case.mode)?;
        eprintln!(
            "{name} {}: {} notes (paths with 0/1/2/3+ dirs: {:?}), theirs {tree}, ours {rebuilt}",
            case.label,
            notes.len(),
            depths
        );
        assert_eq!(rebuilt, tree, "{name} {}: fresh rebuild", case.label);

        // Loading lazily and writing back without changes is stable too.
        let mut overlay = Overlay {
            repo: &repo,
            mem: MemoryStore::new(),
        };
        let mut lazy = NotesTree::load(&mut overlay, &tree)?;
        assert_eq!(
            lazy.write(&mut overlay, case.mode)?,
            tree,
            "{name} {}: lazy rewrite",
            case.label
        );
    }
    Ok(())
}

#[test]
fn nginx_notes_trees_match_git_cinnabar() -> TestResult {
    check_bundle("nginx")
}

#[test]
fn ripgrep_notes_trees_match_git_cinnabar() -> TestResult {
    check_bundle("ripgrep")
}
