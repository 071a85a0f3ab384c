//! Packs written by PackWriter, ObjectSink and Store, checked with the real
//! git: `git verify-pack -v`, `git fsck --full`, `git cat-file --batch`.

use std::collections::BTreeMap;
use std::path::Path;

use cinnabar::store::commit::raw_commit;
use cinnabar::store::pack::{DeltaBuilder, ObjectSink, PackWriter, MAX_DELTA_DEPTH};
use cinnabar::store::tree::{encode_tree, Mode, TreeEntry};
use cinnabar::store::{hash_object, Kind, ObjectId, Store, WriteMode};
use cinnabar::store::{ObjectRead, ObjectWrite};

use crate::support::*;

/// Deterministic pseudo-random bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Text-like, compressible bytes.
fn text(seed: u64, len: usize) -> Vec<u8> {
    const WORDS: [&str; 8] = [
        "alpha ",
        "beta ",
        "gamma\n",
        "delta ",
        "mercurial ",
        "git ",
        "cinnabar\n",
        "pack ",
    ];
    let picks = noise(seed, len / 4 + 1);
    let mut out = Vec::with_capacity(len + 16);
    for p in picks {
        out.extend_from_slice(WORDS[(p & 7) as usize].as_bytes());
        if out.len() >= len {
            break;
        }
    }
    out.truncate(len);
    out
}

/// Something that writes objects: the three writers under test.
trait Writes {
    fn put(&mut self, kind: Kind, data: &[u8]) -> TestResult<ObjectId>;
    fn put_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> TestResult<ObjectId>;
    fn get(&mut self, oid: &ObjectId) -> TestResult<Option<(Kind, Vec<u8>)>>;
}

impl Writes for PackWriter {
    fn put(&mut self, kind: Kind, data: &[u8]) -> TestResult<ObjectId> {
        Ok(self.write(kind, data)?)
    }
    fn put_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> TestResult<ObjectId> {
        Ok(self.write_delta(kind, data, base, delta)?)
    }
    fn get(&mut self, oid: &ObjectId) -> TestResult<Option<(Kind, Vec<u8>)>> {
        let mut out = Vec::new();
        Ok(self.try_read(oid, &mut out)?.map(|k| (k, out)))
    }
}

impl Writes for ObjectSink {
    fn put(&mut self, kind: Kind, data: &[u8]) -> TestResult<ObjectId> {
        Ok(self.write(kind, data)?)
    }
    fn put_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> TestResult<ObjectId> {
        Ok(self.write_delta(kind, data, base, delta)?)
    }
    fn get(&mut self, oid: &ObjectId) -> TestResult<Option<(Kind, Vec<u8>)>> {
        let mut out = Vec::new();
        Ok(self.try_read(oid, &mut out)?.map(|k| (k, out)))
    }
}

impl Writes for Store {
    fn put(&mut self, kind: Kind, data: &[u8]) -> TestResult<ObjectId> {
        Ok(self.write(kind, data)?)
    }
    fn put_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> TestResult<ObjectId> {
        Ok(self.write_delta(kind, data, base, delta)?)
    }
    fn get(&mut self, oid: &ObjectId) -> TestResult<Option<(Kind, Vec<u8>)>> {
        let mut out = Vec::new();
        Ok(self.try_read(oid, &mut out)?.map(|k| (k, out)))
    }
}

/// A delta turning `base` into `base[..cut] + insert + base[cut + skip..]`.
fn edit(base: &[u8], cut: usize, skip: usize, insert: &[u8]) -> TestResult<(Vec<u8>, Vec<u8>)> {
    let mut d = DeltaBuilder::new(base.len());
    d.copy(0, cut)?;
    d.insert(insert);
    d.copy(cut + skip, base.len() - cut - skip)?;
    let result = [&base[..cut], insert, &base[cut + skip..]].concat();
    Ok((result, d.finish()))
}

/// Writes a varied set of objects, checking each reads back at once (and
/// all of them again at the end); returns every object written.
fn write_sample(w: &mut dyn Writes) -> TestResult<BTreeMap<ObjectId, (Kind, Vec<u8>)>> {
    let mut all = BTreeMap::new();
    fn record_in(
        all: &mut BTreeMap<ObjectId, (Kind, Vec<u8>)>,
        w: &mut dyn Writes,
        oid: ObjectId,
        kind: Kind,
        data: Vec<u8>,
    ) -> TestResult {
        assert_eq!(oid, hash_object(kind, &data));
        let back = w.get(&oid)?.ok_or("just written, not readable")?;
        assert_eq!(back, (kind, data.clone()), "read back {oid}");
        all.insert(oid, (kind, data));
        Ok(())
    }
    macro_rules! record {
        ($w:expr, $oid:expr, $kind:expr, $data:expr) => {
            record_in(&mut all, $w, $oid, $kind, $data)
        };
    }

    // Blobs of many sizes, compressible or not, and the empty blob.
    let mut blobs = Vec::new();
    for (i, len) in [0usize, 1, 15, 16, 127, 128, 4095, 70_000, 1 << 20]
        .into_iter()
        .enumerate()
    {
        for data in [text(i as u64, len), noise(i as u64 + 100, len)] {
            let oid = w.put(Kind::Blob, &data)?;
            record!(w, oid, Kind::Blob, data)?;
            blobs.push(oid);
        }
    }
    // Writing again is harmless.
    let again = w.put(Kind::Blob, &text(4, 127))?;
    assert!(all.contains_key(&again));

    // A delta chain longer than the maximum depth.
    let mut base_data = text(7, 50_000);
    let mut base = w.put(Kind::Blob, &base_data)?;
    record!(w, base, Kind::Blob, base_data.clone())?;
    for step in 0..(MAX_DELTA_DEPTH as usize + 10) {
        let (data, delta) = edit(
            &base_data,
            1000 + step * 37,
            5,
            format!("step {step}\n").as_bytes(),
        )?;
        let oid = w.put_delta(Kind::Blob, &data, &base, &delta)?;
        record!(w, oid, Kind::Blob, data.clone())?;
        base = oid;
        base_data = data;
    }
    // A delta whose base is not in the pack (falls back to a full object),
    // one of another kind than its base, and one larger than the object.
    let outside = hash_object(Kind::Blob, b"not in this pack");
    let mut d = DeltaBuilder::new(16);
    d.insert(b"whatever content");
    let oid = w.put_delta(Kind::Blob, b"whatever content", &outside, &d.finish())?;
    record!(w, oid, Kind::Blob, b"whatever content".to_vec())?;

    // Trees, including cinnabar's 160644/160755 modes.
    let mut entries = vec![
        TreeEntry::new(Mode::FILE, "file", blobs[2]),
        TreeEntry::new(Mode::EXECUTABLE, "run.sh", blobs[3]),
        TreeEntry::new(Mode::SYMLINK, "link", blobs[4]),
    ];
    let sub_data = encode_tree(&mut entries);
    let sub = w.put(Kind::Tree, &sub_data)?;
    record!(w, sub, Kind::Tree, sub_data)?;
    let mut manifest = vec![
        TreeEntry::new(Mode::CINNABAR_FILE, "_a", blobs[5]),
        TreeEntry::new(Mode::CINNABAR_EXECUTABLE, "_b", blobs[6]),
        TreeEntry::new(Mode::DIR, "_dir", sub),
    ];
    let manifest_data = encode_tree(&mut manifest);
    let manifest_tree = w.put(Kind::Tree, &manifest_data)?;
    record!(w, manifest_tree, Kind::Tree, manifest_data.clone())?;
    // A tree delta: the same tree with one more entry, "_c", which sorts
    // between "_b" and the last entry, "_dir" (31 bytes).
    let mut bigger = manifest.clone();
    bigger.push(TreeEntry::new(Mode::CINNABAR_FILE, "_c", blobs[7]));
    let bigger_data = encode_tree(&mut bigger);
    let keep = manifest_data.len() - 31;
    let added = bigger_data.len() - manifest_data.len();
    let mut d = DeltaBuilder::new(manifest_data.len());
    d.copy(0, keep)?;
    d.insert(&bigger_data[keep..keep + added]);
    d.copy(keep, 31)?;
    let bigger_tree = w.put_delta(Kind::Tree, &bigger_data, &manifest_tree, &d.finish())?;
    record!(w, bigger_tree, Kind::Tree, bigger_data)?;

    // A tree delta against a blob base must not be written as a delta.
    let sub_data = all[&sub].1.clone();
    let mut d = DeltaBuilder::new(all[&blobs[8]].1.len());
    d.insert(&sub_data);
    let same_sub = w.put_delta(Kind::Tree, &sub_data, &blobs[8], &d.finish())?;
    assert_eq!(same_sub, sub);

    // Commits with odd author lines and no trailing newline.
    let sig = b" <cinnabar@git> 0 +0000";
    let c1_data = raw_commit(&manifest_tree, &[], sig, sig, b"");
    let c1 = w.put(Kind::Commit, &c1_data)?;
    record!(w, c1, Kind::Commit, c1_data)?;
    let c2_data = raw_commit(
        &sub,
        &[c1],
        b"Caf\xe9 <x@y> 1 +0100",
        b"z <> 2 -0030",
        b"no newline",
    );
    let c2 = w.put(Kind::Commit, &c2_data)?;
    record!(w, c2, Kind::Commit, c2_data)?;

    // Everything is still readable at the end.
    for (oid, (kind, data)) in &all {
        let back = w.get(oid)?.ok_or("not readable")?;
        assert_eq!(&back.0, kind);
        assert_eq!(&back.1, data, "{oid}");
    }
    assert_eq!(w.get(&outside)?, None);
    Ok(all)
}

/// `git cat-file --batch` of every object must give the same bytes.
fn check_with_git(repo: &Path, objects: &BTreeMap<ObjectId, (Kind, Vec<u8>)>) -> TestResult {
    let input: String = objects.keys().map(|o| format!("{o}\n")).collect();
    let out = git_stdin(repo, &["cat-file", "--batch"], input.as_bytes());
    let mut rest = &out[..];
    for (oid, (kind, data)) in objects {
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("truncated output")?;
        let header = std::str::from_utf8(&rest[..nl])?;
        assert_eq!(header, format!("{oid} {kind} {}", data.len()));
        rest = &rest[nl + 1..];
        assert_eq!(&rest[..data.len()], &data[..], "{oid}");
        rest = &rest[data.len() + 1..];
    }
    assert!(rest.is_empty());
    Ok(())
}

fn verify_pack(repo: &Path, pack: &Path, expected_objects: usize) -> TestResult {
    let idx = pack.with_extension("idx");
    assert!(idx.is_file(), "{} missing", idx.display());
    let out = git(repo, &["verify-pack", "-v", idx.to_str().ok_or("path")?]);
    // Summary lines: "non delta: N objects", "chain length = L: N objects".
    let mut total = 0;
    let mut max_chain = 0;
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("non delta: ") {
            total += n.split(' ').next().ok_or("?")?.parse::<usize>()?;
        } else if let Some(rest) = line.strip_prefix("chain length = ") {
            let (len, n) = rest.split_once(": ").ok_or("?")?;
            max_chain = max_chain.max(len.parse::<usize>()?);
            total += n.split(' ').next().ok_or("?")?.parse::<usize>()?;
        }
    }
    assert_eq!(total, expected_objects, "verify-pack -v:\n{out}");
    assert!(max_chain > 0, "some deltas were written");
    assert!(
        max_chain <= MAX_DELTA_DEPTH as usize,
        "chain of {max_chain}"
    );
    Ok(())
}

/// `git fsck --full`: only the expected badFilemode warning for the
/// 1606xx manifest trees.
fn fsck(repo: &Path) -> TestResult<String> {
    let mut cmd = command("git", repo);
    cmd.args(["fsck", "--full", "--no-dangling"]);
    let out = output(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "git fsck failed: {stdout}{stderr}");
    for line in stderr.lines().chain(stdout.lines()) {
        assert!(
            line.contains("badFilemode")
                || line.starts_with("notice:")
                || line.starts_with("Checking")
                || line.trim().is_empty(),
            "unexpected fsck output: {line}"
        );
    }
    Ok(stderr)
}

#[test]
fn pack_writer_round_trip_with_git() -> TestResult {
    let tmp = tempdir();
    let repo = bare_repo(tmp.path(), "repo.git");
    let objects_dir = repo.join("objects");
    let mut pack = PackWriter::new(&objects_dir)?;
    let tmp_path = pack.tmp_path().to_path_buf();
    assert!(tmp_path.is_file());
    let objects = write_sample(&mut pack)?;
    assert_eq!(pack.len(), objects.len());
    let path = pack.finish()?.ok_or("no pack written")?;
    assert!(!tmp_path.exists());
    verify_pack(&repo, &path, objects.len())?;
    check_with_git(&repo, &objects)?;
    let fsck_output = fsck(&repo)?;
    eprintln!("git fsck --full says:\n{fsck_output}");
    assert!(
        fsck_output.contains("badFilemode"),
        "160644 trees are flagged"
    );
    // git index-pack computes the same index from the pack alone.
    let check = tmp.path().join("check.idx");
    git(
        &repo,
        &[
            "index-pack",
            "-o",
            check.to_str().ok_or("path")?,
            path.to_str().ok_or("path")?,
        ],
    );
    assert_eq!(
        std::fs::read(&check)?,
        std::fs::read(path.with_extension("idx"))?
    );
    Ok(())
}

#[test]
fn object_sink_round_trip_with_git() -> TestResult {
    let tmp = tempdir();
    let repo = bare_repo(tmp.path(), "repo.git");
    // A tiny queue, so that reads hit both queued and written objects.
    let pack = PackWriter::new(&repo.join("objects"))?;
    let mut sink = ObjectSink::with_writer(pack, 2, 100_000)?;
    let objects = write_sample(&mut sink)?;
    let path = sink.finish()?.ok_or("no pack written")?;
    verify_pack(&repo, &path, objects.len())?;
    check_with_git(&repo, &objects)?;
    fsck(&repo)?;
    Ok(())
}

#[test]
fn object_sink_reads_back_without_asking_the_writer() -> TestResult {
    let tmp = tempdir();
    let repo = bare_repo(tmp.path(), "repo.git");
    // A queue of a few objects, so that most reads find their object in
    // the file, at the end of delta chains.
    let pack = PackWriter::new(&repo.join("objects"))?;
    let mut sink = ObjectSink::with_writer(pack, 8, 1 << 20)?;
    let mut base_data = text(1, 20_000);
    let mut base = sink.write(Kind::Blob, &base_data)?;
    let mut written = vec![(base, base_data.clone())];
    let mut buf = Vec::new();
    for step in 0..200 {
        let cut = 100 + step * 53 % 15_000;
        let (data, delta) = edit(&base_data, cut, 3, format!("s{step}\n").as_bytes())?;
        let oid = sink.write_delta(Kind::Blob, &data, &base, &delta)?;
        written.push((oid, data.clone()));
        let (old, old_data) = &written[step / 2];
        assert_eq!(sink.read(old, &mut buf)?, Kind::Blob);
        assert_eq!(&buf, old_data, "step {step}");
        (base, base_data) = (oid, data);
    }
    // Everything, twice: the second time partly from resolved objects
    // kept by the reader.
    for _ in 0..2 {
        for (oid, data) in &written {
            assert_eq!(sink.read(oid, &mut buf)?, Kind::Blob);
            assert_eq!(&buf, data, "{oid}");
        }
    }
    let stats = sink.stats();
    assert_eq!(stats.written, 201);
    assert_eq!(stats.read_backs(), 200 + 2 * 201);
    assert_eq!(stats.messages, stats.batches, "reads send no messages");
    // At most 8 objects in flight and 8 in the batch at the end.
    assert!(stats.read_pack >= 2 * (201 - 16), "{stats}");
    let path = sink.finish()?.ok_or("no pack written")?;
    verify_pack(&repo, &path, written.len())?;
    let all = written
        .into_iter()
        .map(|(oid, data)| (oid, (Kind::Blob, data)))
        .collect();
    check_with_git(&repo, &all)?;
    Ok(())
}

#[test]
fn store_round_trip_with_git() -> TestResult {
    for mode in [WriteMode::Direct, WriteMode::pipelined()] {
        let tmp = tempdir();
        let repo_path = bare_repo(tmp.path(), "repo.git");
        // An object the repository already has is not written again.
        let existing = String::from_utf8(git_stdin(
            &repo_path,
            &["hash-object", "-w", "--stdin"],
            b"already here\n",
        ))?;
        let existing = ObjectId::from_hex(existing.trim().as_bytes())?;
        let mut store = Store::new(open(&repo_path)?, mode);
        assert_eq!(store.write(Kind::Blob, b"already here\n")?, existing);
        assert!(!store.in_pack(&existing));
        assert!(!store.has_pack());
        let objects = write_sample(&mut store)?;
        // Reads fall back to the repository.
        let mut buf = Vec::new();
        assert_eq!(store.read(&existing, &mut buf)?, Kind::Blob);
        assert_eq!(buf, b"already here\n");
        let path = store.finish_pack()?.ok_or("no pack")?;
        verify_pack(&repo_path, &path, objects.len())?;
        // The repository sees the new pack.
        for (oid, (kind, data)) in &objects {
            assert!(store.repo().contains(oid), "{oid} after finish");
            assert_eq!(store.read(oid, &mut buf)?, *kind);
            assert_eq!(&buf, data);
        }
        check_with_git(&repo_path, &objects)?;
        // Objects of the finished pack are not written again.
        for (oid, (kind, data)) in objects.iter().take(20) {
            assert_eq!(store.write(*kind, data)?, *oid);
        }
        assert!(!store.has_pack());
        assert_eq!(store.finish_pack()?, None, "nothing more to write");
    }
    Ok(())
}

fn pack_dir_entries(repo: &Path) -> TestResult<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(repo.join("objects/pack"))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

#[test]
fn unfinished_packs_leave_nothing_behind() -> TestResult {
    let tmp = tempdir();
    let repo = bare_repo(tmp.path(), "repo.git");
    let objects = repo.join("objects");
    {
        let mut pack = PackWriter::new(&objects)?;
        pack.write(Kind::Blob, b"aborted")?;
        assert_eq!(pack_dir_entries(&repo)?.len(), 1);
    }
    assert_eq!(pack_dir_entries(&repo)?, Vec::<String>::new());
    {
        let mut sink = ObjectSink::new(&objects)?;
        for i in 0..100 {
            sink.write(Kind::Blob, &text(i, 10_000))?;
        }
    }
    assert_eq!(pack_dir_entries(&repo)?, Vec::<String>::new());
    {
        let mut store = Store::new(open(&repo)?, WriteMode::pipelined());
        store.write(Kind::Blob, b"aborted too")?;
        assert!(store.has_pack());
    }
    assert_eq!(pack_dir_entries(&repo)?, Vec::<String>::new());
    // Finishing an empty pack writes nothing.
    assert_eq!(PackWriter::new(&objects)?.finish()?, None);
    assert_eq!(ObjectSink::new(&objects)?.finish()?, None);
    assert_eq!(pack_dir_entries(&repo)?, Vec::<String>::new());
    Ok(())
}

#[test]
fn bad_delta_is_refused() -> TestResult {
    let tmp = tempdir();
    let repo = bare_repo(tmp.path(), "repo.git");
    let mut pack = PackWriter::new(&repo.join("objects"))?;
    let base_data = text(1, 1000);
    let base = pack.write(Kind::Blob, &base_data)?;
    // Declares a result of the wrong size.
    let mut d = DeltaBuilder::new(base_data.len());
    d.copy(0, 900)?;
    let data = text(2, 1000);
    assert!(pack
        .write_delta(Kind::Blob, &data, &base, &d.finish())
        .is_err());
    Ok(())
}
