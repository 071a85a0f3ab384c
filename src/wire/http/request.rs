//! Sending a command: its URL, arguments, body, authentication and
//! redirects, and reading a plain reply.

use std::io::Read;

use reqwest::blocking::{Body, Response};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{StatusCode, Url};

use super::config::FollowRedirects;
use super::encode::{header_chunks, urlencode};
use super::stream::content_type;
use super::{HttpPeer, Payload};
use crate::wire::{HgPeer, WireError};

impl HttpPeer {
    /// The URL of a command, with `query` appended.
    fn command_url(&self, command: &str, query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        let mut q = url.query().map(str::to_string).unwrap_or_default();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("cmd=");
        q.push_str(command);
        if let Some(extra) = query.filter(|e| !e.is_empty()) {
            q.push('&');
            q.push_str(extra);
        }
        url.set_query(Some(&q));
        url
    }

    /// Sends a command; returns a successful response (after
    /// authentication and redirects).
    pub(super) fn request(
        &mut self,
        command: &str,
        args: &[(&str, &[u8])],
        payload: Payload<'_>,
        proto2: bool,
        initial: bool,
    ) -> Result<Response, WireError> {
        let encoded = urlencode(args);
        // Push commands only send their arguments in the body to servers
        // that handle it well (4.4 and later, the first with `phases` in
        // their bundle2 capabilities).
        let post = !args.is_empty()
            && self.capability("httppostargs").is_some()
            && (!matches!(command, "unbundle" | "pushkey")
                || self
                    .bundle2_caps()
                    .is_some_and(|caps| caps.iter().any(|(k, _)| k == "phases")));
        let header_limit = if post || args.is_empty() {
            None
        } else {
            self.capability("httpheader")
                .and_then(|v| v.split(',').next()?.parse::<usize>().ok())
        };
        let mut asked = false;
        let mut redirects = 0;
        loop {
            let query = (!post && header_limit.is_none()).then_some(encoded.as_str());
            let url = self.command_url(command, query);
            let mut headers = HeaderMap::new();
            headers.insert(
                "Accept",
                HeaderValue::from_static("application/mercurial-0.1"),
            );
            if let Some(limit) = header_limit {
                for (i, chunk) in header_chunks(&encoded, limit).into_iter().enumerate() {
                    let value = HeaderValue::from_str(&chunk)
                        .map_err(|e| self.protocol(command, e.to_string()))?;
                    headers.insert(
                        reqwest::header::HeaderName::from_bytes(
                            format!("X-HgArg-{}", i + 1).as_bytes(),
                        )
                        .map_err(|e| self.protocol(command, e.to_string()))?,
                        value,
                    );
                }
            }
            if proto2 {
                headers.insert(
                    "X-HgProto-1",
                    HeaderValue::from_static("0.1 0.2 comp=zstd,zlib,none,bzip2"),
                );
            }
            let prefix = if post { encoded.as_bytes() } else { b"" };
            if post {
                headers.insert("X-HgArgs-Post", HeaderValue::from(encoded.len() as u64));
            }
            let body = match payload {
                Payload::None if !post => None,
                Payload::None | Payload::Empty => Some(Body::from(prefix.to_vec())),
                Payload::Bundle(spool) => {
                    let file = spool.reader().map_err(|source| WireError::Io {
                        context: format!("cannot read the bundle to push to {}", self.display),
                        source,
                    })?;
                    let len = prefix.len() as u64 + spool.len();
                    Some(Body::sized(
                        std::io::Cursor::new(prefix.to_vec()).chain(file),
                        len,
                    ))
                }
            };
            let mut builder = match body {
                Some(body) => {
                    headers.insert(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/mercurial-0.1"),
                    );
                    self.client.post(url).body(body)
                }
                None => self.client.get(url),
            };
            builder = builder.headers(headers);
            if let Some(c) = &self.credentials {
                builder = builder.basic_auth(&c.user, Some(&c.password));
            }
            let response = builder.send().map_err(|e| self.http_error(command, e))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !asked {
                asked = true;
                if let Some(c) = &self.credentials {
                    if c.from_helper {
                        self.reject();
                    }
                }
                self.fill_credentials()?;
                continue;
            }
            if status.is_redirection() {
                let allowed = match self.follow {
                    FollowRedirects::Yes => true,
                    FollowRedirects::Initial => initial,
                    FollowRedirects::No => false,
                };
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| response.url().join(l).ok());
                match location {
                    Some(target) if allowed && redirects < 10 => {
                        redirects += 1;
                        self.rebase(&target);
                        continue;
                    }
                    _ => {
                        return Err(self.protocol(
                            command,
                            format!("redirected ({status}) and http.followRedirects forbids it"),
                        ))
                    }
                }
            }
            if status == StatusCode::UNAUTHORIZED {
                self.reject();
                return Err(self.protocol(command, "authentication failed (401)"));
            }
            if !status.is_success() {
                let detail = format!("HTTP error {status}");
                return Err(self.protocol(command, detail));
            }
            if content_type(&response) == "application/hg-error" {
                let message = String::from_utf8_lossy(&self.body(command, response)?)
                    .trim()
                    .to_string();
                return Err(WireError::Remote {
                    url: self.display.clone(),
                    message,
                });
            }
            return Ok(response);
        }
    }

    /// Makes `target` (a redirected command URL) the new base URL.
    fn rebase(&mut self, target: &Url) {
        let mut base = target.clone();
        base.set_query(None);
        base.set_fragment(None);
        let _ = base.set_username("");
        let _ = base.set_password(None);
        if base != self.base {
            eprintln!("warning: redirecting to {base}");
            self.display = base.to_string();
            self.base = base;
        }
    }

    pub(super) fn body(&self, command: &str, mut response: Response) -> Result<Vec<u8>, WireError> {
        let mut data = Vec::new();
        response
            .read_to_end(&mut data)
            .map_err(|source| WireError::Io {
                context: format!("cannot read the reply to `{command}` from {}", self.display),
                source,
            })?;
        Ok(data)
    }

    pub(super) fn simple(
        &mut self,
        command: &str,
        args: &[(&str, &[u8])],
    ) -> Result<Vec<u8>, WireError> {
        let payload = if command == "pushkey" {
            Payload::Empty
        } else {
            Payload::None
        };
        let response = self.request(command, args, payload, false, false)?;
        self.body(command, response)
    }
}
