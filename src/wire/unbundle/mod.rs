//! The upload side of peers (spec 9.2–9.4): the `heads` argument of
//! `unbundle`, its replies (a bundle2 stream, or a return code and the
//! server's output for a bundle1 push), and the `pushkey` reply.

mod args;
mod error;
mod output;
mod read;
mod reply;
mod spool;

pub use args::{replycaps, PushHeads};
pub use error::{PushRefusal, ServerError};
pub use output::{output_lines, show_output};
pub use read::{legacy_reply, parse_pushkey, read_bundle2_reply};
pub use reply::{ChangegroupResult, PartReply, UnbundleReply};
pub use spool::{read_prefix, Spool, UPLOAD_CHUNK_SIZE};

#[cfg(test)]
mod tests {
    use std::io::Read;

    use sha1::{Digest, Sha1};

    use super::args::hex;
    use super::*;
    use crate::hg::bundle::{Bundle2Writer, Compression};
    use crate::hg::HgNode;
    use crate::wire::WireError;

    #[test]
    fn heads() {
        let a = HgNode([0xaa; 20]);
        let b = HgNode([0x11; 20]);
        assert_eq!(PushHeads::Force.encode(false), b"666f726365");
        assert_eq!(PushHeads::Force.encode(true), b"666f726365");
        assert_eq!(
            PushHeads::Expect(&[a, b]).encode(false),
            format!("{a} {b}").into_bytes()
        );
        assert_eq!(
            PushHeads::Expect(&[]).encode(false),
            HgNode::NULL.to_string().into_bytes()
        );
        // sha1(b"\x11" * 20 + b"\xaa" * 20)
        let mut data = vec![0x11u8; 20];
        data.extend_from_slice(&[0xaa; 20]);
        let expected = format!("686173686564 {}", hex(&Sha1::digest(&data)));
        assert_eq!(PushHeads::Expect(&[a, b]).encode(true), expected.as_bytes());
        assert_eq!(
            PushHeads::Expect(&[b, a, b]).encode(true),
            expected.as_bytes()
        );
    }

    #[test]
    fn caps() {
        assert_eq!(
            replycaps(),
            "HG20\nerror=abort,unsupportedcontent,pushraced,pushkey"
        );
        assert!(matches!(
            read_bundle2_reply(&b""[..], "u", vec![]),
            Err(WireError::Protocol { detail, .. })
                if detail == "the server closed the connection without replying"
        ));
    }

    #[test]
    fn results() {
        use ChangegroupResult::*;
        assert_eq!(ChangegroupResult::from_code(0), Failed);
        assert_eq!(ChangegroupResult::from_code(1), Unchanged);
        assert_eq!(ChangegroupResult::from_code(-1), Unchanged);
        assert_eq!(ChangegroupResult::from_code(3), HeadsAdded(2));
        assert_eq!(ChangegroupResult::from_code(-2), HeadsRemoved(1));
        assert_eq!(ChangegroupResult::combine([2, 3]), HeadsAdded(3));
        assert_eq!(ChangegroupResult::combine([2, -2]), Unchanged);
        assert_eq!(ChangegroupResult::combine([2, -4]), HeadsRemoved(2));
        assert_eq!(ChangegroupResult::combine([2, 0]), Failed);
    }

    type TestPart<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [u8]);

    fn bundle(parts: &[TestPart<'_>]) -> Vec<u8> {
        let mut w = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
        for &(t, params, payload) in parts {
            w.add_part(t, false, params, payload).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn bundle2_replies() {
        let data = bundle(&[
            ("output", &[], b"adding changesets\nadded 2 changesets"),
            (
                "reply:changegroup",
                &[("in-reply-to", "1"), ("return", "2")],
                b"",
            ),
            (
                "reply:pushkey",
                &[("in-reply-to", "2"), ("return", "0")],
                b"",
            ),
            ("reply:obsmarkers", &[("in-reply-to", "3")], b""),
        ]);
        let reply = read_bundle2_reply(&data[..], "u", vec!["first".into()]).unwrap();
        assert_eq!(
            reply,
            UnbundleReply {
                changegroups: vec![PartReply {
                    in_reply_to: Some(1),
                    ret: 2
                }],
                pushkeys: vec![PartReply {
                    in_reply_to: Some(2),
                    ret: 0
                }],
                output: vec![
                    "first".into(),
                    "adding changesets".into(),
                    "added 2 changesets".into()
                ],
            }
        );
        assert_eq!(
            reply.changegroup_result(),
            Some(ChangegroupResult::HeadsAdded(1))
        );
        assert!(!reply.succeeded());

        let data = bundle(&[
            ("output", &[], b"hook says no\n"),
            (
                "error:abort",
                &[("message", "hook failed"), ("hint", "ask")],
                b"",
            ),
        ]);
        let Err(WireError::PushRefused(refusal)) = read_bundle2_reply(&data[..], "u", vec![])
        else {
            panic!("not refused");
        };
        assert_eq!(
            refusal.error,
            ServerError::Abort {
                message: "hook failed".into(),
                hint: Some("ask".into())
            }
        );
        assert_eq!(refusal.output, ["hook says no"]);
        assert_eq!(
            refusal.to_string(),
            "u refused the push: hook failed (hint: ask)"
        );

        let data = bundle(&[(
            "error:unsupportedcontent",
            &[("parttype", "foo"), ("params", "a\0b")],
            b"",
        )]);
        let e = read_bundle2_reply(&data[..], "u", vec![]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "u refused the push: missing support for foo - a, b"
        );
        let data = bundle(&[(
            "error:pushkey",
            &[
                ("in-reply-to", "3"),
                ("namespace", "bookmarks"),
                ("key", "x"),
            ],
            b"",
        )]);
        let e = read_bundle2_reply(&data[..], "u", vec![]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "u refused the push: failed to update value for \"bookmarks/x\""
        );
        // Unknown mandatory parts and bad return codes are protocol errors.
        let mut w = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
        w.add_part("frob", true, &[], b"").unwrap();
        let data = w.finish().unwrap();
        assert!(matches!(
            read_bundle2_reply(&data[..], "u", vec![]),
            Err(WireError::Protocol { .. })
        ));
        let data = bundle(&[("reply:changegroup", &[("return", "x")], b"")]);
        assert!(matches!(
            read_bundle2_reply(&data[..], "u", vec![]),
            Err(WireError::Protocol { .. })
        ));
    }

    #[test]
    fn legacy_and_pushkey() {
        let r = legacy_reply(b"1", vec!["x".into()], "u").unwrap();
        assert_eq!(r.changegroup_result(), Some(ChangegroupResult::Unchanged));
        assert_eq!(r.output, ["x"]);
        let r = legacy_reply(b"0\n", vec![], "u").unwrap();
        assert!(!r.succeeded());
        let e = legacy_reply(b"", vec!["raced".into()], "u").unwrap_err();
        assert_eq!(e.to_string(), "u refused the push: push failed: raced");
        assert!(matches!(
            legacy_reply(b"x", vec![], "u"),
            Err(WireError::Protocol { .. })
        ));
        assert_eq!(parse_pushkey(b"1\n", "u").unwrap(), (true, vec![]));
        assert_eq!(
            parse_pushkey(b"0\nno\nway\n", "u").unwrap(),
            (false, vec!["no".to_string(), "way".to_string()])
        );
        assert!(parse_pushkey(b"", "u").is_err());
        assert_eq!(output_lines(b"a\n\nb"), ["a", "", "b"]);
    }

    #[test]
    fn spool() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let spool = Spool::new(&mut &data[..]).unwrap();
        assert_eq!(spool.len(), data.len() as u64);
        assert_eq!(spool.magic().unwrap(), &data[..4]);
        for _ in 0..2 {
            let mut back = Vec::new();
            spool.reader().unwrap().read_to_end(&mut back).unwrap();
            assert_eq!(back, data);
        }
    }
}
