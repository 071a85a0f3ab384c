//! Small shared helpers, below every other module.

pub mod hex;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Progress on stderr in git's style (`Reading changesets: 123, 1.50 MiB |
/// 2.00 MiB/s`, `Importing manifests: 50% (61/123)`), shown when asked
/// for or when stderr is a terminal, at most a few times a second; each
/// phase ends with `, done.`.
pub struct Progress {
    enabled: bool,
    last: Option<Instant>,
    current: Option<(String, u64, Option<u64>)>,
    bytes: Option<(Arc<AtomicU64>, Instant)>,
}

impl Progress {
    /// Progress that shows when `requested` or stderr is a terminal.
    pub fn new(requested: bool) -> Progress {
        Progress::exact(requested || std::io::stderr().is_terminal())
    }

    /// Progress that shows exactly when `enabled` (the remote helper, told
    /// by git with `option progress`).
    pub fn exact(enabled: bool) -> Progress {
        Progress {
            enabled,
            last: None,
            current: None,
            bytes: None,
        }
    }

    /// A counter of bytes received, shown with its rate after the counts.
    pub fn count_bytes(&mut self) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(0));
        self.bytes = Some((counter.clone(), Instant::now()));
        counter
    }

    /// Reports that `n` items of `what` are done.
    pub fn update(&mut self, what: &str, n: u64) {
        self.update_of(what, n, None);
    }

    /// Reports that `n` items of `what` are done, out of `total` if known.
    pub fn update_of(&mut self, what: &str, n: u64, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let switched = self.current.as_ref().is_some_and(|(w, _, _)| w != what);
        if switched {
            self.finish();
        }
        self.current = Some((what.to_string(), n, total));
        let now = Instant::now();
        if self
            .last
            .is_none_or(|l| now.duration_since(l) > Duration::from_millis(250))
        {
            self.last = Some(now);
            let line = self.line();
            eprint!("\r{line}");
            let _ = std::io::stderr().flush();
        }
    }

    /// The text of the current line.
    fn line(&self) -> String {
        let Some((what, n, total)) = &self.current else {
            return String::new();
        };
        let mut line = match total {
            Some(t) if *t > 0 => format!("{what}: {:3}% ({n}/{t})", n * 100 / t),
            _ => format!("{what}: {n}"),
        };
        // Bytes are received while reading; importing works from spools.
        if let Some((bytes, start)) = self.bytes.as_ref().filter(|_| total.is_none()) {
            let b = bytes.load(Ordering::Relaxed);
            let secs = start.elapsed().as_secs_f64().max(0.001);
            line.push_str(&format!(
                ", {} | {}/s",
                human_bytes(b as f64),
                human_bytes(b as f64 / secs)
            ));
        }
        line
    }

    /// Ends the current line.
    pub fn finish(&mut self) {
        if self.enabled && self.current.is_some() {
            eprintln!("\r{}, done.", self.line());
        }
        self.current = None;
        self.last = None;
    }
}

/// A byte count as git shows it (`512 bytes`, `1.50 KiB`, `3.20 MiB`).
pub fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024.0 {
        return format!("{} bytes", n as u64);
    }
    let mut value = n / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

/// A reader that adds what it reads to a counter (for [`Progress`]).
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    /// Wraps `inner`, counting into `counter`.
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        CountingReader { inner, counter }
    }
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether the check `name` (`cinnabarclone`, `clonebundles`, …) is on
/// according to the `check` setting (`GIT_CINNABAR_CHECK` or
/// `cinnabar.check`): a comma list of names, `no-` before a name turning it
/// off, `true` or `all` standing for the base checks (`helper`,
/// `manifests`, `nodeid`) and resetting the others, as git-cinnabar does.
pub fn check_enabled(setting: Option<&str>, name: &str) -> bool {
    const BASE: [&str; 3] = ["helper", "manifests", "nodeid"];
    let mut enabled = name == "version-check";
    for item in setting.unwrap_or_default().split(',') {
        if item == "true" || item == "all" {
            enabled = BASE.contains(&name);
        } else if item.strip_prefix("no-") == Some(name) {
            enabled = false;
        } else if item == name {
            enabled = true;
        }
    }
    enabled
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

/// Declares a module's error enum: one transparent variant for each error
/// of a lower layer it wraps (`wraps { Name(Type), … }`), a transparent
/// `Io(std::io::Error)` with `io Io;`, the module's own variants
/// (`own { … }`), and `Invalid(String)` and `Context { context, source }`
/// with the helpers of [`error_context!`].
macro_rules! module_error {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            wraps { $($wrap:ident($wrapped:ty)),* $(,)? }
            $(io $io:ident;)?
            own { $($extra:tt)* }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error, miette::Diagnostic)]
        pub enum $name {
            $(
                #[doc = concat!("A `", stringify!($wrapped), "` of a lower layer.")]
                #[error(transparent)]
                #[diagnostic(transparent)]
                $wrap(#[from] $wrapped),
            )*
            $(
                /// A file or stream could not be read or written.
                #[error(transparent)]
                $io(#[from] std::io::Error),
            )?
            $($extra)*
            /// Something this module cannot go on with.
            #[error("{0}")]
            Invalid(String),
            /// An error, with what was being done.
            #[error("{context}")]
            Context {
                /// What was being done, and on what.
                context: String,
                /// The cause.
                #[source]
                source: Box<$name>,
            },
        }
        $crate::util::error_context!($name);
    };
}
pub(crate) use module_error;

#[cfg(test)]
mod tests {
    use super::check_enabled;

    #[test]
    fn checks() {
        assert!(!check_enabled(None, "cinnabarclone"));
        assert!(check_enabled(None, "version-check"));
        assert!(check_enabled(Some("cinnabarclone"), "cinnabarclone"));
        assert!(check_enabled(Some("foo,cinnabarclone,"), "cinnabarclone"));
        assert!(!check_enabled(
            Some("cinnabarclone,no-cinnabarclone"),
            "cinnabarclone"
        ));
        assert!(!check_enabled(Some("cinnabarclone,all"), "cinnabarclone"));
        assert!(check_enabled(Some("all"), "helper"));
        assert!(!check_enabled(Some("no-version-check"), "version-check"));
    }
}
