//! Talking to Mercurial repositories: the commands git-cinnabar uses, over
//! the stdio transport (local repositories and ssh) or HTTP, to fetch
//! (`getbundle` and friends) and to push (`unbundle`, `pushkey`).
//!
//! Module order, lowest first: `url`, `unbundle` (formats), then the
//! transports `stdio` (and `ssh` on top of it) and `http`.

use std::io::Read;

use crate::hg::bundle::{decode_caps, unquote, Bundle2Caps};
use crate::hg::HgNode;

pub mod discovery;
pub mod http;
pub mod open;
pub mod ssh;
pub mod stdio;
pub mod unbundle;
pub mod url;

pub use unbundle::{
    ChangegroupResult, PartReply, PushHeads, PushRefusal, ServerError, UnbundleReply,
};

/// Errors from a Mercurial peer.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WireError {
    #[error("{context}")]
    #[diagnostic(code(cinnabar::wire::io))]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unexpected reply to `{command}` from {url}: {detail}")]
    #[diagnostic(code(cinnabar::wire::protocol))]
    Protocol {
        command: String,
        url: String,
        detail: String,
    },
    #[error("cannot reach {url} (`{command}`): {detail}")]
    #[diagnostic(code(cinnabar::wire::connection))]
    Connection {
        command: String,
        url: String,
        detail: String,
    },
    #[error("{url} does not support `{capability}`")]
    #[diagnostic(code(cinnabar::wire::capability))]
    MissingCapability { url: String, capability: String },
    #[error("{url}: {detail}")]
    #[diagnostic(code(cinnabar::wire::no_source))]
    NoSource { url: String, detail: String },
    #[error("remote error from {url}: {message}")]
    #[diagnostic(code(cinnabar::wire::remote))]
    Remote { url: String, message: String },
    /// The server refused a push (`unbundle`): its error and its output.
    #[error("{0}")]
    #[diagnostic(code(cinnabar::wire::push_refused))]
    PushRefused(Box<PushRefusal>),
}

/// A branch of the remote's branchmap: the name as the server sent it
/// (URL-quoted) and its heads in revision order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchHeads {
    pub name: Vec<u8>,
    pub heads: Vec<HgNode>,
}

/// `listkeys` pairs: key and value, raw.
pub type Keys = Vec<(Vec<u8>, Vec<u8>)>;

/// The commands git-cinnabar sends to a Mercurial peer.
pub trait HgPeer {
    /// The URL, for messages.
    fn url(&self) -> &str;
    /// The capability string items (`name` or `name=value`).
    fn capabilities(&self) -> &[String];
    /// Sends a command whose reply is one value, and returns the value.
    /// The transport's only primitive besides `getbundle`: the commands
    /// below are built on it.
    fn call(&mut self, command: &str, args: &[(&str, &[u8])]) -> Result<Vec<u8>, WireError>;
    /// `getbundle`: a stream holding a bundle of the ancestors of `heads`
    /// that are not ancestors of `common`.
    fn getbundle(
        &mut self,
        heads: &[HgNode],
        common: &[HgNode],
        bundlecaps: Option<&str>,
    ) -> Result<Box<dyn Read + '_>, WireError>;

    /// `unbundle`: sends a bundle for the server to apply, streaming it
    /// from `body` (a bundle2, a bundle1 or a bare changegroup, as the
    /// server accepts), and returns what the server said.
    ///
    /// `heads` are the remote heads the bundle was made against (the
    /// server refuses the push if they changed), or `Force`. A bundle2
    /// should start with a `replycaps` part, else the server sends no
    /// reply parts. A refusal (an `error:*` part, a hook failing in a
    /// bundle2 push, a push race) is [`WireError::PushRefused`]; a bundle1
    /// push that failed is a reply whose changegroup result is
    /// [`ChangegroupResult::Failed`], with the server's messages in
    /// `output`.
    fn unbundle(
        &mut self,
        heads: PushHeads<'_>,
        body: &mut dyn Read,
    ) -> Result<UnbundleReply, WireError>;

    /// `pushkey`: sets `key` in `namespace` (e.g. a bookmark) to `new`
    /// (hex, or empty to delete) if its value is `old` (empty when it must
    /// not exist). Returns whether the server did it. Server output is
    /// shown as `remote: ` lines.
    fn pushkey(
        &mut self,
        namespace: &str,
        key: &str,
        old: &str,
        new: &str,
    ) -> Result<bool, WireError> {
        let data = self.call(
            "pushkey",
            &[
                ("namespace", namespace.as_bytes()),
                ("key", key.as_bytes()),
                ("old", old.as_bytes()),
                ("new", new.as_bytes()),
            ],
        )?;
        let (done, output) = unbundle::parse_pushkey(&data, self.url())?;
        unbundle::show_output(&output);
        Ok(done)
    }

    /// `branchmap`.
    fn branchmap(&mut self) -> Result<Vec<BranchHeads>, WireError> {
        let data = self.call("branchmap", &[])?;
        parse_branchmap(&data).map_err(|e| protocol_error(self.url(), "branchmap", e))
    }

    /// `heads`: the topological heads.
    fn heads(&mut self) -> Result<Vec<HgNode>, WireError> {
        let data = self.call("heads", &[])?;
        parse_nodes(&data).map_err(|e| protocol_error(self.url(), "heads", e))
    }

    /// `listkeys` of a namespace.
    fn listkeys(&mut self, namespace: &str) -> Result<Keys, WireError> {
        let data = self.call("listkeys", &[("namespace", namespace.as_bytes())])?;
        Ok(parse_listkeys(&data))
    }

    /// `known`: which of these nodes the peer has.
    fn known(&mut self, nodes: &[HgNode]) -> Result<Vec<bool>, WireError> {
        let data = self.call("known", &[("nodes", &join_nodes(nodes))])?;
        if data.len() != nodes.len() || data.iter().any(|&b| b != b'0' && b != b'1') {
            let detail = format!("{:?}", String::from_utf8_lossy(&data));
            return Err(protocol_error(self.url(), "known", detail));
        }
        Ok(data.iter().map(|&b| b == b'1').collect())
    }

    /// `lookup`: the changeset a name (revision, tag, bookmark, branch,
    /// hex prefix) designates on the peer.
    fn lookup(&mut self, key: &str) -> Result<HgNode, WireError> {
        let data = self.call("lookup", &[("key", key.as_bytes())])?;
        parse_lookup(&data, self.url(), key)
    }

    /// `clonebundles`: the clone bundles manifest.
    fn clonebundles(&mut self) -> Result<Vec<u8>, WireError> {
        self.call("clonebundles", &[])
    }

    /// `batch`: runs `cmds` (`name args;name args…`, arguments escaped
    /// with [`batch_escape`]) and returns the raw reply.
    fn batch(&mut self, cmds: &str) -> Result<Vec<u8>, WireError> {
        self.call("batch", &[("cmds", cmds.as_bytes())])
    }

    /// The branchmap, topological heads and bookmarks, consistent with
    /// each other: in one `batch` when the peer has it, else bookmarks
    /// first, then `branchmap` and `heads` until every head is in the
    /// branchmap (spec 9.4).
    fn remote_listing(&mut self) -> Result<(Vec<BranchHeads>, Vec<HgNode>, Keys), WireError> {
        if self.capability("batch").is_some() {
            let reply = self.batch(&format!(
                "branchmap ;heads ;listkeys namespace={}",
                batch_escape("bookmarks")
            ))?;
            let parts: Vec<Vec<u8>> = reply.split(|&b| b == b';').map(batch_unescape).collect();
            let bad = |detail: String| WireError::Protocol {
                command: "batch".into(),
                url: self.url().to_string(),
                detail,
            };
            if parts.len() != 3 {
                return Err(bad(format!("{} results instead of 3", parts.len())));
            }
            let branches = parse_branchmap(&parts[0]).map_err(bad)?;
            let heads = parse_nodes(&parts[1]).map_err(bad)?;
            return Ok((branches, heads, parse_listkeys(&parts[2])));
        }
        let bookmarks = self.listkeys("bookmarks")?;
        let mut attempts = 0;
        loop {
            let branches = self.branchmap()?;
            let heads = self.heads()?;
            attempts += 1;
            let all: std::collections::HashSet<&HgNode> =
                branches.iter().flat_map(|b| b.heads.iter()).collect();
            if heads.iter().all(|h| all.contains(h)) || attempts >= 5 {
                return Ok((branches, heads, bookmarks));
            }
        }
    }

    /// How many nodes one `known` request may carry (spec 9.5).
    fn sample_size(&self) -> usize {
        10000
    }

    /// The bundle2 capabilities the peer advertises (the unquoted value of
    /// its `bundle2` capability), if any.
    fn bundle2_caps(&self) -> Option<Bundle2Caps> {
        self.capability("bundle2")
            .map(|v| decode_caps(&unquote(v.as_bytes())))
    }

    /// The value of a capability (`name=value`), or `Some("")` for a bare
    /// name.
    fn capability(&self, name: &str) -> Option<&str> {
        self.capabilities()
            .iter()
            .find_map(|c| match c.split_once('=') {
                Some((k, v)) if k == name => Some(v),
                None if c == name => Some(""),
                _ => None,
            })
    }
}

/// A reply that does not parse.
pub fn protocol_error(url: &str, command: &str, detail: impl Into<String>) -> WireError {
    WireError::Protocol {
        command: command.into(),
        url: url.into(),
        detail: detail.into(),
    }
}

/// Nodes as hex, separated by spaces (argument of `known`, `getbundle`).
pub fn join_nodes(nodes: &[HgNode]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nodes.len() * 41);
    for (i, n) in nodes.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        n.write_hex(&mut out);
    }
    out
}

/// Parses a space-separated list of hex nodes.
pub fn parse_nodes(data: &[u8]) -> Result<Vec<HgNode>, String> {
    data.split(|b| b.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| HgNode::from_hex(s).map_err(|e| e.to_string()))
        .collect()
}

/// Parses a `branchmap` reply.
pub fn parse_branchmap(data: &[u8]) -> Result<Vec<BranchHeads>, String> {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.splitn(2, |&b| b == b' ');
            let name = parts.next().unwrap_or_default().to_vec();
            let heads = parse_nodes(parts.next().unwrap_or_default())?;
            Ok(BranchHeads { name, heads })
        })
        .collect()
}

/// Parses a `listkeys` reply: `key\tvalue` lines.
pub fn parse_listkeys(data: &[u8]) -> Keys {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|line| {
            let tab = memchr::memchr(b'\t', line)?;
            Some((line[..tab].to_vec(), line[tab + 1..].to_vec()))
        })
        .collect()
}

/// Escapes a `batch` argument value.
pub fn batch_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            ':' => out.push_str(":c"),
            ',' => out.push_str(":o"),
            ';' => out.push_str(":s"),
            '=' => out.push_str(":e"),
            c => out.push(c),
        }
    }
    out
}

/// Unescapes one `batch` result.
pub fn batch_unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b':' && i + 1 < data.len() {
            let c = match data[i + 1] {
                b'c' => Some(b':'),
                b'o' => Some(b','),
                b's' => Some(b';'),
                b'e' => Some(b'='),
                _ => None,
            };
            if let Some(c) = c {
                out.push(c);
                i += 2;
                continue;
            }
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Parses a `lookup` reply: `1 <hex>\n` or `0 <error message>\n`.
pub fn parse_lookup(data: &[u8], url: &str, key: &str) -> Result<HgNode, WireError> {
    let text = String::from_utf8_lossy(data);
    let text = text.trim_end();
    match text.split_once(' ') {
        Some(("1", hex)) => HgNode::from_hex(hex.as_bytes()).map_err(|e| WireError::Protocol {
            command: "lookup".into(),
            url: url.into(),
            detail: e.to_string(),
        }),
        Some(("0", message)) => Err(WireError::Remote {
            url: url.into(),
            message: format!("cannot look up {key:?}: {message}"),
        }),
        _ => Err(WireError::Protocol {
            command: "lookup".into(),
            url: url.into(),
            detail: format!("{text:?}"),
        }),
    }
}

/// Picks the first usable clone bundle of a manifest (spec 9.6): an
/// http(s) URL with a `BUNDLESPEC` we can read, not a stream bundle.
pub fn select_clonebundle(manifest: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(manifest);
    text.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let url = fields.next()?;
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return None;
        }
        let spec = fields.find_map(|attr| {
            let (k, v) = attr.split_once('=')?;
            (url::percent_decode(k) == "BUNDLESPEC").then(|| url::percent_decode(v))
        })?;
        let mut parts = spec.split(';');
        let kind = parts.next()?;
        if parts.any(|p| p.split('=').next() == Some("stream")) {
            return None;
        }
        let (compression, version) = match kind.split_once('-') {
            Some((c, v)) => (c, v),
            None if kind.starts_with('v') => ("none", kind),
            None => (kind, "v2"),
        };
        let supported = matches!(compression, "gzip" | "bzip2" | "none" | "zstd")
            && matches!(version, "v1" | "v2");
        supported.then(|| url.to_string())
    })
}

/// The bundle2 capabilities we ask `getbundle` for.
pub const BUNDLECAPS: &str = "HG20,bundle2=HG20%0Achangegroup%3D01%2C02";

/// The arguments of `getbundle` (spec 9.4), for every transport.
pub struct GetbundleArgs {
    heads: Vec<u8>,
    common: Vec<u8>,
    bundlecaps: Option<String>,
}

impl GetbundleArgs {
    /// `heads` and `common` as hex lists; `bundlecaps` only when given.
    pub fn new(heads: &[HgNode], common: &[HgNode], bundlecaps: Option<&str>) -> GetbundleArgs {
        GetbundleArgs {
            heads: join_nodes(heads),
            common: join_nodes(common),
            bundlecaps: bundlecaps.map(str::to_string),
        }
    }

    /// The arguments, sorted by name (as Mercurial sends them).
    pub fn args(&self) -> Vec<(&str, &[u8])> {
        let mut args: Vec<(&str, &[u8])> = Vec::with_capacity(3);
        if let Some(caps) = &self.bundlecaps {
            args.push(("bundlecaps", caps.as_bytes()));
        }
        args.push(("common", &self.common));
        args.push(("heads", &self.heads));
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branchmap() {
        let n = "f92470d7f6966a39dfbced6a525fe81ebf5c37b9";
        let data = format!("default {n} {n}\nfoo%20bar {n}\n");
        let b = parse_branchmap(data.as_bytes()).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].heads.len(), 2);
        assert_eq!(b[1].name, b"foo%20bar");
        assert!(parse_branchmap(b"default zz\n").is_err());
        assert_eq!(batch_escape("a=b;c,d:e"), "a:eb:sc:od:ce");
        assert_eq!(batch_unescape(b"a:eb:sc:od:ce:x"), b"a=b;c,d:e:x");
        assert_eq!(
            parse_lookup(format!("1 {n}\n").as_bytes(), "u", "k")
                .unwrap()
                .to_string(),
            n
        );
        assert!(parse_lookup(b"0 unknown revision 'x'\n", "u", "x").is_err());
        let manifest = b"ssh://h/b BUNDLESPEC=gzip-v2\n\
            https://h/s BUNDLESPEC=none-v2%3Bstream%3Dv2\n\
            https://h/p BUNDLESPEC=none-packed1\n\
            https://h/n REQUIRESNI=true\n\
            https://h/ok BUNDLESPEC=zstd-v2 REQUIRESNI=true\n";
        assert_eq!(
            select_clonebundle(manifest).as_deref(),
            Some("https://h/ok")
        );
        assert_eq!(
            select_clonebundle(b"http://h/x BUNDLESPEC=gzip\n").as_deref(),
            Some("http://h/x")
        );
        let n1 = HgNode([1; 20]);
        let args = GetbundleArgs::new(&[n1, n1], &[], Some(BUNDLECAPS));
        let args = args.args();
        let names: Vec<&str> = args.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, ["bundlecaps", "common", "heads"]);
        assert_eq!(args[1].1, b"");
        assert_eq!(args[2].1, format!("{n1} {n1}").as_bytes());
        assert_eq!(GetbundleArgs::new(&[n1], &[n1], None).args().len(), 2);
        assert_eq!(
            parse_listkeys(b"@\tabc\nx\ty\n"),
            vec![
                (b"@".to_vec(), b"abc".to_vec()),
                (b"x".to_vec(), b"y".to_vec())
            ]
        );
    }
}
