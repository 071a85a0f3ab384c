use super::*;
use crate::store::object::ObjectWrite;
use crate::store::pack::index::write_index;
use crate::store::pack::PackWriter;
use sha1::{Digest, Sha1};

fn id(i: u32) -> [u8; 20] {
    Sha1::digest(i.to_be_bytes()).into()
}

#[test]
fn offsets_are_found_through_samples_and_large_offsets(
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let n = 5_000u32;
    let ids: Vec<[u8; 20]> = (0..n).map(id).collect();
    // Every third past 4 GiB: the large offset table.
    let offsets: Vec<u64> = (0..n)
        .map(|i| match i % 3 {
            0 => (5 << 30) + u64::from(i) * 7,
            _ => 12 + u64::from(i) * 100,
        })
        .collect();
    let crcs = vec![0u32; n as usize];
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("pack-test.idx");
    let mut bytes = Vec::new();
    write_index(&mut bytes, &ids, &offsets, &crcs, &[3u8; 20])?;
    std::fs::write(&path, &bytes)?;
    let mut packs = FinishedPacks::default();
    assert!(packs.is_empty());
    packs.add(&path)?;
    for (i, oid) in ids.iter().enumerate() {
        let found = packs.find(&ObjectId::Sha1(*oid))?;
        assert_eq!(found, Some((0, offsets[i])), "object {i}");
    }
    let missing = (n..n + 20_000)
        .filter(|&i| packs.find(&ObjectId::Sha1(id(i))).ok() != Some(None))
        .count();
    assert_eq!(missing, 0);
    // The filter kept most of the misses away from the index.
    assert!(packs.searches < n as u64 + 400, "{}", packs.searches);
    Ok(())
}

#[test]
fn objects_are_read_back_from_several_packs() -> std::result::Result<(), Box<dyn std::error::Error>>
{
    let dir = tempfile::tempdir()?;
    let objects = dir.path();
    std::fs::create_dir_all(objects.join("pack"))?;
    let mut packs = FinishedPacks::default();
    let mut written = Vec::new();
    for round in 0..3u32 {
        let mut writer = PackWriter::new(objects)?;
        for i in 0..200u32 {
            let data = format!("round {round} blob {i}\n").repeat(i as usize % 7 + 1);
            let oid = writer.write(Kind::Blob, data.as_bytes())?;
            written.push((oid, data));
        }
        let pack = writer.finish()?.ok_or("no pack")?;
        packs.add(&pack.with_extension("idx"))?;
    }
    let mut out = Vec::new();
    for (oid, data) in &written {
        assert!(packs.contains(oid)?);
        assert_eq!(packs.try_read(oid, &mut out)?, Some(Kind::Blob));
        assert_eq!(out, data.as_bytes());
    }
    let absent = ObjectId::Sha1(id(7));
    assert!(!packs.contains(&absent)?);
    assert_eq!(packs.try_read(&absent, &mut out)?, None);
    Ok(())
}
