//! Bad input: every malformed bundle gives an error that says where
//! (a byte offset or a node), and nothing panics.

use std::panic::{catch_unwind, AssertUnwindSafe};

use cinnabar::hg::bundle::{Bundle2Writer, BundleReader, BundleSpec, Compression};
use cinnabar::hg::changegroup::{CgVersion, ChangegroupReader, RevisionChunk};
use cinnabar::hg::mdiff;
use cinnabar::hg::verify::{verify_bundle, BasePlan};
use cinnabar::hg::{FormatError, HgNode};

use crate::support::*;

fn edge(name: &str) -> Vec<u8> {
    std::fs::read(corpus(format!("edge/{name}"))).unwrap()
}

/// The full read + verify path, both with and without a plan.
fn check(data: &[u8]) -> Result<(), FormatError> {
    let plan = BasePlan::scan(data);
    let single = verify_bundle(data, None);
    if let Ok(plan) = plan {
        let planned = verify_bundle(data, Some(&plan));
        assert_eq!(
            planned
                .as_ref()
                .map(|s| (s.changesets, s.manifests, s.file_revisions))
                .ok(),
            single
                .as_ref()
                .map(|s| (s.changesets, s.manifests, s.file_revisions))
                .ok(),
        );
    }
    single.map(|_| ())
}

/// Asserts an error that says where: a byte offset or a node.
fn assert_located(e: &FormatError, context: &str) {
    let msg = e.to_string();
    let has_offset = msg.contains("byte offset");
    let has_node = msg
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() == 40);
    assert!(
        has_offset || has_node,
        "{context}: error without location: {msg}"
    );
}

/// (offset of the chunk, chunk header length) of every revision chunk of
/// a headerless or HG10UN bundle, whose changegroup offsets are file
/// offsets.
fn chunk_offsets(data: &[u8]) -> Vec<(usize, usize, RevisionChunkInfo)> {
    let mut out = Vec::new();
    let mut bundle = BundleReader::open(data).unwrap();
    let mut cg = bundle.next_changegroup().unwrap().unwrap();
    let header = cg.version().header_len();
    loop {
        while let Some(c) = cg.next_revision().unwrap() {
            out.push((c.offset as usize, header, RevisionChunkInfo::from(&c)));
        }
        if cg.next_file().unwrap().is_none() && cg.group() == cinnabar::hg::changegroup::Group::End
        {
            break;
        }
    }
    out
}

#[derive(Debug, Clone)]
struct RevisionChunkInfo {
    node: HgNode,
    delta_len: usize,
}

impl From<&RevisionChunk<'_>> for RevisionChunkInfo {
    fn from(c: &RevisionChunk<'_>) -> Self {
        RevisionChunkInfo {
            node: c.node,
            delta_len: c.delta.len(),
        }
    }
}

fn uncompressed_v1() -> Vec<u8> {
    reencode(&edge("renames.hg"), BundleSpec::V1(Compression::None))
}

#[test]
fn reencoded_bundles_verify() {
    for spec in ["raw", "none-v1", "none-v2", "gzip-v2"] {
        let data = reencode(&edge("renames.hg"), spec.parse().unwrap());
        check(&data).unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
}

#[test]
fn truncated_streams() {
    let v1 = uncompressed_v1();
    let v2 = reencode(&edge("renames.hg"), BundleSpec::V2(Compression::None));
    let raw = reencode(&edge("renames.hg"), BundleSpec::Raw);
    for (name, data) in [("none-v1", &v1), ("none-v2", &v2), ("raw", &raw)] {
        assert!(check(data).is_ok());
        for cut in 0..data.len() {
            let e = check(&data[..cut]).expect_err(&format!("{name} cut at {cut}"));
            assert_located(&e, &format!("{name} cut at {cut}"));
        }
    }
    // Compressed streams: a damaged end (checksum, end marker) is caught
    // too, as the rest of the stream is read after the last part.
    for name in ["renames.hg", "darcs1.hg", "issue6528.hg-v2.hg"] {
        let data = edge(name);
        for cut in 0..data.len() {
            let e = check(&data[..cut]).expect_err(&format!("{name} cut at {cut}"));
            assert_located(&e, &format!("{name} cut at {cut}"));
        }
    }
}

#[test]
fn bad_chunk_lengths() {
    let data = uncompressed_v1();
    let chunks = chunk_offsets(&data);
    for (i, &(offset, _, _)) in chunks.iter().enumerate().step_by(3) {
        for len in [1u32, 2, 3, 4, 10, 0x7fff_fff0, 0x8000_0000, 0xffff_ffff] {
            let mut bad = data.clone();
            bad[offset..offset + 4].copy_from_slice(&len.to_be_bytes());
            let e = check(&bad).expect_err(&format!("chunk {i} length {len}"));
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("byte offset {offset}")),
                "chunk {i} length {len}: {msg}"
            );
        }
    }
}

/// Builds a one-changeset bundle whose delta is `delta` against the empty
/// text, or against a first revision "abcdef\n".
fn bundle_with_delta(delta: &[u8]) -> (Vec<u8>, HgNode) {
    let base = b"abcdef\n";
    let n1 = HgNode::hash(&HgNode::NULL, &HgNode::NULL, base);
    let n2 = HgNode([0x42; 20]);
    let mut w = cinnabar::hg::bundle::ChangegroupWriter::new(Vec::new(), CgVersion::V2);
    let full = mdiff::replace_all(0, base);
    for (node, p1, delta_base, d) in [
        (n1, HgNode::NULL, HgNode::NULL, &full[..]),
        (n2, n1, n1, delta),
    ] {
        w.write_revision(&RevisionChunk {
            node,
            p1,
            p2: HgNode::NULL,
            delta_base,
            linknode: node,
            flags: 0,
            delta: d,
            offset: 0,
        })
        .unwrap();
    }
    w.end_group().unwrap();
    w.end_group().unwrap();
    let cg = w.finish().unwrap();
    let mut b = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
    b.add_part("changegroup", true, &[("version", "02")], &cg)
        .unwrap();
    (b.finish().unwrap(), n2)
}

#[test]
fn bad_hunks() {
    let hunk = |hs: &[(u32, u32, &[u8])]| {
        let mut d = Vec::new();
        for &(s, e, data) in hs {
            mdiff::write_hunk(&mut d, s, e, data);
        }
        d
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            hunk(&[(3, 5, b"x"), (2, 4, b"y")]),
            "hunk 1 at delta byte offset 13: start 2 is before the end 5",
        ),
        (
            hunk(&[(4, 2, b"")]),
            "hunk 0 at delta byte offset 0: start 4 is after end 2",
        ),
        (
            hunk(&[(0, 8, b"")]),
            "end 8 is past the end of the 7-byte base",
        ),
        (
            hunk(&[(8, 8, b"")]),
            "end 8 is past the end of the 7-byte base",
        ),
        (hunk(&[(0, 1, b"")])[..11].to_vec(), "truncated hunk header"),
        (
            [
                &hunk(&[(0, 1, b"")])[..8],
                &100u32.to_be_bytes()[..],
                b"abc",
            ]
            .concat(),
            "hunk data of 100 bytes runs past the end of the delta",
        ),
    ];
    for (delta, want) in cases {
        let (data, node) = bundle_with_delta(&delta);
        let e = check(&data).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, FormatError::BadDelta { .. }), "{msg}");
        assert!(msg.contains(want), "{msg}");
        assert!(msg.contains(&node.to_hex()), "{msg}");
    }
    // A good delta, but the node does not match.
    let (data, node) = bundle_with_delta(&hunk(&[(0, 1, b"A")]));
    let e = check(&data).unwrap_err();
    assert!(
        matches!(e, FormatError::NodeMismatch { node: n, .. } if n == node),
        "{e}"
    );
}

#[test]
fn flipped_byte_in_delta() {
    // Without Mercurial: the corpus bundle re-encoded uncompressed; flip
    // the first byte of the first hunk's data of every revision.
    let data = uncompressed_v1();
    let mut tested = 0;
    for (offset, header, info) in chunk_offsets(&data) {
        if info.delta_len <= 12 {
            continue;
        }
        let pos = offset + 4 + header + 12;
        let mut bad = data.clone();
        bad[pos] ^= 0x20;
        let e = check(&bad).unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, FormatError::NodeMismatch { node, .. } if node == info.node),
            "{msg}"
        );
        assert!(msg.contains(&info.node.to_hex()), "{msg}");
        tested += 1;
    }
    assert!(tested > 10);
}

#[test]
fn flipped_byte_in_hg_bundle() {
    let tmp = tempdir();
    let repo = make_repo(tmp.path());
    let out = tmp.path().join("none.hg");
    hg(
        &repo,
        &[
            "bundle",
            "-q",
            "--all",
            "--type",
            "none-v2",
            out.to_str().unwrap(),
        ],
    );
    let mut data = std::fs::read(&out).unwrap();
    check(&data).unwrap();
    let pos = data.windows(9).position(|w| w == b"b content").unwrap();
    data[pos] = b'B';
    let e = check(&data).unwrap_err();
    let FormatError::NodeMismatch { kind, node, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(*kind, "file revision");
    assert!(e.to_string().contains(&node.to_hex()));
}

#[test]
fn unknown_compression_and_magic() {
    let mut data = b"HG20\0\0\0\x0eCompression=XX".to_vec();
    data.extend_from_slice(&[0; 4]);
    let e = check(&data).unwrap_err();
    assert_eq!(e.to_string(), "unknown compression \"XX\" at byte offset 8");
    for magic in [&b"HG1X"[..], b"HG30", b"HG10ZZ"] {
        let e = check(&[magic, &[0u8; 16][..]].concat()).unwrap_err();
        assert_located(&e, "bad magic");
    }
}

#[test]
fn unknown_mandatory_part() {
    let mut b = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
    b.add_part("output", false, &[], b"hello").unwrap();
    b.add_part("check:frobs", true, &[], b"").unwrap();
    let data = b.finish().unwrap();
    let e = check(&data).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unsupported mandatory bundle2 part \"CHECK:FROBS\" at byte offset 38"
    );
}

#[test]
fn changegroup_reader_on_garbage() {
    let mut rng = Rng(1);
    for _ in 0..500 {
        let len = rng.below(300);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8 % 8).collect();
        for v in [CgVersion::V1, CgVersion::V2, CgVersion::V3] {
            let mut r = ChangegroupReader::new(&data[..], v);
            let _ = r.skip_to_end();
        }
    }
}

/// Mutates `data`: flips bytes, truncates, inserts bytes or overwrites a
/// 32-bit word with a value likely to hit length checks.
fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(3) {
        if d.is_empty() {
            break;
        }
        let pos = rng.below(d.len());
        match rng.below(5) {
            0 => d[pos] ^= 1 << rng.below(8),
            1 => d[pos] = rng.next() as u8,
            2 => d.truncate(pos),
            3 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                d.splice(pos..pos, bytes);
            }
            _ => {
                let values = [
                    0u32,
                    1,
                    2,
                    3,
                    4,
                    5,
                    0x50,
                    0x65,
                    0x7fff_ffff,
                    0x8000_0000,
                    0xffff_ffff,
                    0xffff_fffe,
                ];
                let v = values[rng.below(values.len())].to_be_bytes();
                let end = (pos + 4).min(d.len());
                d[pos..end].copy_from_slice(&v[..end - pos]);
            }
        }
    }
    d
}

#[test]
fn random_corruption_never_panics() {
    let mut inputs: Vec<(String, Vec<u8>)> = bundles_in(&corpus("edge"))
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    for name in [
        "renames.hg",
        "issue6528.hg-v2.hg",
        "test-merge-symlinks.hg",
        "hgweb+obs.hg",
    ] {
        for spec in ["none-v2", "none-v1", "raw"] {
            let data = reencode(&edge(name), spec.parse().unwrap());
            inputs.push((format!("{name} as {spec}"), data));
        }
    }
    let mut rng = Rng(0x5eed);
    let (mut ok, mut err) = (0, 0);
    let mut panics = Vec::new();
    for round in 0..3000 {
        let (name, data) = &inputs[round % inputs.len()];
        let bad = mutate(&mut rng, data);
        match catch_unwind(AssertUnwindSafe(|| check(&bad))) {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => {
                let _ = e.to_string();
                err += 1;
            }
            Err(_) => panics.push(format!("round {round} ({name})")),
        }
    }
    eprintln!("3000 corrupted bundles: {ok} still valid, {err} errors");
    assert!(panics.is_empty(), "panics: {panics:?}");
    assert_eq!(ok + err, 3000);
    // Most corruptions are caught.
    assert!(err > 2000, "only {err} errors");
}
