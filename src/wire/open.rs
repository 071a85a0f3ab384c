//! Opening a Mercurial source: a URL and the git settings that apply to it
//! give a peer to talk to, or a bundle to read.

use std::io::Read;
use std::path::PathBuf;

use super::http::{FollowRedirects, HttpConfig, HttpPeer, HttpSource};
use super::ssh::{self, SshConfig};
use super::stdio::{PendingPeer, StdioPeer};
use super::url::HgUrl;
use super::{HgPeer, WireError};
use crate::store::Repo;

/// Where Mercurial data comes from.
pub enum HgSource {
    /// A bundle file on disk.
    Bundle(PathBuf),
    /// A bundle served over HTTP: its URL and the response body.
    Stream {
        url: String,
        body: Box<dyn Read + Send>,
    },
    /// A Mercurial peer.
    Peer(Box<dyn HgPeer>),
}

/// The git settings the transports honour.
#[derive(Clone, Debug, Default)]
pub struct WireConfig {
    pub http: HttpConfig,
    pub ssh: SshConfig,
}

impl WireConfig {
    /// The settings of `repo` (and the environment variables git reads).
    pub fn from_repo(repo: &Repo) -> WireConfig {
        WireConfig {
            http: HttpConfig {
                proxy: repo.config_string("http.proxy"),
                ca_info: std::env::var_os("GIT_SSL_CAINFO")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| repo.config_string("http.sslCAInfo").map(PathBuf::from)),
                no_verify: matches!(repo.config_bool("http.sslVerify"), Ok(Some(false)))
                    || std::env::var("GIT_SSL_NO_VERIFY").is_ok_and(|v| !v.is_empty()),
                follow_redirects: repo
                    .config_string("http.followRedirects")
                    .map(|v| FollowRedirects::parse(&v))
                    .unwrap_or_default(),
            },
            ssh: SshConfig {
                ssh_command: repo.config_string("core.sshCommand"),
                variant: repo.config_string("ssh.variant"),
            },
        }
    }
}

/// Starts the server of `url` ahead of its use when it is one that
/// `hg serve --stdio` answers (a local repository, an ssh server), so that
/// its start-up overlaps the caller's work until [`open_with`] takes it.
/// Nothing is sent to it; `None` for other sources, or when it cannot be
/// started (then [`open_with`] tries again, and says why it fails).
pub fn prestart(url: &HgUrl, config: &WireConfig) -> Option<PendingPeer> {
    match url {
        HgUrl::Local(path) if path.join(".hg").is_dir() => {
            StdioPeer::start_local(&url.display(), path).ok()
        }
        HgUrl::Ssh {
            user,
            host,
            port,
            path,
        } => ssh::start(
            &url.display(),
            user.as_deref(),
            host,
            *port,
            path,
            &config.ssh,
        )
        .ok(),
        _ => None,
    }
}

/// Opens the source `url` names: a bundle file, a local repository
/// (through `hg serve --stdio`), an HTTP(S) server or bundle, or an ssh
/// server.
pub fn open(url: &HgUrl, config: &WireConfig) -> Result<HgSource, WireError> {
    open_with(url, config, None)
}

/// Same as [`open`], with the server [`prestart`] started for the same URL
/// and settings, if any.
pub fn open_with(
    url: &HgUrl,
    config: &WireConfig,
    started: Option<PendingPeer>,
) -> Result<HgSource, WireError> {
    if let Some(pending) = started.filter(|p| p.url() == url.display()) {
        return Ok(HgSource::Peer(Box::new(pending.connect()?)));
    }
    Ok(match url {
        HgUrl::Local(path) if path.is_file() => {
            check_bundle_start(path)?;
            HgSource::Bundle(path.clone())
        }
        HgUrl::Local(path) if path.is_dir() && !path.join(".hg").is_dir() => {
            return Err(WireError::NoSource {
                url: path.display().to_string(),
                detail: "not a Mercurial repository (no .hg directory)".into(),
            })
        }
        HgUrl::Local(path) if path.is_dir() => {
            HgSource::Peer(Box::new(StdioPeer::local(&url.display(), path)?))
        }
        HgUrl::Local(path) => {
            return Err(WireError::NoSource {
                url: path.display().to_string(),
                detail: "no such repository or bundle".into(),
            })
        }
        HgUrl::Http(http_url) => match HttpPeer::open(http_url, &config.http)? {
            HttpSource::Peer(peer) => HgSource::Peer(peer),
            HttpSource::Bundle(body) => HgSource::Stream {
                url: url.display(),
                body: check_stream_start(&url.display(), body)?,
            },
        },
        HgUrl::Ssh {
            user,
            host,
            port,
            path,
        } => HgSource::Peer(Box::new(ssh::connect(
            &url.display(),
            user.as_deref(),
            host,
            *port,
            path,
            &config.ssh,
        )?)),
        HgUrl::Tags => {
            return Err(WireError::NoSource {
                url: "tags:".into(),
                detail: "the tags: pseudo-remote has no repository".into(),
            })
        }
    })
}

/// Refuses a response that is neither from a Mercurial server nor a
/// bundle (a web page, say), and gives back the whole stream otherwise.
fn check_stream_start(
    url: &str,
    mut body: Box<dyn Read + Send>,
) -> Result<Box<dyn Read + Send>, WireError> {
    let mut start = Vec::with_capacity(4);
    (&mut body)
        .take(4)
        .read_to_end(&mut start)
        .map_err(|source| WireError::Io {
            context: format!("cannot read from {url}"),
            source,
        })?;
    if let Some(detail) = not_a_bundle(&start) {
        return Err(WireError::NoSource {
            url: url.to_string(),
            detail,
        });
    }
    Ok(Box::new(std::io::Cursor::new(start).chain(body)))
}

/// Why data starting with `start` is not a bundle, if it is not.
fn not_a_bundle(start: &[u8]) -> Option<String> {
    if start.starts_with(b"HG") || start.first() == Some(&0) {
        return None;
    }
    if start.first() == Some(&b'<') {
        return Some("not a Mercurial repository or bundle (it serves a web page)".into());
    }
    let shown: Vec<String> = start.iter().map(|b| format!("{b:02x}")).collect();
    Some(format!(
        "not a Mercurial bundle or repository (first bytes: {})",
        shown.join(" ")
    ))
}

/// Refuses a file that starts like no Mercurial bundle: `HG…` or a
/// headerless changegroup (whose first chunk length starts with a zero byte).
fn check_bundle_start(path: &std::path::Path) -> Result<(), WireError> {
    let mut start = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut start))
        .map_err(|source| WireError::Io {
            context: format!("cannot read {}", path.display()),
            source,
        })?;
    match not_a_bundle(&start[..n]) {
        None => Ok(()),
        Some(detail) => Err(WireError::NoSource {
            url: path.display().to_string(),
            detail,
        }),
    }
}
