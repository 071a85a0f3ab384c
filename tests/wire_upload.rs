//! The upload side of peers against real Mercurial, over each transport
//! (local `hg serve --stdio`, ssh through a stand-in running it, and
//! `hg serve` over HTTP): `unbundle` of bundles made by `hg bundle`
//! (bundle2 and bundle1), refusals (hook, push race), and `pushkey` on
//! bookmarks.

use std::io::Write;
use std::path::{Path, PathBuf};

use cinnabar::hg::bundle::{Bundle2Writer, BundleReader, Compression};
use cinnabar::hg::HgNode;
use cinnabar::wire::http::{HttpConfig, HttpPeer, HttpSource};
use cinnabar::wire::ssh::SshConfig;
use cinnabar::wire::stdio::StdioPeer;
use cinnabar::wire::unbundle::replycaps;
use cinnabar::wire::{
    ChangegroupResult, HgPeer, PartReply, PushHeads, ServerError, UnbundleReply, WireError,
};

use crate::support::*;

// ---------------------------------------------------------------------
// Helpers

/// The changesets of the source repository.
const A: &str = "f92470d7f6966a39dfbced6a525fe81ebf5c37b9";
const B: &str = "636e60525868096cbdc961870493510558f41d2f";
/// A second head, child of `A`.
const C: &str = "ae078ae353a9b004afbd6fd6e5e7a5a0a48a4307";

fn node(hex: &str) -> HgNode {
    HgNode::from_hex(hex.as_bytes()).unwrap()
}

/// The source repository, with `A`, `B` (child of `A`) and `C` (child of
/// `A`); made once per run, read only.
fn source_repo() -> PathBuf {
    fixture("wire-upload-source", |dir| {
        let src = dir.join("src");
        hg(dir, &["init", "src"]);
        commit_file(&src, "a", 0);
        commit_file(&src, "b", 1);
        hg(&src, &["update", "-q", "0"]);
        commit_file(&src, "c", 2);
        assert_eq!(sorted_lines(&hg(&src, &["log", "-T", "{node}\n"])), {
            let mut all = vec![A, B, C];
            all.sort();
            all
        });
        src
    })
}

/// The source repository, and a server repository with `A` only. Pushing
/// `B` and `C` adds one head.
struct Repos {
    tmp: tempfile::TempDir,
    src: PathBuf,
    server: PathBuf,
}

impl Repos {
    fn new() -> Repos {
        let tmp = tempdir();
        let src = source_repo();
        let server = tmp.path().join("server");
        hg(
            tmp.path(),
            &[
                "clone",
                "-q",
                "-U",
                "-r",
                A,
                src.to_str().unwrap(),
                "server",
            ],
        );
        Repos { tmp, src, server }
    }

    /// `hg bundle -t <spec>` of what the server lacks. For bundle2, the
    /// parts are copied after a `replycaps` part (without it, the server
    /// sends no reply parts).
    fn bundle(&self, spec: &str) -> Vec<u8> {
        let path = self.tmp.path().join(format!("{spec}.hg"));
        hg(
            &self.src,
            &[
                "bundle",
                "-q",
                "-t",
                spec,
                "--base",
                A,
                "-r",
                B,
                "-r",
                C,
                path.to_str().unwrap(),
            ],
        );
        let data = std::fs::read(&path).unwrap();
        if !data.starts_with(b"HG20") {
            return data;
        }
        let mut reader = BundleReader::open(&data[..]).unwrap();
        let mut out = Bundle2Writer::new(Vec::new(), Compression::None).unwrap();
        out.add_part("replycaps", true, &[], replycaps().as_bytes())
            .unwrap();
        while let Some(mut part) = reader.next_part().unwrap() {
            let header = part.header.clone();
            let params: Vec<(&str, &str)> = header
                .mandatory_params
                .iter()
                .chain(&header.advisory_params)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut w = out
                .start_part(&header.part_type, header.is_mandatory(), &params)
                .unwrap();
            std::io::copy(&mut part.payload, &mut w).unwrap();
            w.finish().unwrap();
        }
        out.finish().unwrap()
    }

    /// The server's changesets, sorted.
    fn server_nodes(&self) -> Vec<String> {
        sorted_lines(&hg(&self.server, &["log", "-T", "{node}\n"]))
    }

    /// The server's bookmarks: `name node` lines.
    fn server_bookmarks(&self) -> Vec<String> {
        sorted_lines(&hg(
            &self.server,
            &["bookmarks", "-T", "{bookmark} {node}\n"],
        ))
    }

    /// Makes the server refuse changegroups in `pretxnchangegroup`.
    fn refuse(&self) {
        let mut hgrc = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.server.join(".hg/hgrc"))
            .unwrap();
        hgrc.write_all(b"[hooks]\npretxnchangegroup = echo refused by hook >&2; exit 1\n")
            .unwrap();
    }
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn all_nodes() -> Vec<String> {
    let mut all = vec![A.to_string(), B.to_string(), C.to_string()];
    all.sort();
    all
}

/// `hg serve` of `repo` with pushes allowed.
fn serve(repo: &Path, postargs: bool) -> Server {
    let postargs = format!("experimental.httppostargs={postargs}");
    Server::hg(repo, &["web.push_ssl=False", "web.allow-push=*", &postargs])
}

#[derive(Clone, Copy, Debug)]
enum Transport {
    Stdio,
    Ssh,
    Http,
    /// HTTP with the arguments in the POST body (`httppostargs`).
    HttpPostArgs,
}

/// A peer for the server repository, and the HTTP server behind it.
fn connect(repos: &Repos, transport: Transport) -> (Box<dyn HgPeer>, Option<Server>) {
    match transport {
        Transport::Stdio => {
            // What `StdioPeer::local` runs, with the test's hg (`local`
            // takes `$HG` from the environment, which the tests share).
            let mut cmd = command(hg_path(), &repos.server);
            cmd.arg("-R").arg(&repos.server).args(["serve", "--stdio"]);
            let peer = StdioPeer::spawn("server", cmd).unwrap();
            (Box::new(peer), None)
        }
        Transport::Ssh => {
            // An ssh stand-in: drops the options and the host, runs the
            // remote command with the test's hg.
            let script = repos.tmp.path().join("ssh");
            let hg = hg_path();
            let hg_dir = hg
                .is_absolute()
                .then(|| hg.parent().map(Path::to_path_buf))
                .flatten();
            let path = match hg_dir {
                Some(d) => format!("{}:$PATH", d.display()),
                None => "$PATH".into(),
            };
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\nwhile [ $# -gt 1 ]; do shift; done\n\
                     PATH=\"{path}\" HGRCPATH= HGPLAIN=1 exec sh -c \"$1\"\n"
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            let config = SshConfig {
                ssh_command: Some(script.display().to_string()),
                variant: None,
            };
            let repo = repos.server.display().to_string();
            let url = format!("ssh://me@localhost/{repo}");
            let peer =
                cinnabar::wire::ssh::connect(&url, Some("me"), "localhost", None, &repo, &config)
                    .unwrap();
            (Box::new(peer), None)
        }
        Transport::Http | Transport::HttpPostArgs => {
            let postargs = matches!(transport, Transport::HttpPostArgs);
            let server = serve(&repos.server, postargs);
            let url = format!("http://127.0.0.1:{}/", server.port);
            match HttpPeer::open(&url, &HttpConfig::default()).unwrap() {
                HttpSource::Peer(peer) => {
                    assert_eq!(peer.capability("httppostargs").is_some(), postargs);
                    (peer, Some(server))
                }
                HttpSource::Bundle(_) => panic!("{url} is not a Mercurial server"),
            }
        }
    }
}

const TRANSPORTS: [Transport; 3] = [Transport::Stdio, Transport::Ssh, Transport::Http];

/// The transports, and HTTP with arguments in the body.
const ALL_TRANSPORTS: [Transport; 4] = [
    Transport::Stdio,
    Transport::Ssh,
    Transport::Http,
    Transport::HttpPostArgs,
];

fn remote_heads(peer: &mut dyn HgPeer) -> Vec<HgNode> {
    let heads = peer.heads().unwrap();
    assert_eq!(heads, [node(A)]);
    heads
}

// ---------------------------------------------------------------------
// unbundle

fn push_accepted(transport: Transport, spec: &str) -> UnbundleReply {
    let repos = Repos::new();
    let bundle = repos.bundle(spec);
    let (mut peer, _server) = connect(&repos, transport);
    let heads = remote_heads(&mut *peer);
    let reply = peer
        .unbundle(PushHeads::Expect(&heads), &mut &bundle[..])
        .unwrap_or_else(|e| panic!("{transport:?} {spec}: {e}"));
    assert_eq!(repos.server_nodes(), all_nodes(), "{transport:?} {spec}");
    assert_eq!(
        reply.changegroup_result(),
        Some(ChangegroupResult::HeadsAdded(1)),
        "{transport:?} {spec}"
    );
    assert!(reply.succeeded());
    assert_eq!(
        reply.output,
        [
            "adding changesets",
            "adding manifests",
            "adding file changes",
            "added 2 changesets with 2 changes to 2 files (+1 heads)"
        ],
        "{transport:?} {spec}"
    );
    assert!(reply.pushkeys.is_empty());
    // The peer still works after the push.
    let mut heads = peer.heads().unwrap();
    heads.sort();
    let mut expected = vec![node(B), node(C)];
    expected.sort();
    assert_eq!(heads, expected, "{transport:?} {spec}");
    reply
}

#[test]
fn unbundle_bundle2() {
    for transport in ALL_TRANSPORTS {
        let reply = push_accepted(transport, "none-v2");
        // replycaps is part 0, the changegroup part 1.
        assert_eq!(
            reply.changegroups,
            [PartReply {
                in_reply_to: Some(1),
                ret: 2
            }],
            "{transport:?}"
        );
    }
}

#[test]
fn unbundle_bundle1() {
    for transport in ALL_TRANSPORTS {
        let reply = push_accepted(transport, "none-v1");
        assert_eq!(
            reply.changegroups,
            [PartReply {
                in_reply_to: None,
                ret: 2
            }],
            "{transport:?}"
        );
    }
}

/// What the server prints when the hook refuses the changegroup.
const REFUSED_OUTPUT: [&str; 6] = [
    "adding changesets",
    "adding manifests",
    "adding file changes",
    "refused by hook",
    "transaction abort!",
    "rollback completed",
];

#[test]
fn refused_by_hook_bundle2() {
    for transport in TRANSPORTS {
        let repos = Repos::new();
        repos.refuse();
        let bundle = repos.bundle("none-v2");
        let (mut peer, _server) = connect(&repos, transport);
        let heads = remote_heads(&mut *peer);
        let e = peer
            .unbundle(PushHeads::Expect(&heads), &mut &bundle[..])
            .unwrap_err();
        let WireError::PushRefused(refusal) = e else {
            panic!("{transport:?}: {e}");
        };
        assert_eq!(
            refusal.error,
            ServerError::Abort {
                message: "pretxnchangegroup hook exited with status 1".into(),
                hint: None
            },
            "{transport:?}"
        );
        assert_eq!(refusal.output, REFUSED_OUTPUT, "{transport:?}");
        assert_eq!(repos.server_nodes(), [A], "{transport:?}");
        // The connection is still usable.
        assert_eq!(peer.heads().unwrap(), [node(A)], "{transport:?}");
    }
}

#[test]
fn refused_by_hook_bundle1() {
    for transport in TRANSPORTS {
        let repos = Repos::new();
        repos.refuse();
        let bundle = repos.bundle("none-v1");
        let (mut peer, _server) = connect(&repos, transport);
        let heads = remote_heads(&mut *peer);
        let reply = peer
            .unbundle(PushHeads::Expect(&heads), &mut &bundle[..])
            .unwrap_or_else(|e| panic!("{transport:?}: {e}"));
        assert_eq!(
            reply.changegroup_result(),
            Some(ChangegroupResult::Failed),
            "{transport:?}"
        );
        assert!(!reply.succeeded());
        // Over stdio and ssh, the output is the server's stderr, which has
        // the abort message too; hgweb only sends what the ui printed.
        let mut expected = REFUSED_OUTPUT.to_vec();
        if !matches!(transport, Transport::Http) {
            expected.push("abort: pretxnchangegroup hook exited with status 1");
        }
        assert_eq!(reply.output, expected, "{transport:?}");
        assert_eq!(repos.server_nodes(), [A], "{transport:?}");
        assert_eq!(peer.heads().unwrap(), [node(A)], "{transport:?}");
    }
}

/// Heads that are not the server's: the server refuses before reading the
/// bundle; `Force` pushes anyway.
#[test]
fn push_race_and_force() {
    for transport in ALL_TRANSPORTS {
        for spec in ["none-v2", "none-v1"] {
            let repos = Repos::new();
            let bundle = repos.bundle(spec);
            let (mut peer, _server) = connect(&repos, transport);
            let result = peer.unbundle(PushHeads::Expect(&[node(B)]), &mut &bundle[..]);
            let message = "repository changed while preparing changes - please try again";
            match (transport, spec, result) {
                // Over HTTP, a bundle1 push cannot tell a refusal from a
                // failure: return code 0 and the message as output.
                (Transport::Http | Transport::HttpPostArgs, "none-v1", Ok(reply)) => {
                    assert_eq!(reply.changegroup_result(), Some(ChangegroupResult::Failed));
                    assert_eq!(reply.output, [message]);
                }
                (_, _, Err(WireError::PushRefused(refusal))) => {
                    assert_eq!(
                        refusal.error,
                        ServerError::PushFailed {
                            message: message.into()
                        },
                        "{transport:?} {spec}"
                    );
                }
                (_, _, other) => panic!("{transport:?} {spec}: {other:?}"),
            }
            assert_eq!(repos.server_nodes(), [A], "{transport:?} {spec}");
            let reply = peer
                .unbundle(PushHeads::Force, &mut &bundle[..])
                .unwrap_or_else(|e| panic!("{transport:?} {spec}: {e}"));
            assert_eq!(
                reply.changegroup_result(),
                Some(ChangegroupResult::HeadsAdded(1)),
                "{transport:?} {spec}"
            );
            assert_eq!(repos.server_nodes(), all_nodes(), "{transport:?} {spec}");
        }
    }
}

/// A bundle that is not one: the server's error comes back, and the
/// connection stays usable.
#[test]
fn garbage_bundle() {
    for transport in TRANSPORTS {
        let repos = Repos::new();
        let (mut peer, _server) = connect(&repos, transport);
        let heads = remote_heads(&mut *peer);
        let result = peer.unbundle(PushHeads::Expect(&heads), &mut &b"HG20\0\0\0\0garbage"[..]);
        let Err(WireError::PushRefused(refusal)) = result else {
            panic!("{transport:?}: {result:?}");
        };
        assert_eq!(
            refusal.error,
            ServerError::Abort {
                message: "stream ended unexpectedly (got 3 bytes, expected 1734439522)".into(),
                hint: None
            },
            "{transport:?}"
        );
        assert_eq!(repos.server_nodes(), [A], "{transport:?}");
        assert_eq!(peer.heads().unwrap(), [node(A)], "{transport:?}");
    }
}

// ---------------------------------------------------------------------
// pushkey

#[test]
fn pushkey_bookmarks() {
    for transport in ALL_TRANSPORTS {
        let repos = Repos::new();
        hg(
            &repos.tmp.path().join("server"),
            &["pull", "-q", "-r", B, repos.src.to_str().unwrap()],
        );
        let (mut peer, _server) = connect(&repos, transport);
        let t = format!("{transport:?}");
        // Create.
        assert!(peer.pushkey("bookmarks", "feature", "", A).unwrap(), "{t}");
        assert_eq!(repos.server_bookmarks(), [format!("feature {A}")], "{t}");
        // Creating it again: it exists, so the old value is wrong.
        assert!(!peer.pushkey("bookmarks", "feature", "", B).unwrap(), "{t}");
        // Move, with a wrong then the right old value.
        assert!(!peer.pushkey("bookmarks", "feature", B, B).unwrap(), "{t}");
        assert_eq!(repos.server_bookmarks(), [format!("feature {A}")], "{t}");
        assert!(peer.pushkey("bookmarks", "feature", A, B).unwrap(), "{t}");
        assert_eq!(repos.server_bookmarks(), [format!("feature {B}")], "{t}");
        assert!(peer.pushkey("bookmarks", "other", "", A).unwrap(), "{t}");
        let mut keys = peer.listkeys("bookmarks").unwrap();
        keys.sort();
        assert_eq!(
            keys,
            [
                (b"feature".to_vec(), B.as_bytes().to_vec()),
                (b"other".to_vec(), A.as_bytes().to_vec())
            ],
            "{t}"
        );
        // Delete.
        assert!(peer.pushkey("bookmarks", "feature", B, "").unwrap(), "{t}");
        assert_eq!(repos.server_bookmarks(), [format!("other {A}")], "{t}");
        // Deleting with a wrong old value fails; deleting what does not
        // exist is a success (the value already is the new one).
        assert!(!peer.pushkey("bookmarks", "other", B, "").unwrap(), "{t}");
        assert!(peer.pushkey("bookmarks", "feature", B, "").unwrap(), "{t}");
        assert_eq!(
            peer.listkeys("bookmarks").unwrap(),
            [(b"other".to_vec(), A.as_bytes().to_vec())],
            "{t}"
        );
    }
}
