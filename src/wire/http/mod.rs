//! The HTTP(S) transport (spec 9.3): one request per command, arguments in
//! a POST body (`httppostargs`), in `X-HgArg-N` headers (`httpheader`) or in
//! the query string; `getbundle` replies negotiated with `X-HgProto-1` and
//! read as a stream. A URL that serves something else than the Mercurial
//! protocol is read as a bundle file.

use std::io::Read;

use reqwest::blocking::Client;
use reqwest::Url;

use super::unbundle::{PushHeads, Spool, UnbundleReply};
use super::url::percent_decode;
use super::url::strip_credentials;
use super::{GetbundleArgs, HgPeer, WireError};
use crate::hg::HgNode;
use config::build_client;
use stream::{content_type, decompress};

mod config;
mod credentials;
mod encode;
mod push;
mod request;
mod stream;

pub use config::{FollowRedirects, HttpConfig};
pub use encode::{header_chunks, urlencode};
pub use stream::get_stream;

/// What an HTTP URL turned out to be.
pub enum HttpSource {
    /// A Mercurial server.
    Peer(Box<HttpPeer>),
    /// A bundle file served directly: the response body.
    Bundle(Box<dyn Read + Send>),
}

/// Credentials for Basic authentication, and whether they came from
/// `git credential fill` (so they are approved or rejected).
#[derive(Clone)]
struct Credentials {
    user: String,
    password: String,
    from_helper: bool,
}

/// A Mercurial server over HTTP(S).
pub struct HttpPeer {
    /// The URL without credentials, for messages.
    display: String,
    /// The repository URL, without credentials or query.
    base: Url,
    client: Client,
    credentials: Option<Credentials>,
    /// Whether credentials were asked for and not approved yet.
    pending_approval: bool,
    follow: FollowRedirects,
    capabilities: Vec<String>,
}
/// The body of a request, besides arguments sent in it (`httppostargs`).
#[derive(Clone, Copy)]
enum Payload<'a> {
    /// None: a GET, unless the arguments make a body.
    None,
    /// An empty POST (`pushkey`: push commands must be POSTs).
    Empty,
    /// A bundle (`unbundle`).
    Bundle(&'a Spool),
}
impl HttpPeer {
    /// Connects: sends `capabilities`, following redirects as configured.
    pub fn open(url: &str, config: &HttpConfig) -> Result<HttpSource, WireError> {
        let display = strip_credentials(url);
        let mut base = Url::parse(url).map_err(|e| WireError::Protocol {
            command: "capabilities".into(),
            url: display.clone(),
            detail: format!("invalid URL: {e}"),
        })?;
        let credentials = (!base.username().is_empty()).then(|| Credentials {
            user: percent_decode(base.username()),
            password: percent_decode(base.password().unwrap_or_default()),
            from_helper: false,
        });
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let client = build_client(config).map_err(|e| WireError::Protocol {
            command: "capabilities".into(),
            url: display.clone(),
            detail: format!("cannot set up HTTP: {e}"),
        })?;
        // Like git, credentials given in the URL go to the credential
        // helpers once they worked.
        let pending_approval = credentials.is_some();
        let mut peer = HttpPeer {
            display,
            base,
            client,
            credentials,
            pending_approval,
            follow: config.follow_redirects,
            capabilities: Vec::new(),
        };
        let response = peer.request("capabilities", &[], Payload::None, false, true)?;
        let content_type = content_type(&response);
        if !content_type.starts_with("application/mercurial-") {
            peer.approve();
            return Ok(HttpSource::Bundle(Box::new(response)));
        }
        let body = peer.body("capabilities", response)?;
        peer.capabilities = String::from_utf8_lossy(&body)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        peer.approve();
        Ok(HttpSource::Peer(Box::new(peer)))
    }

    fn protocol(&self, command: &str, detail: impl Into<String>) -> WireError {
        WireError::Protocol {
            command: command.into(),
            url: self.display.clone(),
            detail: detail.into(),
        }
    }

    fn http_error(&self, command: &str, e: reqwest::Error) -> WireError {
        // reqwest's messages name the URL, which never holds credentials.
        let mut detail = e.to_string();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        WireError::Connection {
            command: command.into(),
            url: self.display.clone(),
            detail,
        }
    }
}

impl HgPeer for HttpPeer {
    fn url(&self) -> &str {
        &self.display
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
        let proto2 = self
            .capability("httpmediatype")
            .is_some_and(|v| v.split(',').any(|t| t == "0.2tx"));
        let response = self.request("getbundle", &args.args(), Payload::None, proto2, false)?;
        let stream: Box<dyn Read> = decompress(response, &self.display)?;
        Ok(stream)
    }

    fn unbundle(
        &mut self,
        heads: PushHeads<'_>,
        body: &mut dyn Read,
    ) -> Result<UnbundleReply, WireError> {
        let heads = heads.encode(self.capability("unbundlehash").is_some());
        // hgweb needs the length of the body first.
        let spool = Spool::new(body).map_err(|source| WireError::Io {
            context: format!("cannot store the bundle to push to {}", self.display),
            source,
        })?;
        self.push(&heads, &spool)
    }

    fn sample_size(&self) -> usize {
        if self.capability("httppostargs").is_some() {
            10000
        } else {
            100
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(
            urlencode(&[("a b", b"x y&z"), ("n", b"1:2")]),
            "a+b=x+y%26z&n=1%3A2"
        );
        let all: Vec<u8> = (0..=255).collect();
        let mut expected = "k=".to_string();
        for &b in &all {
            if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
                expected.push(b as char);
            } else if b == b' ' {
                expected.push('+');
            } else {
                expected.push_str(&format!("%{b:02X}"));
            }
        }
        assert_eq!(urlencode(&[("k", &all)]), expected);
        assert_eq!(urlencode(&[("k", b"%20 +")]), "k=%2520+%2B");
        let chunks = header_chunks(&"x".repeat(100), 40);
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c.len() <= 25));
        assert_eq!(FollowRedirects::parse("initial"), FollowRedirects::Initial);
        assert_eq!(FollowRedirects::parse("false"), FollowRedirects::No);
        assert_eq!(FollowRedirects::parse("true"), FollowRedirects::Yes);
    }
}
