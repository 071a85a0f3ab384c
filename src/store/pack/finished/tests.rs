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

/// A pack made by git with `REF_DELTA` entries (no `--delta-base-offset`):
/// searched here, its whole objects read here, its deltas left to git.
#[test]
fn packs_of_others_are_searched_and_their_ref_deltas_left_to_git(
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir()?;
    let git = |args: &[&str], input: Option<&[u8]>| -> std::io::Result<Vec<u8>> {
        let mut child = Command::new("git")
            .current_dir(dir.path())
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.unwrap_or_default())?;
        }
        let out = child.wait_with_output()?;
        assert!(out.status.success(), "git {args:?}");
        Ok(out.stdout)
    };
    git(&["init", "-q", "--bare", "."], None)?;
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for i in 0..20u32 {
        let text = format!("{}line {i}\n", "a long shared line of text\n".repeat(200));
        let out = git(&["hash-object", "-w", "--stdin"], Some(text.as_bytes()))?;
        ids.push(String::from_utf8(out)?.trim().to_string());
        texts.push(text);
    }
    let list = ids.join("\n") + "\n";
    let out = git(
        &["pack-objects", "-q", "--window=20", "objects/pack/pack"],
        Some(list.as_bytes()),
    )?;
    let name = String::from_utf8(out)?.trim().to_string();
    let idx = dir.path().join(format!("objects/pack/pack-{name}.idx"));
    let mut packs = FinishedPacks::default();
    packs.add_existing(&idx)?;
    let (mut whole, mut left) = (0, 0);
    let mut out = Vec::new();
    for (id, text) in ids.iter().zip(&texts) {
        let oid = ObjectId::from_hex(id.as_bytes())?;
        assert!(packs.contains(&oid)?);
        match packs.try_read(&oid, &mut out)? {
            Some(kind) => {
                assert_eq!((kind, &out[..]), (Kind::Blob, text.as_bytes()));
                whole += 1;
            }
            None => left += 1,
        }
    }
    // git stored most of them as deltas against one whole blob.
    assert!(whole >= 1 && left >= 10, "{whole} whole, {left} left");
    Ok(())
}
