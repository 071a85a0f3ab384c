//! The one object API (`ObjectRead`, `ObjectWrite`) behaves the same on
//! every store: the pack writer, its pipelined form, the repository with
//! its pack (both modes), and memory.

use cinnabar::store::pack::{DeltaBuilder, ObjectSink, PackWriter};
use cinnabar::store::{
    hash_object, ConfigOverrides, Kind, MemoryStore, ObjectId, ObjectRead, ObjectWrite, Repo,
    Store, StoreError, WriteMode,
};

use crate::support::*;

/// Something that is both, usable as a trait object.
trait Both: ObjectRead + ObjectWrite {}
impl<T: ObjectRead + ObjectWrite> Both for T {}

fn exercise(store: &mut dyn Both) -> TestResult {
    let text: Vec<u8> = (0..2000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let base = store.write(Kind::Blob, &text)?;
    assert_eq!(base, hash_object(Kind::Blob, &text));
    // The same object again, borrowed or owned: the same id.
    assert_eq!(store.write(Kind::Blob, &text)?, base);
    assert_eq!(store.write_owned(Kind::Blob, text.clone())?, base);

    let owned = b"given up\n".to_vec();
    let id = store.write_owned(Kind::Blob, owned)?;
    assert_eq!(id, hash_object(Kind::Blob, b"given up\n"));

    // A delta: the first 10 lines replaced.
    let cut = text.iter().position(|&b| b == b'9').unwrap_or(0);
    let mut d = DeltaBuilder::new(text.len());
    d.insert(b"changed\n");
    d.copy(cut, text.len() - cut)?;
    let changed = [&b"changed\n"[..], &text[cut..]].concat();
    let changed_id = store.write_delta(Kind::Blob, &changed, &base, &d.finish())?;
    assert_eq!(changed_id, hash_object(Kind::Blob, &changed));

    let mut out = Vec::new();
    for (oid, data) in [
        (base, &text[..]),
        (id, &b"given up\n"[..]),
        (changed_id, &changed[..]),
    ] {
        assert_eq!(store.read(&oid, &mut out)?, Kind::Blob);
        assert_eq!(out, data);
        assert_eq!(store.try_read(&oid, &mut out)?, Some(Kind::Blob));
        store.read_of_kind(&oid, Kind::Blob, &mut out)?;
        assert!(matches!(
            store.read_of_kind(&oid, Kind::Tree, &mut out),
            Err(StoreError::WrongKind { .. })
        ));
    }
    let unknown = hash_object(Kind::Blob, b"never written");
    assert_eq!(store.try_read(&unknown, &mut out)?, None);
    assert!(matches!(
        store.read(&unknown, &mut out),
        Err(StoreError::NotFound(o)) if o == unknown
    ));
    Ok(())
}

fn git_objects_in(pack: &std::path::Path) -> TestResult<usize> {
    let idx = pack.with_extension("idx");
    let mut cmd = command("git", pack.parent().ok_or("no parent")?);
    cmd.arg("show-index").stdin(std::fs::File::open(idx)?);
    let out = output(cmd);
    assert!(out.status.success());
    Ok(out.stdout.iter().filter(|&&b| b == b'\n').count())
}

#[test]
fn every_store_behaves_the_same() -> TestResult {
    let dir = tempdir();
    let objects = dir.path().join("objects");

    let mut pack = PackWriter::new(&objects)?;
    exercise(&mut pack)?;
    let path = pack.finish()?.ok_or("no pack")?;
    assert_eq!(git_objects_in(&path)?, 3);

    let mut sink = ObjectSink::new(&objects)?;
    exercise(&mut sink)?;
    assert_eq!(sink.len(), 3);
    sink.finish()?.ok_or("no pack")?;

    for (n, mode) in [WriteMode::Direct, WriteMode::pipelined()]
        .into_iter()
        .enumerate()
    {
        let path = dir.path().join(format!("repo{n}.git"));
        let mut store = Store::new(Repo::init_bare(&path, ConfigOverrides::new())?, mode);
        exercise(&mut store)?;
        let pack = store.finish_pack()?.ok_or("no pack")?;
        assert_eq!(git_objects_in(&pack)?, 3);
        // Now from the repository: read, and not written again.
        exercise(&mut store)?;
        assert_eq!(store.finish_pack()?, None);
    }

    let mut mem = MemoryStore::new();
    exercise(&mut mem)?;
    assert_eq!(mem.len(), 3);
    Ok(())
}

#[test]
fn ids_do_not_depend_on_the_path_taken() -> TestResult {
    let mut a = MemoryStore::new();
    let mut b = MemoryStore::new();
    let data = b"tree-ish bytes".to_vec();
    let x: ObjectId = a.write(Kind::Commit, &data)?;
    let y = b.write_owned(Kind::Commit, data.clone())?;
    let z = b.write_delta(Kind::Commit, &data, &x, b"ignored by memory")?;
    assert_eq!(x, y);
    assert_eq!(x, z);
    Ok(())
}
