//! `git clone --mirror hg::<bundle>` gives git-cinnabar's exact commits,
//! metadata and branch refs for every shared corpus bundle; on each clone,
//! `hg2git --batch` and `git2hg --batch` agree with the corpus map and
//! `fsck --full` passes.

use std::path::Path;

use crate::support::*;

/// Checks `clone`, a clone of `dir/NAME.hg` it leaves unchanged: the map,
/// and the refs when a `.refs` file exists.
fn check_corpus(clone: &Path, dir: &Path, name: &str) {
    let map_path = ["map.gz", "map"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.exists())
        .unwrap();
    let expected = read_map(&map_path);
    assert_map(&notes_map(clone), &expected, name);
    let refs_path = dir.join(format!("{name}.refs"));
    if refs_path.exists() {
        let mut actual = refs(clone);
        actual.sort();
        assert_eq!(actual, read_refs(&refs_path), "{name}: refs");
    }
    // hg2git and git2hg answer from the metadata as the map says.
    let pairs: Vec<(&str, &str)> = expected
        .iter()
        .map(|l| l.split_once(' ').unwrap())
        .collect();
    let hg_in: String = pairs.iter().map(|(h, _)| format!("{h}\n")).collect();
    let git_in: String = pairs.iter().map(|(_, g)| format!("{g} ")).collect();
    let git_out: String = pairs.iter().map(|(_, g)| format!("{g}\n")).collect();
    assert_eq!(
        batch(clone, "hg2git", hg_in.clone()),
        git_out,
        "{name}: hg2git"
    );
    assert_eq!(batch(clone, "git2hg", git_in), hg_in, "{name}: git2hg");
    // `fsck --full` marks the metadata checked: on a copy.
    let tmp = tempdir();
    let dest = &tmp.path().join("clone.git");
    copy_dir(clone, dest);
    let out = fsck_full(dest);
    assert!(
        out.status.success(),
        "{name}: fsck --full: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        git(dest, &["rev-parse", "refs/cinnabar/checked"]),
        git(dest, &["rev-parse", "refs/cinnabar/metadata"])
    );
    let fsck = output({
        let mut c = command("git", dest);
        c.args(["fsck", "--no-progress"]);
        c
    });
    let stderr =
        String::from_utf8_lossy(&fsck.stderr).into_owned() + &String::from_utf8_lossy(&fsck.stdout);
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("badFilemode") && !l.starts_with("notice:") && !l.trim().is_empty())
        .collect();
    assert!(
        fsck.status.success() && problems.is_empty(),
        "{name}: git fsck: {stderr}"
    );
}

macro_rules! corpus_test {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let name = stringify!($name);
            check_corpus(&corpus_clone(name), &corpus_dir(), name);
        }
    )*};
}

corpus_test!(ripgrep, dillo, coveragepy, flask, nginx, churn);

#[test]
fn edge_bundles() {
    let dir = corpus("edge");
    let names: Vec<String> = edge_bundle_names()
        .into_iter()
        .filter(|n| dir.join(format!("{n}.map")).exists())
        .collect();
    assert_eq!(names.len(), 19, "{names:?}");
    for name in names {
        check_corpus(&edge_clone(&name), &dir, &name);
    }
}

/// Fetches `url` into a new bare repository, expecting failure; returns
/// stderr after checking that no ref was created.
fn failed_fetch(url: &str) -> String {
    let tmp = tempdir();
    let dest = bare_repo(tmp.path(), "repo.git");
    let mut cmd = command("git", &dest);
    cmd.args(["fetch", "-q", url, "refs/heads/*:refs/heads/*"]);
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(refs(&dest), Vec::<String>::new(), "{stderr}");
    stderr
}

#[test]
fn tampered_bundle_is_refused() {
    let bundle = corpus("edge/tampered.hg");
    let stderr = failed_fetch(&format!("hg::{}", bundle.display()));
    // The symlink `back` beside `back/test` gives way to the directory,
    // as in git-cinnabar; then `..` stops the import.
    assert!(
        stderr.contains(
            "changeset 4d3561dc450daacc43cf09e0ff551cd94cff8662: file \"back\" is left out"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("refusing path \"..\""), "{stderr}");
}

#[test]
fn truncated_bundle_is_refused() {
    let data = std::fs::read(corpus("ripgrep.hg")).unwrap();
    let tmp = tempdir();
    let bundle = tmp.path().join("truncated.hg");
    std::fs::write(&bundle, &data[..data.len() / 2]).unwrap();
    let stderr = failed_fetch(&format!("hg::{}", bundle.display()));
    assert!(
        stderr.contains("truncated") || stderr.contains("unexpected end"),
        "{stderr}"
    );
}

#[test]
fn flipped_byte_in_a_changeset_is_refused() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    std::fs::write(repo.join("f"), "content\n").unwrap();
    hg(&repo, &["add", "f"]);
    hg(
        &repo,
        &[
            "commit",
            "-m",
            "MARKER message",
            "-u",
            "nobody",
            "-d",
            "0 0",
        ],
    );
    let bundle = tmp.path().join("b.hg");
    hg(
        &repo,
        &[
            "bundle",
            "-q",
            "--all",
            "--type",
            "none-v2",
            bundle.to_str().unwrap(),
        ],
    );
    let mut data = std::fs::read(&bundle).unwrap();
    let at = data.windows(6).position(|w| w == b"MARKER").unwrap();
    data[at] = b'N';
    std::fs::write(&bundle, &data).unwrap();
    let stderr = failed_fetch(&format!("hg::{}", bundle.display()));
    assert!(
        stderr.contains("changeset") && stderr.contains("does not match its content"),
        "{stderr}"
    );
}
