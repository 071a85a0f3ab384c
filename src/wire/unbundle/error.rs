//! Why a server refused a push: [`ServerError`], and [`PushRefusal`] with
//! what it printed.

use std::fmt;

use crate::wire::WireError;

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
    /// The server's output, as in
    /// [`UnbundleReply::output`](super::reply::UnbundleReply::output).
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
