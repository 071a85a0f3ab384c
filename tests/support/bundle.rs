//! Bundle helpers for the format tests: verification with the revisions
//! seen, re-encoding, a small repository made by Mercurial, a PRNG.

use std::path::{Path, PathBuf};

use cinnabar::hg::verify::{verify_bundle_with, RevisionKind, VerifyStats};
use cinnabar::hg::{FormatError, HgNode};

use super::*;

/// The `.hg` files of a directory, sorted.
pub fn bundles_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hg"))
        .collect();
    v.sort();
    v
}

/// The user of the commits of the format tests.
pub const HG_USER: &str = "Test <test@example.com>";

/// Creates a small repository in `dir/repo`: a few commits, a rename, an
/// executable file, a symlink, a named branch and a merge.
pub fn make_repo(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let run = |args: &[&str]| hg(&repo, args);
    let write = |name: &str, content: &str| {
        let p = repo.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    };
    let mut date = 0;
    let mut commit = |msg: &str| {
        date += 1000;
        let date = format!("{date} 0");
        hg(
            &repo,
            &["commit", "-q", "-A", "-m", msg, "-u", HG_USER, "-d", &date],
        );
    };
    run(&["init"]);
    write("a", "line 1\nline 2\nline 3\n");
    write("dir/b", "b content\n");
    commit("first");
    let big: String = (0..2000).map(|i| format!("big line {i}\n")).collect();
    write("a", "line 1\nline 2 changed\nline 3\nline 4\n");
    write("big", &big);
    commit("second");
    run(&["mv", "a", "renamed"]);
    commit("rename a");
    let p = repo.join("dir/b");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    commit("make b executable");
    std::os::unix::fs::symlink("renamed", repo.join("link")).unwrap();
    write("big", &big.replace("big line 1000\n", "middle\n"));
    commit("add a symlink");
    run(&["branch", "-q", "stable"]);
    write("stable-only", "on the branch\n");
    write(
        "renamed",
        "line 1\nline 2 changed\nline 3\nline 4\nbranch line\n",
    );
    commit("on a branch");
    run(&["update", "-q", "default"]);
    write("dir/c", "c\n");
    commit("back on default");
    run(&["merge", "-q", "stable"]);
    commit("merge");
    repo
}

/// A revision seen in a bundle.
pub type Seen = (RevisionKind, Vec<u8>, HgNode);

/// Verifies a bundle, returning its stats and its revisions, sorted.
pub fn verify(data: &[u8]) -> Result<(VerifyStats, Vec<Seen>), FormatError> {
    let mut seen = Vec::new();
    let stats = verify_bundle_with(data, None, &mut |r| {
        seen.push((r.kind, r.file.to_vec(), r.chunk.node));
    })?;
    seen.sort();
    Ok((stats, seen))
}

/// xorshift64*: a small deterministic PRNG.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Rewrites every changegroup of a bundle (chunks copied as they are) into
/// a bundle of the given specification. Raw and v1 specifications take the
/// first changegroup only, which must be version 01.
pub fn reencode(data: &[u8], spec: cinnabar::hg::bundle::BundleSpec) -> Vec<u8> {
    use cinnabar::hg::bundle::ChangegroupWriter;
    use cinnabar::hg::bundle::{Bundle1Writer, Bundle2Writer, BundleReader, BundleSpec};
    use std::io::Write;

    let mut bundle = BundleReader::open(data).unwrap();
    let mut cgs = Vec::new();
    while let Some(mut cg) = bundle.next_changegroup().unwrap() {
        let mut w = ChangegroupWriter::new(Vec::new(), cg.version());
        for _ in 0..2 {
            while let Some(c) = cg.next_revision().unwrap() {
                w.write_revision(&c).unwrap();
            }
            w.end_group().unwrap();
        }
        while let Some(name) = cg.next_file().unwrap().map(<[u8]>::to_vec) {
            w.start_file(&name).unwrap();
            while let Some(c) = cg.next_revision().unwrap() {
                w.write_revision(&c).unwrap();
            }
            w.end_group().unwrap();
        }
        cgs.push((cg.version(), w.finish().unwrap()));
    }
    match spec {
        BundleSpec::Raw => cgs.swap_remove(0).1,
        BundleSpec::V1(c) => {
            let mut w = Bundle1Writer::new(Vec::new(), c).unwrap();
            w.write_all(&cgs[0].1).unwrap();
            w.finish().unwrap()
        }
        BundleSpec::V2(c) => {
            let mut w = Bundle2Writer::new(Vec::new(), c).unwrap();
            for (version, cg) in &cgs {
                w.add_part("changegroup", true, &[("version", version.as_str())], cg)
                    .unwrap();
            }
            w.finish().unwrap()
        }
    }
}
