//! Bundles (spec 8, `hg help internals.bundles`): the containers of
//! changegroups, in files and on the wire.
//!
//! - [`BundleReader`] detects the format (bundle2, bundle1 with its
//!   compression, or a bare changegroup), decompresses, and hands out the
//!   changegroups (and, if wanted, the other parts) as streams;
//! - [`Bundle2Writer`], [`Bundle1Writer`] and [`ChangegroupWriter`] write
//!   them;
//! - [`Compression`] names the compression engines.
//!
//! Everything streams: neither reading nor writing holds more than one
//! changegroup chunk or bundle2 payload chunk in memory, besides the
//! buffers of the decompressors.

mod bundle2;
mod compression;
mod read;
mod write;

pub use bundle2::{
    decode_caps, encode_caps, parse_stream_params, quote, unquote, Bundle2Caps, PartHeader,
    PartPayload, StreamParams,
};
pub use compression::{Compression, Encoder};
pub use read::{part_action, BundleChangegroup, BundleKind, BundleReader, Part, PartAction};
pub use write::{
    Bundle1Writer, Bundle2Writer, BundleSpec, ChangegroupWriter, PartWriter, PAYLOAD_CHUNK_SIZE,
};

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::hg::changegroup::{CgVersion, RevisionChunk};
    use crate::hg::mdiff;
    use crate::hg::verify::{verify_bundle, verify_bundle_with, BasePlan, VerifyStats};
    use crate::hg::{FormatError, HgNode};

    /// Writes a group of linear-history texts; returns their nodes.
    fn write_group<W: Write>(
        w: &mut ChangegroupWriter<W>,
        version: CgVersion,
        texts: &[Vec<u8>],
        links: &[HgNode],
    ) -> Vec<HgNode> {
        let mut nodes: Vec<HgNode> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let p1 = if i == 0 { HgNode::NULL } else { nodes[i - 1] };
            let node = HgNode::hash(&p1, &HgNode::NULL, text);
            // v1: base is the previous revision; v2+: alternate between p1
            // and the grandparent to exercise explicit bases.
            let (base, base_text): (HgNode, &[u8]) = match (version, i) {
                (_, 0) => (HgNode::NULL, b""),
                (CgVersion::V1, _) => (nodes[i - 1], &texts[i - 1]),
                (_, i) if i >= 2 && i % 2 == 0 => (nodes[i - 2], &texts[i - 2]),
                (_, i) => (nodes[i - 1], &texts[i - 1]),
            };
            let delta = if base.is_null() {
                mdiff::replace_all(0, text)
            } else {
                mdiff::diff(base_text, text)
            };
            w.write_revision(&RevisionChunk {
                node,
                p1,
                p2: HgNode::NULL,
                delta_base: base,
                linknode: links.get(i).copied().unwrap_or(node),
                flags: 0,
                delta: &delta,
                offset: 0,
            })
            .unwrap();
            nodes.push(node);
        }
        w.end_group().unwrap();
        nodes
    }

    fn texts(prefix: &str, n: usize) -> Vec<Vec<u8>> {
        let mut t = Vec::new();
        let mut cur = String::new();
        for i in 0..n {
            cur.push_str(&format!("{prefix} line {i}\n"));
            t.push(cur.clone().into_bytes());
        }
        t
    }

    fn sample_changegroup(version: CgVersion) -> Vec<u8> {
        let mut w = ChangegroupWriter::new(Vec::new(), version);
        let cs = write_group(&mut w, version, &texts("changeset", 5), &[]);
        write_group(&mut w, version, &texts("manifest", 5), &cs);
        w.start_file(b"foo").unwrap();
        write_group(&mut w, version, &texts("foo", 3), &cs);
        w.start_file(b"dir/bar").unwrap();
        write_group(&mut w, version, &texts("bar", 400), &cs);
        w.finish().unwrap()
    }

    fn make_bundle(spec: BundleSpec, cg_version: CgVersion) -> Vec<u8> {
        let cg = sample_changegroup(cg_version);
        match spec {
            BundleSpec::Raw => cg,
            BundleSpec::V1(c) => {
                let mut w = Bundle1Writer::new(Vec::new(), c).unwrap();
                w.write_all(&cg).unwrap();
                w.finish().unwrap()
            }
            BundleSpec::V2(c) => {
                let mut w = Bundle2Writer::new(Vec::new(), c).unwrap();
                w.add_part("replycaps", false, &[], b"error=abort").unwrap();
                w.add_part(
                    "changegroup",
                    true,
                    &[("version", cg_version.as_str()), ("nbchanges", "5")],
                    &cg,
                )
                .unwrap();
                w.add_part("phase-heads", true, &[], &[0; 24]).unwrap();
                w.add_part("some-advisory-thing", false, &[], b"whatever")
                    .unwrap();
                w.finish().unwrap()
            }
        }
    }

    const SPECS: [&str; 8] = [
        "raw", "none-v1", "gzip-v1", "bzip2-v1", "none-v2", "gzip-v2", "bzip2-v2", "zstd-v2",
    ];

    #[test]
    fn round_trips() {
        for spec in SPECS {
            let spec: BundleSpec = spec.parse().unwrap();
            assert_eq!(spec.to_string().parse::<BundleSpec>().unwrap(), spec);
            let versions: &[CgVersion] = match spec {
                BundleSpec::V2(_) => &[CgVersion::V1, CgVersion::V2, CgVersion::V3],
                _ => &[CgVersion::V1],
            };
            for &v in versions {
                let data = make_bundle(spec, v);
                let reader = BundleReader::open(&data[..]).unwrap();
                let expected_kind = match spec {
                    BundleSpec::Raw => BundleKind::RawChangegroup,
                    BundleSpec::V1(c) => BundleKind::Bundle1(c),
                    BundleSpec::V2(c) => BundleKind::Bundle2(c),
                };
                assert_eq!(reader.kind(), expected_kind);
                let mut nodes = Vec::new();
                let stats = verify_bundle_with(&data[..], None, &mut |r| {
                    nodes.push((r.kind, r.file.to_vec(), r.chunk.node));
                })
                .unwrap();
                assert_eq!(
                    (
                        stats.changegroups,
                        stats.changesets,
                        stats.manifests,
                        stats.files
                    ),
                    (1, 5, 5, 2),
                    "{spec} {v}"
                );
                assert_eq!(stats.file_revisions, 403);
                assert_eq!(nodes.len(), 413);
                let plan = BasePlan::scan(&data[..]).unwrap();
                let planned = verify_bundle(&data[..], Some(&plan)).unwrap();
                assert_eq!(
                    VerifyStats {
                        peak_held_bytes: 0,
                        ..planned
                    },
                    VerifyStats {
                        peak_held_bytes: 0,
                        ..stats
                    }
                );
                assert!(planned.peak_held_bytes < stats.peak_held_bytes);
            }
        }
    }

    #[test]
    fn parts() {
        let data = make_bundle(BundleSpec::V2(Compression::Zstd), CgVersion::V2);
        let mut r = BundleReader::open(&data[..]).unwrap();
        assert_eq!(
            r.stream_params(),
            &[("Compression".to_string(), Some("ZS".to_string()))]
        );
        let mut p = r.next_part().unwrap().unwrap();
        assert_eq!(p.header.part_type, "replycaps");
        assert!(!p.header.is_mandatory());
        let mut payload = Vec::new();
        std::io::Read::read_to_end(&mut p.payload, &mut payload).unwrap();
        assert_eq!(payload, b"error=abort");
        // Not read: skipped by the next call.
        let p = r.next_part().unwrap().unwrap();
        assert_eq!(p.header.part_type, "CHANGEGROUP");
        assert_eq!(p.header.id, 1);
        assert_eq!(p.header.param("version"), Some("02"));
        let mut p = r.next_part().unwrap().unwrap();
        assert_eq!(p.header.name(), "phase-heads");
        let mut payload = Vec::new();
        std::io::Read::read_to_end(&mut p.payload, &mut payload).unwrap();
        assert_eq!(payload, [0; 24]);
        assert!(r.next_part().unwrap().is_some());
        assert!(r.next_part().unwrap().is_none());
        assert!(r.next_part().unwrap().is_none());
    }

    /// (type, mandatory, parameters, payload)
    type TestPart<'a> = (&'a str, bool, &'a [(&'a str, &'a str)], &'a [u8]);

    fn bundle2_with(parts: &[TestPart<'_>]) -> Vec<u8> {
        let mut w = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
        for &(t, m, params, payload) in parts {
            w.add_part(t, m, params, payload).unwrap();
        }
        w.finish().unwrap()
    }

    fn first_changegroup_error(data: &[u8]) -> FormatError {
        let mut r = match BundleReader::open(data) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let e = match r.next_changegroup() {
            Ok(Some(mut cg)) => cg.skip_to_end().unwrap_err(),
            Ok(None) => panic!("no error"),
            Err(e) => e,
        };
        e
    }

    #[test]
    fn part_policies() {
        let e = first_changegroup_error(&bundle2_with(&[("frobnicate", true, &[], b"")]));
        assert!(
            matches!(&e, FormatError::UnknownMandatoryPart { part, offset: 8 } if part == "FROBNICATE"),
            "{e}"
        );
        let e = first_changegroup_error(&bundle2_with(&[("stream2", true, &[], b"")]));
        assert_eq!(e.to_string(), "Stream bundles are not supported.");
        let e = first_changegroup_error(&bundle2_with(&[(
            "error:abort",
            true,
            &[("message", "no way"), ("hint", "try later")],
            b"",
        )]));
        assert_eq!(
            e.to_string(),
            "remote error (error:abort): no way (hint: try later)"
        );
        let e = first_changegroup_error(&bundle2_with(&[(
            "changegroup",
            true,
            &[("version", "04")],
            b"",
        )]));
        assert!(
            matches!(e, FormatError::UnknownChangegroupVersion(_)),
            "{e}"
        );
        // Tolerated mandatory parts and unknown advisory parts are skipped.
        let cg = sample_changegroup(CgVersion::V2);
        let data = bundle2_with(&[
            ("obsmarkers", true, &[], b"\x01"),
            ("cache:rev-branch-cache", true, &[], b"xx"),
            ("unknown-advisory", false, &[], b"yy"),
            ("changegroup", true, &[("version", "02")], &cg),
        ]);
        assert_eq!(verify_bundle(&data[..], None).unwrap().changesets, 5);
        // Changegroup version defaults to 01.
        let cg1 = sample_changegroup(CgVersion::V1);
        let data = bundle2_with(&[("changegroup", false, &[], &cg1)]);
        assert_eq!(verify_bundle(&data[..], None).unwrap().file_revisions, 403);
        // Several changegroups.
        let data = bundle2_with(&[
            ("changegroup", true, &[("version", "02")], &cg),
            ("changegroup", true, &[("version", "01")], &cg1),
        ]);
        let stats = verify_bundle(&data[..], None).unwrap();
        assert_eq!((stats.changegroups, stats.changesets), (2, 10));
    }

    #[test]
    fn magic_and_params() {
        for magic in [&b"HG1X"[..], b"HG30", b"HG2\0"] {
            let mut data = magic.to_vec();
            data.extend_from_slice(&[0; 20]);
            let e = first_changegroup_error(&data);
            assert!(matches!(e, FormatError::BadMagic { .. }), "{e}");
        }
        let e = first_changegroup_error(b"HG10XXsomething");
        assert!(
            matches!(&e, FormatError::UnknownCompression { name, offset: 4 } if name == "XX"),
            "{e}"
        );
        let e = first_changegroup_error(b"HGS1UN");
        assert!(matches!(e, FormatError::Unsupported(_)), "{e}");
        let mut data = b"HG20\0\0\0\x0eCompression=XX".to_vec();
        data.extend_from_slice(&[0; 4]);
        let e = first_changegroup_error(&data);
        assert_eq!(e.to_string(), "unknown compression \"XX\" at byte offset 8");
        let e = first_changegroup_error(b"HG20\0\0\0\x05Mine=");
        assert!(
            matches!(e, FormatError::UnknownMandatoryParam { .. }),
            "{e}"
        );
        // Advisory stream parameters are ignored.
        let mut data = b"HG20\0\0\0\x0amine=x%20y".to_vec();
        data.extend_from_slice(&[0; 4]);
        let mut r = BundleReader::open(&data[..]).unwrap();
        assert!(r.next_changegroup().unwrap().is_none());
        for cut in 0..4 {
            let e = first_changegroup_error(&b"HG20"[..cut]);
            assert!(matches!(e, FormatError::Truncated { offset: 0, .. }), "{e}");
        }
    }

    /// Builds a bundle2 by hand with a changegroup payload interrupted by
    /// an out-of-band part.
    fn interrupted(interrupt_type: &str, params: &[(&str, &str)]) -> Vec<u8> {
        let cg = sample_changegroup(CgVersion::V2);
        let mut out = b"HG20\0\0\0\0".to_vec();
        let header = PartHeader {
            part_type: "CHANGEGROUP".into(),
            id: 0,
            mandatory_params: vec![("version".into(), "02".into())],
            advisory_params: vec![],
            offset: 0,
        }
        .encode()
        .unwrap();
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        let (a, b) = cg.split_at(1000);
        out.extend_from_slice(&(a.len() as u32).to_be_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(&(-1i32).to_be_bytes());
        let header = PartHeader {
            part_type: interrupt_type.into(),
            id: 1,
            mandatory_params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            advisory_params: vec![],
            offset: 0,
        }
        .encode()
        .unwrap();
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&5u32.to_be_bytes());
        out.extend_from_slice(b"hello");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&[0; 4]);
        out
    }

    #[test]
    fn interrupts() {
        let data = interrupted("output", &[]);
        assert_eq!(verify_bundle(&data[..], None).unwrap().changesets, 5);
        let data = interrupted("error:abort", &[("message", "server exploded")]);
        let e = verify_bundle(&data[..], None).unwrap_err();
        assert_eq!(e.to_string(), "remote error (error:abort): server exploded");
        // Negative chunk sizes other than -1.
        let mut data = interrupted("output", &[]);
        let pos = data
            .windows(4)
            .position(|w| w == (-1i32).to_be_bytes())
            .unwrap();
        data[pos + 3] = 0xfe;
        let e = verify_bundle(&data[..], None).unwrap_err();
        assert!(
            e.to_string().contains(&format!("at byte offset {pos}")),
            "{e}"
        );
    }

    #[test]
    fn writer_misuse() {
        let mut w = ChangegroupWriter::new(Vec::new(), CgVersion::V1);
        assert!(w.start_file(b"x").is_err());
        let rev = RevisionChunk {
            node: HgNode([1; 20]),
            p1: HgNode::NULL,
            p2: HgNode::NULL,
            delta_base: HgNode([2; 20]),
            linknode: HgNode([1; 20]),
            flags: 0,
            delta: b"",
            offset: 0,
        };
        assert!(w.write_revision(&rev).is_err());
        let mut w = ChangegroupWriter::new(Vec::new(), CgVersion::V2);
        assert!(w
            .write_revision(&RevisionChunk { flags: 1, ..rev })
            .is_err());
        let mut w = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
        let p = w.start_part("x", false, &[]).unwrap();
        drop(p);
        assert!(w.start_part("y", false, &[]).is_err());
        assert!(Bundle1Writer::new(Vec::new(), Compression::Zstd).is_err());
        assert!("zstd-v1".parse::<BundleSpec>().is_err());
        assert!("lz4-v2".parse::<BundleSpec>().is_err());
    }
}
