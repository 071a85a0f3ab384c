//! The git settings the HTTP transport honours ([`HttpConfig`]) and the
//! HTTP client built from them.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::blocking::Client;

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
pub(super) fn build_client(config: &HttpConfig) -> reqwest::Result<Client> {
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
