//! The HTTP(S) transport (spec 9.3): one request per command, arguments in
//! a POST body (`httppostargs`), in `X-HgArg-N` headers (`httpheader`) or in
//! the query string; `getbundle` replies negotiated with `X-HgProto-1` and
//! read as a stream. A URL that serves something else than the Mercurial
//! protocol is read as a bundle file.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::blocking::{Body, Client, Response};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{StatusCode, Url};

use super::unbundle::{self, PushHeads, PushRefusal, ServerError, Spool, UnbundleReply};
use super::url::percent_decode;
use super::url::strip_credentials;
use super::{GetbundleArgs, HgPeer, WireError};
use crate::hg::HgNode;

/// `http.followRedirects`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FollowRedirects {
    /// Never.
    No,
    /// Only for the first request (git's default).
    #[default]
    Initial,
    /// Always.
    Yes,
}

/// The git settings the HTTP transport honours.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    /// `http.proxy` (the environment variables apply otherwise).
    pub proxy: Option<String>,
    /// `GIT_SSL_CAINFO` or `http.sslCAInfo`.
    pub ca_info: Option<PathBuf>,
    /// `http.sslVerify = false`.
    pub no_verify: bool,
    /// `http.followRedirects`.
    pub follow_redirects: FollowRedirects,
}

impl FollowRedirects {
    /// Parses the value of `http.followRedirects`.
    pub fn parse(value: &str) -> FollowRedirects {
        match value.to_ascii_lowercase().as_str() {
            "initial" => FollowRedirects::Initial,
            "false" | "no" | "off" | "0" => FollowRedirects::No,
            _ => FollowRedirects::Yes,
        }
    }
}

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

/// Encodes arguments the way Python's `urlencode` does.
pub fn urlencode(args: &[(&str, &[u8])]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in args.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        quote_plus(k.as_bytes(), &mut out);
        out.push('=');
        quote_plus(v, &mut out);
    }
    out
}

/// What Python's `quote_plus` (used by `urlencode`) escapes: all but ASCII
/// letters, digits and `_.-~`; spaces then become `+`.
const QUOTE_PLUS_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

fn quote_plus(data: &[u8], out: &mut String) {
    // A literal "%20" is escaped as "%2520": every "%20" is a space.
    out.push_str(
        &percent_encode(data, QUOTE_PLUS_SET)
            .to_string()
            .replace("%20", "+"),
    );
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

/// Splits an encoded argument string into `X-HgArg-N` header values for a
/// server that accepts headers of `limit` bytes (Mercurial's own rule).
pub fn header_chunks(encoded: &str, limit: usize) -> Vec<String> {
    let size = limit
        .saturating_sub("X-HgArg-000".len() + ": \r\n".len())
        .max(1);
    encoded
        .as_bytes()
        .chunks(size)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
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
    fn request(
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

    fn body(&self, command: &str, mut response: Response) -> Result<Vec<u8>, WireError> {
        let mut data = Vec::new();
        response
            .read_to_end(&mut data)
            .map_err(|source| WireError::Io {
                context: format!("cannot read the reply to `{command}` from {}", self.display),
                source,
            })?;
        Ok(data)
    }

    fn simple(&mut self, command: &str, args: &[(&str, &[u8])]) -> Result<Vec<u8>, WireError> {
        let payload = if command == "pushkey" {
            Payload::Empty
        } else {
            Payload::None
        };
        let response = self.request(command, args, payload, false, false)?;
        self.body(command, response)
    }

    /// Sends `unbundle` with the spooled bundle and reads the reply: a
    /// bundle2 stream, or `<return code>\n<output>`.
    fn push(&mut self, heads: &[u8], spool: &Spool) -> Result<UnbundleReply, WireError> {
        let read_error = |display: &str| {
            let context = format!("cannot read the reply to `unbundle` from {display}");
            move |source| WireError::Io { context, source }
        };
        let sent_bundle2 = spool
            .magic()
            .map_err(read_error(&self.display))?
            .starts_with(b"HG20");
        let mut response = match self.request(
            "unbundle",
            &[("heads", heads)],
            Payload::Bundle(spool),
            false,
            false,
        ) {
            // An out-of-band error (e.g. a bundle1 the server refuses).
            Err(WireError::Remote { url, message }) => {
                return Err(PushRefusal {
                    url,
                    error: ServerError::Abort {
                        message,
                        hint: None,
                    },
                    output: Vec::new(),
                }
                .into_error())
            }
            result => result?,
        };
        let magic = unbundle::read_prefix(&mut response, 4).map_err(read_error(&self.display))?;
        if magic == b"HG20" {
            let stream = std::io::Cursor::new(magic).chain(response);
            return unbundle::read_bundle2_reply(stream, &self.display, Vec::new());
        }
        let mut data = magic;
        response
            .read_to_end(&mut data)
            .map_err(read_error(&self.display))?;
        let Some(newline) = memchr::memchr(b'\n', &data) else {
            let detail = format!("unexpected reply {:?}", String::from_utf8_lossy(&data));
            return Err(self.protocol("unbundle", detail));
        };
        let output = unbundle::output_lines(&data[newline + 1..]);
        if sent_bundle2 {
            // The server refused before reading the bundle (e.g. the heads
            // changed): its message is the output.
            return Err(PushRefusal {
                url: self.display.clone(),
                error: ServerError::PushFailed {
                    message: output.join("\n").trim_end().to_string(),
                },
                output: Vec::new(),
            }
            .into_error());
        }
        unbundle::legacy_reply(&data[..newline], output, &self.display)
    }

    /// The `git credential` description of our URL.
    fn credential_description(&self) -> String {
        let mut text = format!("protocol={}\n", self.base.scheme());
        let host = match self.base.port() {
            Some(p) => format!("{}:{p}", self.base.host_str().unwrap_or_default()),
            None => self.base.host_str().unwrap_or_default().to_string(),
        };
        text.push_str(&format!("host={host}\n"));
        let path = self.base.path().trim_start_matches('/');
        if !path.is_empty() {
            text.push_str(&format!("path={path}\n"));
        }
        text
    }

    /// Asks `git credential fill` for a user and password.
    fn fill_credentials(&mut self) -> Result<(), WireError> {
        let mut input = self.credential_description();
        if let Some(c) = &self.credentials {
            input.push_str(&format!("username={}\n", c.user));
        }
        input.push('\n');
        let output = run_credential("fill", &input).map_err(|source| WireError::Io {
            context: format!("cannot run `git credential fill` for {}", self.display),
            source,
        })?;
        let mut user = None;
        let mut password = None;
        for line in output.lines() {
            if let Some(v) = line.strip_prefix("username=") {
                user = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("password=") {
                password = Some(v.to_string());
            }
        }
        match (user, password) {
            (Some(user), Some(password)) => {
                self.credentials = Some(Credentials {
                    user,
                    password,
                    from_helper: true,
                });
                self.pending_approval = true;
                Ok(())
            }
            _ => Err(self.protocol(
                "capabilities",
                "authentication required and no credentials given",
            )),
        }
    }

    fn credential_input(&self, c: &Credentials) -> String {
        format!(
            "{}username={}\npassword={}\n\n",
            self.credential_description(),
            c.user,
            c.password
        )
    }

    /// Tells the credential helpers that the credentials worked.
    fn approve(&mut self) {
        if !self.pending_approval {
            return;
        }
        self.pending_approval = false;
        if let Some(c) = &self.credentials {
            let _ = run_credential("approve", &self.credential_input(c));
        }
    }

    /// Tells the credential helpers that the credentials failed.
    fn reject(&mut self) {
        if let Some(c) = self.credentials.as_ref().filter(|c| c.from_helper) {
            let _ = run_credential("reject", &self.credential_input(c));
        }
        self.pending_approval = false;
    }
}

/// Downloads `url` (a clone bundle) as a stream.
pub fn get_stream(url: &str, config: &HttpConfig) -> Result<Box<dyn Read + Send>, WireError> {
    let display = strip_credentials(url);
    let bad = |detail: String| WireError::Protocol {
        command: "GET".into(),
        url: display.clone(),
        detail,
    };
    let client = build_client(config).map_err(|e| bad(format!("cannot set up HTTP: {e}")))?;
    let mut redirects = 0;
    let mut target = Url::parse(url).map_err(|e| bad(format!("invalid URL: {e}")))?;
    loop {
        let response = client
            .get(target.clone())
            .send()
            .map_err(|e| bad(e.to_string()))?;
        let status = response.status();
        if status.is_redirection() && config.follow_redirects != FollowRedirects::No {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| response.url().join(l).ok());
            if let Some(next) = next.filter(|_| redirects < 10) {
                redirects += 1;
                target = next;
                continue;
            }
        }
        if !status.is_success() {
            return Err(bad(format!("HTTP error {status}")));
        }
        return Ok(Box::new(response));
    }
}

/// Runs `git credential <action>` with `input` (spec 9.3: credentials as
/// git gets them). Running git itself, rather than reimplementing it
/// (gix-credentials), keeps exactly git's behaviour: `credential.helper`
/// cascades and per-URL sections, `credential.useHttpPath`,
/// `credential.interactive`, `GIT_ASKPASS`/`core.askPass`/`SSH_ASKPASS`,
/// `GIT_TERMINAL_PROMPT` and the terminal prompt, whatever the installed
/// git version supports.
fn run_credential(action: &str, input: &str) -> std::io::Result<String> {
    let mut child = Command::new("git")
        .args(["credential", action])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(std::io::Error::other(format!(
            "git credential {action} failed ({})",
            output.status
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_string())
        .unwrap_or_default()
}

fn build_client(config: &HttpConfig) -> reqwest::Result<Client> {
    let mut builder = Client::builder()
        .user_agent("mercurial/proto-1.0")
        .redirect(reqwest::redirect::Policy::none())
        .timeout(None::<Duration>)
        .connect_timeout(Duration::from_secs(60));
    if let Some(proxy) = config.proxy.as_deref().filter(|p| !p.is_empty()) {
        let proxy = if proxy.contains("://") {
            proxy.to_string()
        } else {
            format!("http://{proxy}")
        };
        builder = builder.proxy(reqwest::Proxy::all(proxy)?.no_proxy(reqwest::NoProxy::from_env()));
    }
    if let Some(path) = &config.ca_info {
        // Like curl's CAINFO: this bundle replaces the built-in roots.
        if let Ok(pem) = std::fs::read(path) {
            builder = builder.tls_built_in_root_certs(false);
            for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
    }
    if config.no_verify {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build()
}

/// Reads the compressed `getbundle` stream of a response.
fn decompress(mut response: Response, url: &str) -> Result<Box<dyn Read + Send>, WireError> {
    let content_type = content_type(&response);
    let bad = |detail: String| WireError::Protocol {
        command: "getbundle".into(),
        url: url.to_string(),
        detail,
    };
    match content_type.as_str() {
        "application/mercurial-0.1" => Ok(Box::new(flate2::read::ZlibDecoder::new(response))),
        "application/mercurial-0.2" => {
            let mut len = [0u8];
            response
                .read_exact(&mut len)
                .map_err(|source| WireError::Io {
                    context: format!("cannot read the reply to `getbundle` from {url}"),
                    source,
                })?;
            let mut name = vec![0u8; len[0] as usize];
            response
                .read_exact(&mut name)
                .map_err(|source| WireError::Io {
                    context: format!("cannot read the reply to `getbundle` from {url}"),
                    source,
                })?;
            match &name[..] {
                b"zstd" => Ok(Box::new(
                    zstd::stream::read::Decoder::new(response).map_err(|source| WireError::Io {
                        context: format!("cannot start zstd for {url}"),
                        source,
                    })?,
                )),
                b"zlib" => Ok(Box::new(flate2::read::ZlibDecoder::new(response))),
                b"none" => Ok(Box::new(response)),
                b"bzip2" => Ok(Box::new(bzip2::read::BzDecoder::new(response))),
                other => Err(bad(format!(
                    "unknown compression {:?}",
                    String::from_utf8_lossy(other)
                ))),
            }
        }
        other => Err(bad(format!("unexpected content type {other:?}"))),
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
