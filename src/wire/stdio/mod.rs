//! The stdio transport: `hg -R <path> serve --stdio`, run locally for file
//! URLs and through ssh. Commands are `name\n` followed by `key len\nvalue`
//! arguments; replies are `len\n` + bytes, except `getbundle`, whose reply
//! is a raw stream that ends where the bundle ends, and `unbundle`, whose
//! payload is sent as `len\n` + bytes frames ending with `0\n`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

mod stderr;

use super::unbundle::{self, PushHeads, PushRefusal, ServerError, UnbundleReply};
use super::{GetbundleArgs, HgPeer, WireError};
use crate::hg::HgNode;
use stderr::StderrPump;

/// A peer reached through a child process speaking the stdio protocol.
pub struct StdioPeer {
    url: String,
    /// The server process; taken when the peer is dropped.
    child: Option<Child>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    capabilities: Vec<String>,
    /// The child's stderr.
    stderr: StderrPump,
}

/// A server started ahead of its first use, so that its start-up (Python's,
/// for `hg serve`) overlaps the caller's own: nothing was sent to it yet.
/// [`PendingPeer::connect`] performs the handshake; dropped unused, the
/// server reads the end of its input and exits.
pub struct PendingPeer(StdioPeer);

impl PendingPeer {
    /// The URL, for messages.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// Performs the handshake: the peer is ready for commands.
    pub fn connect(self) -> Result<StdioPeer, WireError> {
        let mut peer = self.0;
        peer.handshake()?;
        Ok(peer)
    }
}

impl StdioPeer {
    /// Starts `hg -R <path> serve --stdio` for a local repository.
    pub fn local(url: &str, path: &std::path::Path) -> Result<StdioPeer, WireError> {
        StdioPeer::start_local(url, path)?.connect()
    }

    /// Starts `hg -R <path> serve --stdio` for a local repository, without
    /// the handshake.
    pub fn start_local(url: &str, path: &std::path::Path) -> Result<PendingPeer, WireError> {
        let hg = std::env::var_os("HG").unwrap_or_else(|| "hg".into());
        let mut cmd = Command::new(hg);
        cmd.arg("-R").arg(path).args(["serve", "--stdio"]);
        // git's repository variables must not leak into hg.
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
        ] {
            cmd.env_remove(var);
        }
        StdioPeer::start(url, cmd, "").map_err(|e| match e {
            WireError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                WireError::NoSource {
                    url: url.into(),
                    detail: "Mercurial's `hg` is needed for local repositories and ssh \
                             servers, install it or set `HG`"
                        .into(),
                }
            }
            e => e,
        })
    }

    /// Runs `cmd` and performs the handshake. Its stderr is copied to ours.
    pub fn spawn(url: &str, cmd: Command) -> Result<StdioPeer, WireError> {
        StdioPeer::start(url, cmd, "")?.connect()
    }

    /// Runs `cmd` for a remote server (ssh), without the handshake: its
    /// stderr is copied to ours with a `remote: ` prefix.
    pub fn start_remote(url: &str, cmd: Command) -> Result<PendingPeer, WireError> {
        StdioPeer::start(url, cmd, "remote: ")
    }

    fn start(url: &str, mut cmd: Command, prefix: &'static str) -> Result<PendingPeer, WireError> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| WireError::Io {
            context: format!("cannot start {cmd:?} for {url}"),
            source,
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(WireError::Protocol {
                command: "spawn".into(),
                url: url.into(),
                detail: "no pipes to the child".into(),
            });
        };
        Ok(PendingPeer(StdioPeer {
            url: url.to_string(),
            child: Some(child),
            stdin,
            stdout: BufReader::new(stdout),
            capabilities: Vec::new(),
            stderr: StderrPump::start(stderr, prefix),
        }))
    }

    fn io(&self, what: &str) -> impl Fn(std::io::Error) -> WireError + '_ {
        let context = format!("{what} ({})", self.url);
        move |source| WireError::Io {
            context: context.clone(),
            source,
        }
    }

    fn protocol(&self, command: &str, detail: impl Into<String>) -> WireError {
        WireError::Protocol {
            command: command.into(),
            url: self.url.clone(),
            detail: detail.into(),
        }
    }

    fn handshake(&mut self) -> Result<(), WireError> {
        let pairs = format!("{}-{}", HgNode::NULL, HgNode::NULL);
        let mut out = b"capabilities\n".to_vec();
        encode_command(&mut out, "between", &[("pairs", pairs.as_bytes())]);
        self.write(&out, "cannot send the handshake")?;
        let first = self.read_reply("capabilities")?;
        if first != b"\n" {
            self.capabilities = String::from_utf8_lossy(&first)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            self.read_reply("between")?;
        }
        Ok(())
    }

    /// Writes and flushes.
    fn write(&mut self, data: &[u8], what: &str) -> Result<(), WireError> {
        self.stdin.write_all(data).map_err(self.io(what))?;
        self.stdin.flush().map_err(self.io(what))
    }

    fn send(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<(), WireError> {
        let mut out = Vec::new();
        encode_command(&mut out, name, args);
        self.write(&out, &format!("cannot send `{name}`"))
    }

    /// Sends a command with its arguments in the `*` dictionary.
    fn send_star(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<(), WireError> {
        let mut out = format!("{name}\n* {}\n", args.len()).into_bytes();
        for (k, v) in args {
            out.extend_from_slice(format!("{k} {}\n", v.len()).as_bytes());
            out.extend_from_slice(v);
        }
        self.write(&out, &format!("cannot send `{name}`"))
    }

    fn read_reply(&mut self, command: &str) -> Result<Vec<u8>, WireError> {
        let mut line = Vec::new();
        self.stdout
            .read_until(b'\n', &mut line)
            .map_err(self.io(&format!("cannot read the reply to `{command}`")))?;
        if line.is_empty() {
            return Err(self.protocol(command, "the server closed the connection"));
        }
        if line == b"\n" {
            // An out-of-band error: the message went to stderr.
            return Err(WireError::Remote {
                url: self.url.clone(),
                message: format!("`{command}` failed (see the remote output)"),
            });
        }
        let len: usize = std::str::from_utf8(line.trim_ascii())
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                self.protocol(
                    command,
                    format!("bad reply length {:?}", String::from_utf8_lossy(&line)),
                )
            })?;
        let mut data = Vec::with_capacity(len.min(1 << 20));
        (&mut self.stdout)
            .take(len as u64)
            .read_to_end(&mut data)
            .map_err(self.io(&format!("cannot read the reply to `{command}`")))?;
        if data.len() < len {
            return Err(self.protocol(command, "truncated reply"));
        }
        Ok(data)
    }

    fn simple(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<Vec<u8>, WireError> {
        self.send(name, args)?;
        // Commands declared with a `*` argument also take a dictionary of
        // extra arguments; send it empty.
        if matches!(name, "known" | "batch") {
            self.write(b"* 0\n", &format!("cannot send `{name}`"))?;
        }
        self.read_reply(name)
    }

    /// Sends the bundle as `len\n` + bytes frames and the final `0\n`.
    /// An error reading `body` still ends the payload, so that the
    /// connection stays usable; it is returned as `Err(Ok(error))`, and a
    /// failure to send as `Err(Err(error))`.
    fn send_payload(&mut self, body: &mut dyn Read) -> Result<(), Result<WireError, WireError>> {
        let mut buf = vec![0; unbundle::UPLOAD_CHUNK_SIZE];
        let what = "cannot send the bundle";
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    self.write(b"0\n", what).map_err(Err)?;
                    return Err(Ok(WireError::Io {
                        context: format!("cannot read the bundle to push to {}", self.url),
                        source,
                    }));
                }
            };
            let header = format!("{n}\n");
            self.stdin
                .write_all(header.as_bytes())
                .and_then(|()| self.stdin.write_all(&buf[..n]))
                .map_err(self.io(what))
                .map_err(Err)?;
        }
        self.write(b"0\n", what).map_err(Err)
    }

    fn unbundle_captured(
        &mut self,
        heads: &[u8],
        body: &mut dyn Read,
        bundle2: bool,
    ) -> Result<UnbundleReply, WireError> {
        self.send("unbundle", &[("heads", heads)])?;
        // An empty reply says "go on"; anything else is why not (e.g. the
        // heads changed), and the server does not read a payload then.
        let ready = self.read_reply("unbundle")?;
        if !ready.is_empty() {
            return Err(self.refusal(&ready));
        }
        let body_error = match self.send_payload(body) {
            Ok(()) => None,
            Err(Ok(e)) => Some(e),
            Err(Err(e)) => return Err(e),
        };
        let reply = if bundle2 {
            // The reply is a bundle2 stream on stdout.
            unbundle::read_bundle2_reply(&mut self.stdout, &self.url, Vec::new())
        } else {
            // `0\n` then the return code, or one frame saying why not.
            let first = self.read_reply("unbundle")?;
            if first.is_empty() {
                let ret = self.read_reply("unbundle")?;
                unbundle::legacy_reply(&ret, Vec::new(), &self.url)
            } else {
                Err(self.refusal(&first))
            }
        };
        match body_error {
            Some(e) => Err(e),
            None => reply,
        }
    }

    fn refusal(&self, message: &[u8]) -> WireError {
        PushRefusal {
            url: self.url.clone(),
            error: ServerError::PushFailed {
                message: String::from_utf8_lossy(message).trim_end().to_string(),
            },
            output: Vec::new(),
        }
        .into_error()
    }
}

/// Appends a command with plain arguments.
fn encode_command(out: &mut Vec<u8>, name: &str, args: &[(&str, &[u8])]) {
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
    for (k, v) in args {
        out.extend_from_slice(format!("{k} {}\n", v.len()).as_bytes());
        out.extend_from_slice(v);
    }
}

/// Puts the server's stderr lines (captured during a push) first in the
/// reply's output.
fn with_stderr(
    result: Result<UnbundleReply, WireError>,
    stderr: Vec<String>,
) -> Result<UnbundleReply, WireError> {
    let merge = |output: &mut Vec<String>, mut lines: Vec<String>| {
        lines.append(output);
        *output = lines;
    };
    match result {
        Ok(mut reply) => {
            merge(&mut reply.output, stderr);
            Ok(reply)
        }
        Err(WireError::PushRefused(mut refusal)) => {
            merge(&mut refusal.output, stderr);
            Err(WireError::PushRefused(refusal))
        }
        Err(e) => {
            // Not part of a reply: show it as usual.
            unbundle::show_output(&stderr);
            Err(e)
        }
    }
}

impl HgPeer for StdioPeer {
    fn url(&self) -> &str {
        &self.url
    }

    fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    fn call(&mut self, command: &str, args: &[(&str, &[u8])]) -> Result<Vec<u8>, WireError> {
        self.simple(command, args)
    }

    fn getbundle(
        &mut self,
        heads: &[HgNode],
        common: &[HgNode],
        bundlecaps: Option<&str>,
    ) -> Result<Box<dyn Read + '_>, WireError> {
        let args = GetbundleArgs::new(heads, common, bundlecaps);
        self.send_star("getbundle", &args.args())?;
        Ok(Box::new(&mut self.stdout))
    }

    fn unbundle(
        &mut self,
        heads: PushHeads<'_>,
        body: &mut dyn Read,
    ) -> Result<UnbundleReply, WireError> {
        let heads = heads.encode(self.capability("unbundlehash").is_some());
        // The reply's framing depends on the bundle's kind.
        let magic = unbundle::read_prefix(body, 4).map_err(|source| WireError::Io {
            context: format!("cannot read the bundle to push to {}", self.url),
            source,
        })?;
        let bundle2 = magic == b"HG20";
        let mut body = std::io::Cursor::new(magic).chain(body);
        // Over stdio, the server's messages come on stderr.
        self.stderr.start_capture();
        let result = self.unbundle_captured(&heads, &mut body, bundle2);
        let stderr = self.stderr.finish_capture();
        with_stderr(result, stderr)
    }
}

impl Drop for StdioPeer {
    /// Ends the session (an empty command) and leaves the server to exit
    /// on its own: its shutdown (Python's, for `hg serve`: tens of
    /// milliseconds) is nothing we wait for. A thread reaps it and copies
    /// what it still writes on stderr while this process lives.
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"\n");
        let _ = self.stdin.flush();
        let child = self.child.take();
        let pump = self.stderr.take_thread();
        let reaper = std::thread::Builder::new().spawn(move || {
            if let Some(mut child) = child {
                let _ = child.wait();
            }
            if let Some(t) = pump {
                let _ = t.join();
            }
        });
        drop(reaper);
    }
}
