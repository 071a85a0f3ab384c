//! Proof on real data: every bundle of the corpus is read, every revision
//! rebuilt from its delta chain and checked against its node; revision
//! counts are exact. Plus bundles of every type made by Mercurial itself.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use cinnabar::hg::bundle::{BundleKind, BundleReader, Compression};
use cinnabar::hg::verify::{verify_bundle, BasePlan, RevisionKind, VerifyStats};

use crate::support::*;

/// (changesets, manifests, files, file revisions). Changesets are those of
/// the corpus README; the rest were observed and cross-checked for ripgrep
/// and dillo against `hg debugbundle --all`.
type Counts = (u64, u64, u64, u64);

fn expected() -> BTreeMap<&'static str, (BundleKind, Counts)> {
    use BundleKind::*;
    use Compression::*;
    BTreeMap::from([
        ("churn.hg", (Bundle2(Zstd), (5001, 5001, 1, 5001))),
        ("coveragepy.hg", (Bundle2(Zstd), (3144, 3124, 670, 8110))),
        ("dillo.hg", (Bundle2(Zstd), (2143, 2139, 305, 5014))),
        ("flask.hg", (Bundle2(Zstd), (5534, 5520, 644, 10518))),
        ("nginx.hg", (Bundle2(Zstd), (7766, 7764, 688, 21706))),
        ("ripgrep.hg", (Bundle2(Zstd), (2321, 2308, 474, 5293))),
        ("edge/branch-names.hg", (Bundle2(Zstd), (8, 8, 8, 8))),
        ("edge/darcs1.hg", (Bundle1(Zlib), (1, 1, 7, 7))),
        ("edge/file-dir-conflict.hg", (Bundle2(Zstd), (4, 4, 4, 5))),
        ("edge/hgweb+obs.hg", (Bundle1(Bzip2), (69, 69, 9, 70))),
        ("edge/issue4041.hg", (Bundle1(Bzip2), (11, 9, 3, 8))),
        ("edge/issue4438-r1.hg", (Bundle1(Bzip2), (111, 0, 0, 0))),
        ("edge/issue4438-r2.hg", (Bundle1(Bzip2), (102, 0, 0, 0))),
        ("edge/issue6528.hg-v1.hg", (Bundle1(Bzip2), (8, 8, 4, 12))),
        ("edge/issue6528.hg-v2.hg", (Bundle2(Bzip2), (8, 8, 4, 12))),
        ("edge/legacy-encoding.hg", (Bundle1(Bzip2), (2, 2, 1, 2))),
        ("edge/missing-comment.hg", (Bundle1(Bzip2), (3, 3, 1, 3))),
        ("edge/rebase-revset.hg", (Bundle1(Bzip2), (9, 9, 9, 9))),
        ("edge/rebase.hg", (Bundle1(Bzip2), (8, 8, 7, 7))),
        ("edge/remote.hg", (Bundle1(Bzip2), (9, 7, 4, 7))),
        ("edge/renames.hg", (Bundle1(Bzip2), (4, 4, 7, 11))),
        ("edge/tampered.hg", (Bundle1(Bzip2), (5, 5, 6, 6))),
        (
            "edge/test-invalid-branch-name.hg",
            (Bundle1(Bzip2), (3, 3, 2, 3)),
        ),
        ("edge/test-keyword.hg", (Bundle1(Bzip2), (1, 1, 1, 1))),
        ("edge/test-manifest.hg", (Bundle1(Bzip2), (2, 2, 3, 3))),
        (
            "edge/test-merge-symlinks.hg",
            (Bundle1(Bzip2), (4, 4, 3, 4)),
        ),
        ("edge/test-no-symlinks.hg", (Bundle1(Bzip2), (1, 1, 4, 4))),
    ])
}

fn counts(s: &VerifyStats) -> Counts {
    (s.changesets, s.manifests, s.files, s.file_revisions)
}

fn check_bundle(path: &Path, kind: BundleKind, want: Counts) -> VerifyStats {
    let name = path.display();
    let reader = BundleReader::open(File::open(path).unwrap()).unwrap();
    assert_eq!(reader.kind(), kind, "{name}");
    let plan = BasePlan::scan(File::open(path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let stats = verify_bundle(File::open(path).unwrap(), Some(&plan))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(counts(&stats), want, "{name}");
    assert_eq!(stats.changegroups, 1, "{name}");
    assert_eq!(stats.unchecked, 0, "{name}");
    stats
}

fn corpus_bundle(name: &str) -> VerifyStats {
    let (kind, want) = expected()[name];
    check_bundle(&corpus(name), kind, want)
}

#[test]
fn corpus_is_complete() {
    // Every bundle in the corpus has expected counts, and vice versa.
    let corpus = corpus_dir();
    let mut found: Vec<String> = bundles_in(&corpus)
        .into_iter()
        .chain(bundles_in(&corpus.join("edge")))
        .map(|p| {
            p.strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    let want: Vec<String> = expected().keys().map(|k| k.to_string()).collect();
    assert_eq!(found, want);
}

#[test]
fn ripgrep() {
    corpus_bundle("ripgrep.hg");
}

#[test]
fn dillo() {
    corpus_bundle("dillo.hg");
}

#[test]
fn coveragepy() {
    corpus_bundle("coveragepy.hg");
}

#[test]
fn flask() {
    corpus_bundle("flask.hg");
}

#[test]
fn nginx() {
    let s = corpus_bundle("nginx.hg");
    // 936 MB of expanded text, but only a few MB held at once.
    assert!(s.text_bytes > 900_000_000);
    assert!(s.peak_held_bytes < 8_000_000, "{s:?}");
}

#[test]
fn churn() {
    let s = corpus_bundle("churn.hg");
    assert!(s.text_bytes > 1_700_000_000);
    assert!(s.peak_held_bytes < 8_000_000, "{s:?}");
}

#[test]
fn edge_bundles() {
    for (name, (kind, want)) in expected() {
        if !name.starts_with("edge/") {
            continue;
        }
        let path = corpus(name);
        let planned = check_bundle(&path, kind, want);
        // A single pass caching everything gives the same result.
        let data = std::fs::read(&path).unwrap();
        let (single, _) = verify(&data).unwrap();
        assert_eq!(counts(&single), counts(&planned), "{name}");
        assert_eq!(single.text_bytes, planned.text_bytes, "{name}");
    }
}

#[test]
fn issue6528_copy_metadata() {
    // Both bundles of issue6528 carry 7 file revisions with copy metadata
    // (a `\x01\n` header); their parents (in whatever order) hash right.
    for name in ["edge/issue6528.hg-v1.hg", "edge/issue6528.hg-v2.hg"] {
        let data = std::fs::read(corpus(name)).unwrap();
        let mut with_metadata = 0;
        cinnabar::hg::verify::verify_bundle_with(&data[..], None, &mut |r| {
            if r.kind == RevisionKind::File && r.text.starts_with(b"\x01\n") {
                assert!(r.checked);
                with_metadata += 1;
            }
        })
        .unwrap();
        assert_eq!(with_metadata, 7, "{name}");
    }
}

#[test]
fn bundles_made_by_mercurial() {
    let tmp = tempdir();
    let repo = make_repo(tmp.path());
    let types = [
        ("none-v1", BundleKind::Bundle1(Compression::None)),
        ("gzip-v1", BundleKind::Bundle1(Compression::Zlib)),
        ("bzip2-v1", BundleKind::Bundle1(Compression::Bzip2)),
        ("none-v2", BundleKind::Bundle2(Compression::None)),
        ("gzip-v2", BundleKind::Bundle2(Compression::Zlib)),
        ("bzip2-v2", BundleKind::Bundle2(Compression::Bzip2)),
        ("zstd-v2", BundleKind::Bundle2(Compression::Zstd)),
        (
            "none-v2;cg.version=03",
            BundleKind::Bundle2(Compression::None),
        ),
    ];
    let mut reference: Option<Vec<Seen>> = None;
    for (t, kind) in types {
        let out = tmp.path().join(format!("{}.hg", t.replace(';', "_")));
        hg(
            &repo,
            &["bundle", "-q", "--all", "--type", t, out.to_str().unwrap()],
        );
        let data = std::fs::read(&out).unwrap();
        assert_eq!(BundleReader::open(&data[..]).unwrap().kind(), kind, "{t}");
        let (stats, seen) = verify(&data).unwrap_or_else(|e| panic!("{t}: {e}"));
        // 8 commits, each with its own manifest (the exec flag change and
        // the merge too); 7 files: a (2 revisions), big (2), dir/b (the
        // exec flag is in the manifest only), dir/c, link, renamed (2),
        // stable-only.
        assert_eq!(counts(&stats), (8, 8, 7, 10), "{t}");
        match &reference {
            None => reference = Some(seen),
            Some(r) => assert_eq!(&seen, r, "{t}: not the same revisions"),
        }
    }
}

#[test]
fn tree_manifests_made_by_mercurial() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("d/e")).unwrap();
    hg(&repo, &["init", "--config", "experimental.treemanifest=1"]);
    std::fs::write(repo.join("d/e/f"), "a\n").unwrap();
    std::fs::write(repo.join("g"), "b\n").unwrap();
    hg(
        &repo,
        &["commit", "-q", "-A", "-m", "1", "-u", HG_USER, "-d", "0 0"],
    );
    std::fs::write(repo.join("d/e/f"), "a\nc\n").unwrap();
    hg(
        &repo,
        &["commit", "-q", "-m", "2", "-u", HG_USER, "-d", "0 0"],
    );
    let out = tmp.path().join("tree.hg");
    hg(
        &repo,
        &[
            "bundle",
            "-q",
            "--all",
            "--type",
            "none-v2;cg.version=03",
            out.to_str().unwrap(),
        ],
    );
    let (stats, seen) = verify(&std::fs::read(&out).unwrap()).unwrap();
    // 2 root manifests + 2 revisions of each of d/ and d/e/.
    assert_eq!(counts(&stats), (2, 6, 2, 3));
    let dirs: Vec<&[u8]> = seen
        .iter()
        .filter(|s| s.0 == RevisionKind::Manifest && !s.1.is_empty())
        .map(|s| &s.1[..])
        .collect();
    assert_eq!(dirs, [&b"d/"[..], b"d/", b"d/e/", b"d/e/"]);
}
