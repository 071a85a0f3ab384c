//! The server's stderr, copied to ours line by line by a thread (with a
//! `remote: ` prefix for a remote server), or kept while a push captures
//! it.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::ChildStderr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// The pump: a thread and the state it shares with the peer.
///
/// The pipe is non-blocking and only read with the state locked, so that
/// [`StderrPump::finish_capture`] can take everything the server wrote
/// before its reply: what is not in the pipe any more was already handled.
/// The thread sleeps in `poll` on a duplicate of the pipe until there is
/// something to read or the server closes it, so that it ends as soon as
/// the server does.
pub(super) struct StderrPump {
    state: Arc<Mutex<StderrState>>,
    thread: Option<JoinHandle<()>>,
}

struct StderrState {
    reader: Option<ChildStderr>,
    /// An incomplete last line.
    partial: Vec<u8>,
    /// Lines kept instead of shown.
    capture: Option<Vec<String>>,
    prefix: &'static str,
}

impl StderrState {
    /// Reads what the pipe holds, without waiting. `None` at its end,
    /// else whether anything came.
    fn pump(&mut self) -> Option<bool> {
        let mut reader = self.reader.take()?;
        let mut buf = [0u8; 8192];
        let mut got = false;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    got = true;
                    self.partial.extend_from_slice(&buf[..n]);
                    self.lines();
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.reader = Some(reader);
                    return Some(got);
                }
                Err(_) => break,
            }
        }
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.emit(&last);
        }
        None
    }

    /// Handles the complete lines of `partial`.
    fn lines(&mut self) {
        while let Some(end) = memchr::memchr(b'\n', &self.partial) {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.emit(&line[..end]);
        }
    }

    fn emit(&mut self, line: &[u8]) {
        match &mut self.capture {
            Some(lines) => lines.push(String::from_utf8_lossy(line).into_owned()),
            None => {
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(self.prefix.as_bytes());
                let _ = err.write_all(line);
                let _ = err.write_all(b"\n");
            }
        }
    }
}

/// Makes `stderr` non-blocking and returns a duplicate of it to wait on;
/// `None` when either cannot be done.
fn nonblocking(stderr: &ChildStderr) -> Option<OwnedFd> {
    let flags = rustix::fs::fcntl_getfl(stderr).ok()?;
    let waiter = stderr.as_fd().try_clone_to_owned().ok()?;
    rustix::fs::fcntl_setfl(stderr, flags | rustix::fs::OFlags::NONBLOCK).ok()?;
    Some(waiter)
}

/// Waits until `fd` has something to read or is closed.
fn wait_readable(fd: &OwnedFd) {
    let mut fds = [rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN)];
    loop {
        match rustix::event::poll(&mut fds, None) {
            Err(rustix::io::Errno::INTR) => continue,
            _ => return,
        }
    }
}

impl StderrPump {
    pub(super) fn start(stderr: ChildStderr, prefix: &'static str) -> StderrPump {
        // Without a non-blocking pipe, the thread cannot read with the lock
        // held: it then reads line by line, and a capture only gets the
        // lines the thread saw in time.
        let (reader, waiter, blocking) = match nonblocking(&stderr) {
            Some(waiter) => (Some(stderr), Some(waiter), None),
            None => (None, None, Some(stderr)),
        };
        let state = Arc::new(Mutex::new(StderrState {
            reader,
            partial: Vec::new(),
            capture: None,
            prefix,
        }));
        let shared = Arc::clone(&state);
        let thread = match (blocking, waiter) {
            (Some(stderr), _) => std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut line = Vec::new();
                while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                    let end = line.strip_suffix(b"\n").unwrap_or(&line).len();
                    lock(&shared).emit(&line[..end]);
                    line.clear();
                }
            }),
            (None, waiter) => std::thread::spawn(move || loop {
                if let Some(fd) = &waiter {
                    wait_readable(fd);
                }
                if lock(&shared).pump().is_none() {
                    break;
                }
            }),
        };
        StderrPump {
            state,
            thread: Some(thread),
        }
    }

    /// From now on, keeps the lines instead of showing them.
    pub(super) fn start_capture(&self) {
        let mut state = lock(&self.state);
        state.pump();
        state.capture = Some(Vec::new());
    }

    /// Stops capturing; returns the lines the server wrote so far.
    pub(super) fn finish_capture(&self) -> Vec<String> {
        let mut state = lock(&self.state);
        state.pump();
        state.capture.take().unwrap_or_default()
    }

    /// The thread, to wait for the end of the server's output.
    pub(super) fn take_thread(&mut self) -> Option<JoinHandle<()>> {
        self.thread.take()
    }
}

fn lock(state: &Mutex<StderrState>) -> MutexGuard<'_, StderrState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
