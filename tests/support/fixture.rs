//! Repositories several tests read, made once per run: git clones of
//! corpus bundles and Mercurial repositories holding corpus changesets.
//! They live in a directory of the run (`target/tmp/fixtures/<pid>`,
//! removed by a later run once the process is gone). Tests must not change
//! them: [`copy_dir`] gives a copy to change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::*;

/// The directory of this run's fixtures.
fn fixture_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures");
        std::fs::create_dir_all(&base).unwrap();
        // Those of earlier runs, whose process is gone.
        for entry in std::fs::read_dir(&base).unwrap() {
            let path = entry.unwrap().path();
            let pid = path
                .file_name()
                .and_then(|n| n.to_str()?.parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
        let root = base.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir(&root).unwrap();
        root
    })
}

/// The fixture `key`, made by `make` (given an empty directory, returning
/// the path of what it made) the first time it is asked for. A fixture
/// that failed is made again by the next test asking for it. What `make`
/// makes must be the same whoever asks, and read only.
pub fn fixture(key: &str, make: impl FnOnce(&Path) -> PathBuf) -> PathBuf {
    type Cells = BTreeMap<String, Arc<OnceLock<PathBuf>>>;
    static CELLS: Mutex<Cells> = Mutex::new(BTreeMap::new());
    let cell = CELLS
        .lock()
        .unwrap()
        .entry(key.to_string())
        .or_default()
        .clone();
    cell.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{key}-"))
            .tempdir_in(fixture_root())
            .unwrap();
        let made = make(dir.path());
        let _ = dir.keep();
        made
    })
    .clone()
}

/// `git clone --mirror hg::<corpus>/NAME.hg`, shared: read only.
pub fn corpus_clone(name: &str) -> PathBuf {
    fixture(&format!("clone-{name}"), |dir| {
        let dest = dir.join(format!("{name}.git"));
        mirror_clone(&corpus(format!("{name}.hg")), &dest);
        dest
    })
}

/// `git clone --mirror hg::<corpus>/edge/NAME.hg`, shared: read only.
pub fn edge_clone(name: &str) -> PathBuf {
    fixture(&format!("edge-{name}"), |dir| {
        let dest = dir.join(format!("{name}.git"));
        mirror_clone(&corpus(format!("edge/{name}.hg")), &dest);
        dest
    })
}

/// A Mercurial repository `<dir>/NAME-hg` holding the corpus repository
/// `name` (up to revision `rev` when given), shared: read only.
pub fn corpus_hg(name: &str, rev: Option<u32>) -> PathBuf {
    let key = match rev {
        Some(r) => format!("hg-{name}-{r}"),
        None => format!("hg-{name}"),
    };
    fixture(&key, |dir| corpus_repo(dir, name, rev))
}

/// The Mercurial repository of git-cinnabar's tests/rollback.t recipe
/// (a, b; c, d from a; e, f on branch foo from c), shared: read only.
pub fn rollback_repo() -> PathBuf {
    fixture("rollback", |dir| {
        let repo = dir.join("repo");
        hg(dir, &["init", "repo"]);
        commit_file(&repo, "a", 0);
        commit_file(&repo, "b", 1);
        hg(&repo, &["update", "-q", "-r", "0"]);
        commit_file(&repo, "c", 2);
        commit_file(&repo, "d", 3);
        hg(&repo, &["update", "-q", "-r", "2"]);
        hg(&repo, &["branch", "-q", "foo"]);
        commit_file(&repo, "e", 4);
        commit_file(&repo, "f", 5);
        repo
    })
}

/// `cp -a <src> <dest>`: a copy of a fixture to change.
pub fn copy_dir(src: &Path, dest: &Path) {
    let mut cmd = command("cp", dest.parent().unwrap());
    cmd.arg("-a").arg(src).arg(dest);
    run(cmd);
}
