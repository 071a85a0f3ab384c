//! Mercurial URLs as git-cinnabar accepts them after `hg::` (spec 10.1).
//!
//! This module is below the transports: [`super::http`] uses it, never the
//! other way around.

use std::path::PathBuf;

/// The prefix git gives remote URLs handled by `git-remote-hg`.
pub const HG_PREFIX: &str = "hg::";

/// The URL without its `hg::` prefix, if it has one.
pub fn strip_hg_prefix(url: &str) -> &str {
    url.strip_prefix(HG_PREFIX).unwrap_or(url)
}

/// Removes the user and password from a URL (for messages).
pub fn strip_credentials(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// A parsed Mercurial URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HgUrl {
    /// A local path: a bundle file or a repository.
    Local(PathBuf),
    /// `http://` or `https://`.
    Http(String),
    /// `ssh://[user@]host[:port]/path`.
    Ssh {
        user: Option<String>,
        host: String,
        port: Option<u16>,
        path: String,
    },
    /// The `tags:` pseudo-remote.
    Tags,
}

impl HgUrl {
    /// Parses a URL; anything without a scheme is a path, made absolute
    /// from the current directory.
    pub fn parse(url: &str) -> miette::Result<HgUrl> {
        if url == "tags:" {
            return Ok(HgUrl::Tags);
        }
        if let Some(rest) = url.strip_prefix("hg://") {
            return HgUrl::parse(&msys_safe(rest)?);
        }
        if let Some(rest) = url.strip_prefix("file://") {
            let path = percent_decode(rest);
            return Ok(HgUrl::Local(PathBuf::from(path)));
        }
        if url.starts_with("http://") || url.starts_with("https://") {
            return Ok(HgUrl::Http(url.to_string()));
        }
        if let Some(rest) = url.strip_prefix("ssh://") {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let (user, hostport) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(percent_decode(u)), h),
                None => (None, authority),
            };
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) if !p.is_empty() => (
                    h,
                    Some(
                        p.parse()
                            .map_err(|_| miette::miette!("invalid port in {url}"))?,
                    ),
                ),
                _ => (hostport, None),
            };
            let host = percent_decode(host);
            if host.starts_with('-') || user.as_deref().is_some_and(|u| u.starts_with('-')) {
                return Err(miette::miette!(
                    "refusing ssh host {host:?}: it looks like an option"
                ));
            }
            return Ok(HgUrl::Ssh {
                user,
                host,
                port,
                path: percent_decode(path),
            });
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(miette::miette!("protocol '{scheme}' is not supported"));
        }
        let path = PathBuf::from(url);
        let path = if path.is_absolute() {
            path
        } else {
            std::env::current_dir()
                .map_err(|e| miette::miette!("cannot read the current directory: {e}"))?
                .join(path)
        };
        Ok(HgUrl::Local(path))
    }

    /// The URL as shown in messages.
    pub fn display(&self) -> String {
        match self {
            HgUrl::Local(p) => p.display().to_string(),
            HgUrl::Http(u) => strip_credentials(u),
            HgUrl::Ssh {
                user,
                host,
                port,
                path,
            } => format!(
                "ssh://{}{host}{}/{path}",
                user.as_ref().map(|u| format!("{u}@")).unwrap_or_default(),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
            HgUrl::Tags => "tags:".into(),
        }
    }
}

/// Rewrites the msys-safe form `hg://<host>[:[<port>.]<proto>]/<path>`
/// (after `hg://`) as a regular URL: `https` by default, `:8443` is a port,
/// `:http` a protocol, `:8080.http` both; `hg://:file/path` is
/// `file:///path` and `hg://:tags` is `tags:`.
fn msys_safe(rest: &str) -> miette::Result<String> {
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, spec) = authority.split_once(':').unwrap_or((authority, ""));
    let (port, proto) = match spec.split_once('.') {
        Some((port, proto)) => (Some(port), proto),
        None if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit()) => (Some(spec), ""),
        None => (None, spec),
    };
    let proto = if proto.is_empty() { "https" } else { proto };
    match proto {
        "tags" => Ok("tags:".into()),
        "file" => Ok(format!("file:///{path}")),
        "http" | "https" | "ssh" => Ok(match port {
            Some(p) => format!("{proto}://{host}:{p}/{path}"),
            None => format!("{proto}://{host}/{path}"),
        }),
        other => Err(miette::miette!("protocol '{other}' is not supported")),
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as they are), then
/// bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        assert_eq!(HgUrl::parse("/a/b").unwrap(), HgUrl::Local("/a/b".into()));
        assert_eq!(
            HgUrl::parse("file:///a%20b").unwrap(),
            HgUrl::Local("/a b".into())
        );
        assert_eq!(HgUrl::parse("tags:").unwrap(), HgUrl::Tags);
        assert!(matches!(
            HgUrl::parse("https://h/r").unwrap(),
            HgUrl::Http(_)
        ));
        assert_eq!(
            HgUrl::parse("ssh://u@h:22//abs").unwrap(),
            HgUrl::Ssh {
                user: Some("u".into()),
                host: "h".into(),
                port: Some(22),
                path: "/abs".into()
            }
        );
        assert!(HgUrl::parse("ssh://-oProxyCommand=x/p").is_err());
        assert!(HgUrl::parse("ftp://x").is_err());
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%2f%2F%zz%%41%"), "A//%zz%A%");
        assert_eq!(percent_decode("%c3%a9%ff"), "\u{e9}\u{fffd}");
        for (url, expected) in [
            ("hg://h/r", HgUrl::Http("https://h/r".into())),
            ("hg://h:8443/r", HgUrl::Http("https://h:8443/r".into())),
            ("hg://h:http/r", HgUrl::Http("http://h/r".into())),
            (
                "hg://h:8080.http/a/b",
                HgUrl::Http("http://h:8080/a/b".into()),
            ),
            ("hg://:file/p/q", HgUrl::Local("/p/q".into())),
            ("hg://:tags", HgUrl::Tags),
        ] {
            assert_eq!(HgUrl::parse(url).unwrap(), expected, "{url}");
        }
        assert!(HgUrl::parse("hg://h:ftp/r").is_err());
    }

    #[test]
    fn prefixes_and_credentials() {
        assert_eq!(strip_hg_prefix("hg::https://h/r"), "https://h/r");
        assert_eq!(strip_hg_prefix("https://h/r"), "https://h/r");
        assert_eq!(strip_hg_prefix("hg::hg::x"), "hg::x");
        assert_eq!(strip_credentials("https://u:p@h:8/r?x"), "https://h:8/r?x");
        assert_eq!(HgUrl::Http("http://u:p@h/r".into()).display(), "http://h/r");
    }
}
