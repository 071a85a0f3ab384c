//! The stdio transport: `hg -R <path> serve --stdio`, run locally for file
//! URLs (and through ssh later). Commands are `name\n` followed by
//! `key len\nvalue` arguments; replies are `len\n` + bytes, except
//! `getbundle`, whose reply is a raw stream that ends where the bundle ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::{join_nodes, HgPeer, WireError};
use crate::hg::HgNode;

/// A peer reached through a child process speaking the stdio protocol.
pub struct StdioPeer {
    url: String,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    capabilities: Vec<String>,
    /// The thread copying the child's stderr, if any.
    stderr_thread: Option<std::thread::JoinHandle<()>>,
}

impl StdioPeer {
    /// Starts `hg -R <path> serve --stdio` for a local repository.
    pub fn local(url: &str, path: &std::path::Path) -> Result<StdioPeer, WireError> {
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
        StdioPeer::spawn(url, cmd).map_err(|e| match e {
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

    /// Runs `cmd` and performs the handshake.
    pub fn spawn(url: &str, cmd: Command) -> Result<StdioPeer, WireError> {
        StdioPeer::spawn_with(url, cmd, false)
    }

    /// Runs `cmd` for a remote server (ssh): its stderr is copied to ours
    /// with a `remote: ` prefix.
    pub fn spawn_remote(url: &str, cmd: Command) -> Result<StdioPeer, WireError> {
        StdioPeer::spawn_with(url, cmd, true)
    }

    fn spawn_with(url: &str, mut cmd: Command, prefix: bool) -> Result<StdioPeer, WireError> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if prefix {
                Stdio::piped()
            } else {
                Stdio::inherit()
            });
        let mut child = cmd.spawn().map_err(|source| WireError::Io {
            context: format!("cannot start {cmd:?} for {url}"),
            source,
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(WireError::Protocol {
                command: "spawn".into(),
                url: url.into(),
                detail: "no pipes to the child".into(),
            });
        };
        let stderr_thread = child.stderr.take().map(|stderr| {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let mut err = std::io::stderr().lock();
                            let _ = err.write_all(b"remote: ");
                            let _ = err.write_all(&line);
                            if !line.ends_with(b"\n") {
                                let _ = err.write_all(b"\n");
                            }
                        }
                    }
                }
            })
        });
        let mut peer = StdioPeer {
            url: url.to_string(),
            child,
            stdin,
            stdout: BufReader::new(stdout),
            capabilities: Vec::new(),
            stderr_thread,
        };
        peer.handshake()?;
        Ok(peer)
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
        self.stdin
            .write_all(&out)
            .map_err(self.io("cannot send the handshake"))?;
        self.stdin
            .flush()
            .map_err(self.io("cannot send the handshake"))?;
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

    fn send(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<(), WireError> {
        let mut out = Vec::new();
        encode_command(&mut out, name, args);
        self.stdin
            .write_all(&out)
            .map_err(self.io("cannot send a command"))?;
        self.stdin.flush().map_err(self.io("cannot send a command"))
    }

    /// Sends a command with its arguments in the `*` dictionary.
    fn send_star(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<(), WireError> {
        let mut out = format!("{name}\n* {}\n", args.len()).into_bytes();
        for (k, v) in args {
            out.extend_from_slice(format!("{k} {}\n", v.len()).as_bytes());
            out.extend_from_slice(v);
        }
        self.stdin
            .write_all(&out)
            .map_err(self.io("cannot send a command"))?;
        self.stdin.flush().map_err(self.io("cannot send a command"))
    }

    fn read_reply(&mut self, command: &str) -> Result<Vec<u8>, WireError> {
        let mut line = Vec::new();
        self.stdout
            .read_until(b'\n', &mut line)
            .map_err(self.io("cannot read a reply"))?;
        if line.is_empty() {
            return Err(self.protocol(command, "the server closed the connection"));
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
        let mut data = vec![0; len];
        self.stdout
            .read_exact(&mut data)
            .map_err(self.io("truncated reply"))?;
        Ok(data)
    }

    fn simple(&mut self, name: &str, args: &[(&str, &[u8])]) -> Result<Vec<u8>, WireError> {
        self.send(name, args)?;
        // Commands declared with a `*` argument also take a dictionary of
        // extra arguments; send it empty.
        if matches!(name, "known" | "batch") {
            self.stdin
                .write_all(b"* 0\n")
                .map_err(self.io("cannot send a command"))?;
            self.stdin
                .flush()
                .map_err(self.io("cannot send a command"))?;
        }
        self.read_reply(name)
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
        let heads = join_nodes(heads);
        let common = join_nodes(common);
        let mut args: Vec<(&str, &[u8])> = vec![("heads", &heads), ("common", &common)];
        if let Some(caps) = bundlecaps {
            args.push(("bundlecaps", caps.as_bytes()));
        }
        self.send_star("getbundle", &args)?;
        Ok(Box::new(&mut self.stdout))
    }
}

impl Drop for StdioPeer {
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"\n");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
    }
}
