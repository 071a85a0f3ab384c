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
    /// What is being done (`Reading`, `Pushing`…).
    verb: &'static str,
}

impl Progress {
    /// Progress that shows when `requested` or stderr is a terminal.
    pub fn new(requested: bool) -> Progress {
        Progress {
            enabled: requested || std::io::stderr().is_terminal(),
            last: None,
            current: None,
            verb: "Reading",
        }
    }

    /// Progress that shows exactly when `enabled` (the remote helper, told
    /// by git with `option progress`).
    pub fn exact(enabled: bool) -> Progress {
        Progress {
            enabled,
            last: None,
            current: None,
            verb: "Reading",
        }
    }

    /// The same progress, shown as `<verb> <what>: <n>`.
    pub fn with_verb(mut self, verb: &'static str) -> Progress {
        self.verb = verb;
        self
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
            eprint!("\r{} {what}: {n}", self.verb);
            let _ = std::io::stderr().flush();
        }
    }

    /// Ends the current line.
    pub fn finish(&mut self) {
        if let Some((what, n)) = self.current.take() {
            if self.enabled {
                eprintln!("\r{} {what}: {n}, done.", self.verb);
            }
        }
        self.last = None;
    }
}

/// Whether debug logging is on for `target` according to the `log`
/// setting (`GIT_CINNABAR_LOG` or `cinnabar.log`): a comma list of
/// `target[:level][>path]`, `*` for every target.
pub fn log_enabled(setting: Option<&str>, target: &str) -> bool {
    setting.is_some_and(|v| {
        v.split(',').any(|item| {
            let item = item.split('>').next().unwrap_or_default();
            let (t, level) = item.split_once(':').unwrap_or((item, "debug"));
            (t == target || t == "*")
                && matches!(
                    level.to_ascii_lowercase().as_str(),
                    "debug" | "trace" | "4" | "5"
                )
        })
    })
}

/// Gives an error enum with `Invalid(String)` and
/// `Context { context: String, source: Box<Self> }` variants its module's
/// `Result`, a `ResultExt::context_with` that wraps any convertible error
/// with what was being done, and `invalid(message)`.
macro_rules! error_context {
    ($error:ident) => {
        /// A result of this module.
        pub type Result<T, E = $error> = std::result::Result<T, E>;

        /// Adds what was being done to an error.
        pub trait ResultExt<T> {
            /// Wraps the error with a context computed on failure.
            fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T>;
        }

        impl<T, E: Into<$error>> ResultExt<T> for std::result::Result<T, E> {
            fn context_with<F: FnOnce() -> String>(self, f: F) -> Result<T> {
                self.map_err(|e| $error::Context {
                    context: f(),
                    source: Box::new(e.into()),
                })
            }
        }

        /// The error for something this module cannot go on with.
        pub fn invalid(message: impl Into<String>) -> $error {
            $error::Invalid(message.into())
        }
    };
}
pub(crate) use error_context;
