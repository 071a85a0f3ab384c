//! The upload side of peers (spec 9.2–9.4): the `heads` argument of
//! `unbundle`, its replies (a bundle2 stream, or a return code and the
//! server's output for a bundle1 push), and the `pushkey` reply.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use sha1::{Digest, Sha1};

use super::WireError;
use crate::hg::bundle::{encode_caps, BundleReader};
use crate::hg::{FormatError, HgNode};

/// How much of the bundle is read (and sent) at a time.
pub const UPLOAD_CHUNK_SIZE: usize = 64 * 1024;

/// What the pusher says the remote heads are, so that the server can
/// refuse a push that raced with another one (`unbundle`'s `heads`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushHeads<'a> {
    /// Push whatever the remote heads are now (`hg push --force`): sent
    /// as the hex of `force`.
    Force,
    /// The remote heads as the pusher last saw them (an empty remote has
    /// one head: the null node).
    Expect(&'a [HgNode]),
}

impl PushHeads<'_> {
    /// The `heads` argument. With `unbundlehash`, the expected heads are
    /// sent as the hex of `hashed` and the SHA-1 of the sorted, binary
    /// heads; otherwise as a list of hex nodes. `Force` is `666f726365`.
    pub fn encode(&self, unbundlehash: bool) -> Vec<u8> {
        let heads = match self {
            PushHeads::Force => return hex(b"force").into_bytes(),
            PushHeads::Expect([]) => vec![HgNode::NULL],
            PushHeads::Expect(heads) => heads.to_vec(),
        };
        if unbundlehash {
            let mut sorted = heads;
            sorted.sort();
            sorted.dedup();
            let mut hasher = Sha1::new();
            for h in &sorted {
                hasher.update(h.0);
            }
            format!("{} {}", hex(b"hashed"), hex(&hasher.finalize())).into_bytes()
        } else {
            super::join_nodes(&heads)
        }
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// The payload of the `replycaps` part a pushed bundle2 starts with: the
/// bundle2 capabilities of our side (bundle2 itself, and the errors we
/// understand). Without that part, the server sends no reply parts (and
/// Mercurial servers fail after applying the bundle).
pub fn replycaps() -> String {
    encode_caps(&[
        ("HG20", &[]),
        (
            "error",
            &["abort", "unsupportedcontent", "pushraced", "pushkey"],
        ),
    ])
}

/// A reply to one part of the pushed bundle2 (`reply:changegroup`,
/// `reply:pushkey`), or the result of a bundle1 push (`in_reply_to` is
/// `None` then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartReply {
    /// The id of the part this answers.
    pub in_reply_to: Option<u32>,
    /// The `return` parameter.
    pub ret: i64,
}

/// What applying changegroups did to the remote, from their return codes
/// (Mercurial's `addchangegroup` convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangegroupResult {
    /// Code 0: an error, or nothing was applied.
    Failed,
    /// Code 1: applied, same number of heads.
    Unchanged,
    /// Code `1 + n`: `n` heads more.
    HeadsAdded(u64),
    /// Code `-1 - n`: `n` heads fewer.
    HeadsRemoved(u64),
}

impl ChangegroupResult {
    /// Interprets a return code (-1 counts as 1, as in Mercurial).
    pub fn from_code(code: i64) -> ChangegroupResult {
        match code {
            0 => ChangegroupResult::Failed,
            -1 | 1 => ChangegroupResult::Unchanged,
            c if c > 1 => ChangegroupResult::HeadsAdded(c.unsigned_abs() - 1),
            c => ChangegroupResult::HeadsRemoved(c.unsigned_abs() - 1),
        }
    }

    /// Combines the codes of several changegroups as Mercurial does: any
    /// failure fails, else head changes add up.
    pub fn combine(codes: impl IntoIterator<Item = i64>) -> ChangegroupResult {
        let mut changed: i64 = 0;
        for code in codes {
            match ChangegroupResult::from_code(code) {
                ChangegroupResult::Failed => return ChangegroupResult::Failed,
                ChangegroupResult::Unchanged => {}
                ChangegroupResult::HeadsAdded(n) => changed += n as i64,
                ChangegroupResult::HeadsRemoved(n) => changed -= n as i64,
            }
        }
        match changed {
            0 => ChangegroupResult::Unchanged,
            n if n > 0 => ChangegroupResult::HeadsAdded(n.unsigned_abs()),
            n => ChangegroupResult::HeadsRemoved(n.unsigned_abs()),
        }
    }
}

/// The reply to an `unbundle` the server did not refuse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnbundleReply {
    /// `reply:changegroup` parts, or the bundle1 return code.
    pub changegroups: Vec<PartReply>,
    /// `reply:pushkey` parts (bookmark or phase moves sent in the bundle).
    pub pushkeys: Vec<PartReply>,
    /// What the server printed while applying the bundle, line by line,
    /// not shown yet: to show as `remote: <line>`. It comes from `output`
    /// parts and bundle1 HTTP replies, and, over stdio/ssh, from the
    /// server's stderr while the push ran (lines arriving after the reply
    /// are shown by the transport as usual).
    pub output: Vec<String>,
}

impl UnbundleReply {
    /// The combined changegroup result; `None` when the reply has none
    /// (a bundle2 push without a `replycaps` part gets no reply parts).
    pub fn changegroup_result(&self) -> Option<ChangegroupResult> {
        (!self.changegroups.is_empty())
            .then(|| ChangegroupResult::combine(self.changegroups.iter().map(|r| r.ret)))
    }

    /// Whether the push worked: no failed changegroup nor pushkey.
    pub fn succeeded(&self) -> bool {
        self.changegroup_result() != Some(ChangegroupResult::Failed)
            && self.pushkeys.iter().all(|r| r.ret != 0)
    }
}

/// Why the server refused a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerError {
    /// `error:abort` (e.g. a hook refused the changes).
    Abort {
        message: String,
        hint: Option<String>,
    },
    /// `error:pushkey`: a pushkey part of the bundle failed.
    Pushkey {
        in_reply_to: Option<u32>,
        namespace: Option<String>,
        key: Option<String>,
        old: Option<String>,
        new: Option<String>,
        ret: Option<String>,
    },
    /// `error:unsupportedcontent`: the server cannot read a part.
    UnsupportedContent {
        part_type: Option<String>,
        params: Vec<String>,
    },
    /// `error:pushraced`.
    PushRaced { message: String },
    /// The server answered `unbundle` with a message instead of taking the
    /// bundle (e.g. the heads changed since the pusher looked), or with an
    /// empty return code.
    PushFailed { message: String },
    /// Another `error:*` part.
    Other {
        kind: String,
        params: Vec<(String, String)>,
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Abort { message, hint } => {
                write!(f, "{message}")?;
                if let Some(hint) = hint {
                    write!(f, " (hint: {hint})")?;
                }
                Ok(())
            }
            ServerError::Pushkey { namespace, key, .. } => write!(
                f,
                "failed to update value for \"{}/{}\"",
                namespace.as_deref().unwrap_or_default(),
                key.as_deref().unwrap_or_default()
            ),
            ServerError::UnsupportedContent { part_type, params } => {
                write!(
                    f,
                    "missing support for {}",
                    part_type.as_deref().unwrap_or("Stream Parameter")
                )?;
                if !params.is_empty() {
                    write!(f, " - {}", params.join(", "))?;
                }
                Ok(())
            }
            ServerError::PushRaced { message } => write!(f, "push failed: {message}"),
            ServerError::PushFailed { message } => write!(f, "push failed: {message}"),
            ServerError::Other { kind, params } => {
                write!(f, "{kind}")?;
                for (i, (k, v)) in params.iter().enumerate() {
                    write!(f, "{}{k}={v}", if i == 0 { ": " } else { ", " })?;
                }
                Ok(())
            }
        }
    }
}

/// A push the server refused: why, and what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushRefusal {
    /// The peer URL.
    pub url: String,
    /// The server's error.
    pub error: ServerError,
    /// The server's output, as in [`UnbundleReply::output`].
    pub output: Vec<String>,
}

impl fmt::Display for PushRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused the push: {}", self.url, self.error)
    }
}

impl PushRefusal {
    /// The refusal as a [`WireError`].
    pub fn into_error(self) -> WireError {
        WireError::PushRefused(Box::new(self))
    }
}

/// Splits server output into lines (without their newlines).
pub fn output_lines(text: &[u8]) -> Vec<String> {
    text.split_inclusive(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\n").unwrap_or(l)).into_owned())
        .collect()
}

fn parse_u32(value: Option<&str>) -> Option<u32> {
    value.and_then(|v| v.trim().parse().ok())
}

/// Reads a bundle2 reply to `unbundle` to its end. `output` holds lines
/// the transport already has; `output` parts are added to it. An
/// `error:*` part makes a [`WireError::PushRefused`].
pub fn read_bundle2_reply(
    stream: impl Read,
    url: &str,
    mut output: Vec<String>,
) -> Result<UnbundleReply, WireError> {
    let bad = |e: FormatError| {
        let detail = match e {
            FormatError::Truncated { offset: 0, .. } => {
                "the server closed the connection without replying".to_string()
            }
            e => e.to_string(),
        };
        super::protocol_error(url, "unbundle", detail)
    };
    let mut reader = BundleReader::open(stream).map_err(bad)?;
    let mut reply = UnbundleReply::default();
    let mut error = None;
    while let Some(mut part) = reader.next_part().map_err(bad)? {
        let header = &part.header;
        let name = header.name();
        let param = |k: &str| header.param(k).map(str::to_string);
        let ret = |what: &str| -> Result<PartReply, WireError> {
            let ret = header
                .param("return")
                .and_then(|r| r.trim().parse().ok())
                .ok_or_else(|| {
                    super::protocol_error(
                        url,
                        "unbundle",
                        format!("{what} part without a valid `return` parameter"),
                    )
                })?;
            Ok(PartReply {
                in_reply_to: parse_u32(header.param("in-reply-to")),
                ret,
            })
        };
        match name.as_str() {
            "reply:changegroup" => reply.changegroups.push(ret("reply:changegroup")?),
            "reply:pushkey" => reply.pushkeys.push(ret("reply:pushkey")?),
            "output" => {
                let mut text = Vec::new();
                part.payload
                    .read_to_end(&mut text)
                    .map_err(|e| bad(FormatError::from_io(e, "output part", 0)))?;
                output.extend(output_lines(&text));
            }
            "error:abort" => {
                error.get_or_insert(ServerError::Abort {
                    message: param("message").unwrap_or_default(),
                    hint: param("hint"),
                });
            }
            "error:pushkey" => {
                error.get_or_insert(ServerError::Pushkey {
                    in_reply_to: parse_u32(header.param("in-reply-to")),
                    namespace: param("namespace"),
                    key: param("key"),
                    old: param("old"),
                    new: param("new"),
                    ret: param("ret"),
                });
            }
            "error:unsupportedcontent" => {
                error.get_or_insert(ServerError::UnsupportedContent {
                    part_type: param("parttype"),
                    params: header
                        .param("params")
                        .map(|p| p.split('\0').map(str::to_string).collect())
                        .unwrap_or_default(),
                });
            }
            "error:pushraced" => {
                error.get_or_insert(ServerError::PushRaced {
                    message: param("message").unwrap_or_default(),
                });
            }
            n if n.starts_with("error:") => {
                error.get_or_insert(ServerError::Other {
                    kind: n.to_string(),
                    params: header
                        .mandatory_params
                        .iter()
                        .chain(&header.advisory_params)
                        .cloned()
                        .collect(),
                });
            }
            n if n.starts_with("reply:") || !header.is_mandatory() => {}
            _ => {
                return Err(super::protocol_error(
                    url,
                    "unbundle",
                    format!("unknown mandatory part {:?} in the reply", header.part_type),
                ))
            }
        }
    }
    reply.output = output;
    match error {
        Some(error) => Err(PushRefusal {
            url: url.to_string(),
            error,
            output: reply.output,
        }
        .into_error()),
        None => Ok(reply),
    }
}

/// Interprets the reply to a bundle1 push: the return code (as text) and
/// the server's output. An empty return code is a refusal; one that is
/// not a number, a protocol error.
pub fn legacy_reply(
    ret: &[u8],
    output: Vec<String>,
    url: &str,
) -> Result<UnbundleReply, WireError> {
    let text = String::from_utf8_lossy(ret);
    let text = text.trim();
    if text.is_empty() {
        let message = output.join("\n");
        return Err(PushRefusal {
            url: url.to_string(),
            error: ServerError::PushFailed { message },
            output,
        }
        .into_error());
    }
    let ret = text.parse().map_err(|_| {
        super::protocol_error(url, "unbundle", format!("unexpected return code {text:?}"))
    })?;
    Ok(UnbundleReply {
        changegroups: vec![PartReply {
            in_reply_to: None,
            ret,
        }],
        pushkeys: Vec::new(),
        output,
    })
}

/// Parses a `pushkey` reply (`<0|1>\n<output>`): whether the key was set,
/// and the server's output lines.
pub fn parse_pushkey(data: &[u8], url: &str) -> Result<(bool, Vec<String>), WireError> {
    let (value, output) = match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let text = String::from_utf8_lossy(value);
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| super::protocol_error(url, "pushkey", format!("unexpected reply {text:?}")))?;
    Ok((value != 0, output_lines(output)))
}

/// Shows server output lines on stderr, as `remote: <line>`.
pub fn show_output(lines: &[String]) {
    let mut err = io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "remote: {line}");
    }
}

/// Reads up to `n` bytes (fewer only at the end of the stream).
pub fn read_prefix(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A bundle copied to an anonymous temporary file, to be sent with its
/// length (HTTP servers want a `Content-Length`), possibly several times
/// (authentication, redirects).
pub struct Spool {
    file: File,
    len: u64,
}

impl Spool {
    /// Copies `body` to a temporary file, `UPLOAD_CHUNK_SIZE` bytes at a
    /// time.
    pub fn new(body: &mut dyn Read) -> io::Result<Spool> {
        let mut file = tempfile::tempfile()?;
        let mut buf = vec![0; UPLOAD_CHUNK_SIZE];
        let mut len = 0u64;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            file.write_all(&buf[..n])?;
            len += n as u64;
        }
        file.flush()?;
        Ok(Spool { file, len })
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the bundle is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first bytes (up to 4: the bundle magic).
    pub fn magic(&self) -> io::Result<Vec<u8>> {
        let mut r = self.reader()?;
        read_prefix(&mut r, 4)
    }

    /// A reader over the whole bundle, from its start.
    pub fn reader(&self) -> io::Result<File> {
        let mut f = self.file.try_clone()?;
        f.seek(SeekFrom::Start(0))?;
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hg::bundle::{Bundle2Writer, Compression};

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
