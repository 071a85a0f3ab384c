//! The scale harness's generator (`examples/gen-bundle`, compiled into the
//! test binary): small bundles of each shape are accepted by `hg unbundle`
//! and `hg verify`, cloned by us, and pass `git cinnabar fsck --full`; the
//! same seed gives the same bytes.

use std::path::{Path, PathBuf};

use cinnabar::hg::bundle::Compression;

use crate::support::*;

#[allow(dead_code)]
#[path = "../examples/gen-bundle/generate.rs"]
mod generate;
#[allow(dead_code)]
#[path = "../examples/gen-bundle/history.rs"]
mod history;
#[allow(dead_code)]
#[path = "../examples/gen-bundle/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "../examples/gen-bundle/spool.rs"]
mod spool;

/// Generates `name` with the given sizes; returns the bundle and the
/// summary's `key=value` counts.
fn gen(
    dir: &Path,
    name: &str,
    changesets: usize,
    files: usize,
    seed: u64,
) -> (PathBuf, Vec<(String, String)>) {
    let shape = generate::shape(name, Some(changesets), Some(files)).unwrap();
    let out = dir.join(format!("{name}-{seed}.hg"));
    let summary = generate::generate(name, &shape, seed, Compression::Zstd, &out).unwrap();
    let counts = summary
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (out, counts)
}

fn count(counts: &[(String, String)], key: &str) -> usize {
    let v = counts.iter().find(|(k, _)| k == key).unwrap();
    v.1.parse().unwrap()
}

/// Unbundles into a new repository, verifies it, clones the bundle with
/// us and checks the clone; returns the hg repository.
fn check_shape(name: &str, changesets: usize, files: usize) -> Vec<(String, String)> {
    let tmp = tempdir();
    let (bundle, counts) = gen(tmp.path(), name, changesets, files, 7);
    assert_eq!(count(&counts, "changesets"), changesets, "{counts:?}");
    let repo = tmp.path().join("hg");
    hg(tmp.path(), &["init", "hg"]);
    hg(&repo, &["unbundle", "-q", bundle.to_str().unwrap()]);
    hg(&repo, &["verify", "-q"]);
    assert_eq!(hg_count(&repo), changesets);
    let merges = hg(&repo, &["log", "-r", "merge()", "-T", "x"]).len();
    assert_eq!(merges, count(&counts, "merges"));
    let copies = hg(&repo, &["log", "-T", "{file_copies % 'c\\n'}"])
        .lines()
        .count();
    assert_eq!(copies, count(&counts, "copies"));
    let tip_files = hg(&repo, &["files", "-r", "tip"]).lines().count();
    assert!(tip_files > files / 2, "{name}: {tip_files} files at tip");

    let dest = tmp.path().join("clone.git");
    mirror_clone(&bundle, &dest);
    check(&fsck_full(&dest));
    let map = notes_map(&dest);
    assert_eq!(map.len(), changesets);
    counts
}

#[test]
fn long_shape() {
    let counts = check_shape("long", 400, 60);
    assert!(count(&counts, "merges") > 0, "{counts:?}");
}

#[test]
fn wide_shape() {
    check_shape("wide", 60, 1500);
}

#[test]
fn merge_heavy_shape_has_merges_copies_and_symlinks() {
    let counts = check_shape("merge-heavy", 300, 200);
    assert!(count(&counts, "merges") > 60, "{counts:?}");
    assert!(count(&counts, "copies") > 50, "{counts:?}");
    assert!(count(&counts, "symlinks_at_tip") > 0, "{counts:?}");
    assert!(count(&counts, "tips") > 2, "{counts:?}");
}

#[test]
fn same_seed_same_bundle() {
    let tmp = tempdir();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let (x, _) = gen(&a, "merge-heavy", 200, 100, 3);
    let (y, _) = gen(&b, "merge-heavy", 200, 100, 3);
    let (z, _) = gen(&b, "merge-heavy", 200, 100, 4);
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&x), read(&y));
    assert_ne!(read(&x), read(&z));
}

/// `long --files N` holds about N files from its first changeset on,
/// however long the history (the manifest's size does not grow with it).
#[test]
fn long_population_is_bounded() {
    let tmp = tempdir();
    for changesets in [500, 5000] {
        let (_, counts) = gen(tmp.path(), "long", changesets, 200, 1);
        let files = count(&counts, "files_at_tip");
        assert!((180..=230).contains(&files), "{changesets}: {counts:?}");
    }
}
