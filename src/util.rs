//! Small shared helpers, below every other module.

pub mod hex;

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Progress on stderr in git's style (`Reading files: 123`), shown when
/// asked for or when stderr is a terminal, at most a few times a second.
pub struct Progress {
    enabled: bool,
    last: Option<Instant>,
    current: Option<(String, u64)>,
}

impl Progress {
    /// Progress that shows when `requested` or stderr is a terminal.
    pub fn new(requested: bool) -> Progress {
        Progress {
            enabled: requested || std::io::stderr().is_terminal(),
            last: None,
            current: None,
        }
    }

    /// Progress that shows exactly when `enabled` (the remote helper, told
    /// by git with `option progress`).
    pub fn exact(enabled: bool) -> Progress {
        Progress {
            enabled,
            last: None,
            current: None,
        }
    }

    /// Reports that `n` items of `what` are done.
    pub fn update(&mut self, what: &str, n: u64) {
        if !self.enabled {
            return;
        }
        let switched = self.current.as_ref().is_some_and(|(w, _)| w != what);
        if switched {
            self.finish();
        }
        self.current = Some((what.to_string(), n));
        let now = Instant::now();
        if self
            .last
            .is_none_or(|l| now.duration_since(l) > Duration::from_millis(200))
        {
            self.last = Some(now);
            eprint!("\rReading {what}: {n}");
            let _ = std::io::stderr().flush();
        }
    }

    /// Ends the current line.
    pub fn finish(&mut self) {
        if let Some((what, n)) = self.current.take() {
            if self.enabled {
                eprintln!("\rReading {what}: {n}, done.");
            }
        }
        self.last = None;
    }
}
