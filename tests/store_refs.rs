//! Ref transactions checked with the real git.

use cinnabar::store::commit::raw_commit;
use cinnabar::store::object::empty_tree;
use cinnabar::store::ObjectWrite;
use cinnabar::store::{
    hash_object, update_refs, Expected, Kind, ObjectId, RefUpdate, Store, StoreError, WriteMode,
};

use crate::support::*;

const SIG: &[u8] = b" <cinnabar@git> 0 +0000";

fn commits(store: &mut Store, n: usize) -> TestResult<Vec<ObjectId>> {
    let tree = store.write(Kind::Tree, b"")?;
    assert_eq!(tree, empty_tree());
    let mut out: Vec<ObjectId> = Vec::new();
    for i in 0..n {
        let parents: Vec<ObjectId> = out.last().copied().into_iter().collect();
        let data = raw_commit(&tree, &parents, SIG, SIG, format!("{i}").as_bytes());
        out.push(store.write(Kind::Commit, &data)?);
    }
    Ok(out)
}

#[test]
fn transaction_with_compare_and_swap() -> TestResult {
    let tmp = tempdir();
    let path = bare_repo(tmp.path(), "repo.git");
    let mut store = Store::new(open(&path)?, WriteMode::Direct);
    let c = commits(&mut store, 4)?;
    let (meta, notes) = ("refs/cinnabar/metadata", "refs/notes/cinnabar");

    // Creating: the pack is finished first, so the targets exist.
    store.update_refs(
        &[
            RefUpdate::set(meta, Expected::Absent, c[0]),
            RefUpdate::set(notes, Expected::Absent, c[1]),
        ],
        "cinnabar: first import",
    )?;
    assert!(!store.has_pack());
    assert_eq!(rev_parse(&path, meta), Some(c[0].to_string()));
    assert_eq!(rev_parse(&path, notes), Some(c[1].to_string()));
    assert_eq!(store.repo().find_ref(meta)?, Some(c[0]));
    let repo = store.repo();

    // One failing expectation: nothing changes.
    let err = update_refs(
        repo,
        &[
            RefUpdate::set(meta, Expected::Value(c[0]), c[2]),
            RefUpdate::set(notes, Expected::Value(c[0]), c[2]),
        ],
        "cinnabar: should fail",
    );
    assert!(matches!(err, Err(StoreError::RefUpdate { .. })), "{err:?}");
    assert_eq!(rev_parse(&path, meta), Some(c[0].to_string()));
    assert_eq!(rev_parse(&path, notes), Some(c[1].to_string()));

    // Must-not-exist on an existing ref fails too.
    assert!(update_refs(repo, &[RefUpdate::set(meta, Expected::Absent, c[3])], "x").is_err());
    assert_eq!(rev_parse(&path, meta), Some(c[0].to_string()));

    // A target the repository does not have is refused.
    let missing = hash_object(Kind::Commit, b"nowhere");
    let err = update_refs(
        repo,
        &[RefUpdate::set("refs/cinnabar/x", Expected::Any, missing)],
        "x",
    );
    assert!(
        matches!(err, Err(StoreError::RefTargetMissing { .. })),
        "{err:?}"
    );
    assert_eq!(rev_parse(&path, "refs/cinnabar/x"), None);

    // Invalid names are refused.
    let err = update_refs(
        repo,
        &[RefUpdate::set("refs/bad..name", Expected::Any, c[0])],
        "x",
    );
    assert!(matches!(err, Err(StoreError::RefName { .. })), "{err:?}");

    // Packed refs are updated and deleted too.
    git(&path, &["pack-refs", "--all"]);
    assert!(!path.join(meta).exists());
    update_refs(
        repo,
        &[
            RefUpdate::set(meta, Expected::Value(c[0]), c[2]),
            RefUpdate::delete(notes, Expected::Value(c[1])),
            RefUpdate::delete("refs/cinnabar/never-existed", Expected::Any),
            RefUpdate::set("refs/cinnabar/refs/heads/main", Expected::Absent, c[3]),
        ],
        "cinnabar: update",
    )?;
    assert_eq!(rev_parse(&path, meta), Some(c[2].to_string()));
    assert_eq!(rev_parse(&path, notes), None);
    assert_eq!(
        rev_parse(&path, "refs/cinnabar/refs/heads/main"),
        Some(c[3].to_string())
    );
    let listed = git(
        &path,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
    );
    assert_eq!(
        listed.trim_end(),
        format!("{meta} {}\nrefs/cinnabar/refs/heads/main {}", c[2], c[3])
    );

    // A ref locked by someone else makes the whole transaction fail. (A
    // `.lock` file of cinnabar's own refs is another matter: writers of
    // those hold cinnabar's ref lock, so one found is stale and removed;
    // see crash_safety::stale_ref_locks_of_a_killed_run_are_removed.)
    std::fs::create_dir_all(path.join("refs/heads"))?;
    std::fs::write(path.join("refs/heads/locked.lock"), b"")?;
    let err = update_refs(
        repo,
        &[
            RefUpdate::set("refs/cinnabar/other", Expected::Absent, c[1]),
            RefUpdate::set(meta, Expected::Any, c[3]),
            RefUpdate::set("refs/heads/locked", Expected::Any, c[3]),
        ],
        "x",
    );
    assert!(err.is_err());
    std::fs::remove_file(path.join("refs/heads/locked.lock"))?;
    assert_eq!(rev_parse(&path, "refs/heads/locked"), None);
    assert_eq!(rev_parse(&path, meta), Some(c[2].to_string()));
    assert_eq!(rev_parse(&path, "refs/cinnabar/other"), None);

    git(&path, &["fsck", "--full", "--no-dangling"]);
    Ok(())
}

#[test]
fn reflog_messages_are_written() -> TestResult {
    let tmp = tempdir();
    let path = bare_repo(tmp.path(), "repo.git");
    git(&path, &["config", "core.logAllRefUpdates", "always"]);
    let mut store = Store::new(open(&path)?, WriteMode::pipelined());
    let c = commits(&mut store, 1)?;
    store.update_refs(
        &[RefUpdate::set(
            "refs/cinnabar/metadata",
            Expected::Absent,
            c[0],
        )],
        "cinnabar: hello",
    )?;
    let log = git(
        &path,
        &["reflog", "show", "--format=%gs", "refs/cinnabar/metadata"],
    );
    assert_eq!(log.trim_end(), "cinnabar: hello");
    Ok(())
}
