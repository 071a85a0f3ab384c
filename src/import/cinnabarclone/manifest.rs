//! The cinnabarclone manifest (spec 9.7): its lines, which one a client
//! picks, and the refs it tries when a line names no branch.
//!
//! Each line reads `<url>[#<branch>] [graft=<commit>[,<commit>…]]`; a line
//! with any other parameter is skipped, so that servers can add some
//! without breaking older clients.

use std::path::Path;

use gix_hash::ObjectId;
use reqwest::Url;

/// One usable line of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloneLine {
    /// Where the mirror is: a git repository or a git bundle.
    pub url: Url,
    /// The ref holding the metadata, when the line names one.
    pub branch: Option<String>,
    /// The commits the mirror's history was grafted onto, if any.
    pub graft: Vec<ObjectId>,
}

/// What `cinnabar.graft` says about grafting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraftMode {
    /// Not set: any line, grafted ones first.
    Unset,
    /// `false`: only lines without `graft=`.
    Disabled,
    /// `true`: only lines with `graft=`, onto the local branches.
    Enabled,
    /// A URL: only lines with `graft=`, onto `refs/cinnabar/graft/*`.
    FromUrl,
}

impl GraftMode {
    /// Reads a `cinnabar.graft` value: a git boolean, or else a URL.
    pub fn from_setting(value: Option<&str>) -> GraftMode {
        match value.map(|v| v.trim().to_ascii_lowercase()) {
            None => GraftMode::Unset,
            Some(v) => match v.as_str() {
                "true" | "yes" | "on" | "1" => GraftMode::Enabled,
                "false" | "no" | "off" | "0" | "" => GraftMode::Disabled,
                _ => GraftMode::FromUrl,
            },
        }
    }
}

/// Parses a URL of a manifest or of `cinnabar.clone`; what is not a URL is
/// a path, made absolute.
pub fn parse_url(text: &str) -> Option<Url> {
    if let Ok(url) = Url::parse(text) {
        // `C:/x` parses with scheme `c`; a one-letter scheme is a drive.
        if url.scheme().len() > 1 {
            return Some(url);
        }
    }
    let path = std::path::absolute(Path::new(text)).ok()?;
    Url::from_file_path(path).ok()
}

/// Parses one non-empty line; `Err` tells why it is skipped.
pub fn parse_line(line: &str) -> Result<CloneLine, String> {
    let (spec, params) = match line.split_once(' ') {
        Some((spec, params)) => (spec, Some(params)),
        None => (line, None),
    };
    let (url, branch) = match spec.split_once('#') {
        Some((url, branch)) => (url, Some(branch.to_string())),
        None => (spec, None),
    };
    let url = parse_url(url).ok_or("invalid url")?;
    let mut graft = Vec::new();
    for param in params.into_iter().flat_map(|p| p.split_ascii_whitespace()) {
        let (key, value) = param.split_once('=').ok_or("Parsing Error")?;
        if key != "graft" {
            return Err("Unknown parameters".into());
        }
        for oid in value.split(',') {
            graft.push(ObjectId::from_hex(oid.as_bytes()).map_err(|e| e.to_string())?);
        }
    }
    Ok(CloneLine { url, branch, graft })
}

/// Picks the line to use: with `graft` unset, the first grafted line whose
/// commits `graftable` accepts, else the first plain line; enabled, only
/// grafted lines; disabled, only plain lines. `log` gets each line and why
/// it was skipped.
pub fn select(
    manifest: &[u8],
    graft: GraftMode,
    graftable: &mut dyn FnMut(&[ObjectId]) -> Result<(), String>,
    log: &mut dyn FnMut(String),
) -> Result<CloneLine, &'static str> {
    let text = String::from_utf8_lossy(manifest);
    let mut candidates = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        log(format!("{line:?}"));
        let info = match parse_line(line) {
            Ok(info) => info,
            Err(e) => {
                log(format!(" Skipping ({e})"));
                continue;
            }
        };
        let grafted = !info.graft.is_empty();
        let skip = match graft {
            GraftMode::Enabled | GraftMode::FromUrl if !grafted => {
                Some("graft enabled but not a graft".to_string())
            }
            GraftMode::Disabled if grafted => Some("graft disabled".to_string()),
            _ if grafted => graftable(&info.graft).err(),
            _ => None,
        };
        match skip {
            Some(why) => log(format!(" Skipping ({why})")),
            None => candidates.push(info),
        }
    }
    // Grafted lines first, even when they come after plain ones.
    let order: &[bool] = match graft {
        GraftMode::Disabled => &[false],
        _ => &[true, false],
    };
    for &grafted in order {
        if let Some(c) = candidates.iter().find(|c| c.graft.is_empty() != grafted) {
            return Ok(c.clone());
        }
    }
    Err(match graft {
        GraftMode::Enabled | GraftMode::FromUrl => {
            "Server advertizes cinnabarclone but didn't provide one that can be used to graft"
        }
        _ => "Server advertizes cinnabarclone but didn't provide an URL to fetch from",
    })
}

/// The refs to look for when a line names no branch, for the Mercurial
/// URL `hg_url`: `scheme://host/a/b/repo` gives `repo`, `b/repo`,
/// `a/b/repo`, `host/a/b/repo` (a host name, not an address), then
/// `metadata`.
pub fn branch_candidates(hg_url: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    match Url::parse(hg_url).ok().filter(|u| u.scheme().len() > 1) {
        Some(url) => {
            if let Some(segments) = url.path_segments() {
                parts.extend(segments.rev().map(str::to_string));
            }
            let host = url.host_str().unwrap_or_default();
            let address = host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok();
            if !address {
                parts.push(host.to_string());
            }
        }
        None => parts.extend(hg_url.rsplit('/').map(str::to_string).collect::<Vec<_>>()),
    }
    let mut names: Vec<String> = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let name = match names.last() {
            Some(last) => format!("{part}/{last}"),
            None => part,
        };
        names.push(name);
    }
    names.push("metadata".into());
    names
}

/// The ref names tried for a branch, in order: itself, under
/// `refs/cinnabar/`, under `refs/heads/`.
pub fn ref_names(branch: &str) -> [String; 3] {
    [
        branch.to_string(),
        format!("refs/cinnabar/{branch}"),
        format!("refs/heads/{branch}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates() {
        assert_eq!(
            branch_candidates("https://server:443/dir_a/dir_b/repo"),
            [
                "repo",
                "dir_b/repo",
                "dir_a/dir_b/repo",
                "server/dir_a/dir_b/repo",
                "metadata"
            ]
        );
        assert_eq!(branch_candidates("https://server/"), ["server", "metadata"]);
        assert_eq!(branch_candidates("http://127.0.0.1:8000/"), ["metadata"]);
        assert_eq!(
            branch_candidates("http://127.0.0.1:8000/x/"),
            ["x", "metadata"]
        );
    }

    #[test]
    fn lines() {
        let l = parse_line("https://h/m.git#foo").unwrap();
        assert_eq!(l.url.as_str(), "https://h/m.git");
        assert_eq!(l.branch.as_deref(), Some("foo"));
        assert!(l.graft.is_empty());
        let oid = "0123456789abcdef0123456789abcdef01234567";
        let l = parse_line(&format!("git://h/m graft={oid},{oid}")).unwrap();
        assert_eq!(l.graft.len(), 2);
        assert_eq!(
            parse_line("https://h/m foo=bar").unwrap_err(),
            "Unknown parameters"
        );
        assert_eq!(parse_line("https://h/m foo").unwrap_err(), "Parsing Error");
        assert!(parse_line("https://h/m graft=xyz").is_err());
        assert_eq!(parse_line("/tmp/m").unwrap().url.scheme(), "file");
    }

    #[test]
    fn selection() {
        let oid = "0123456789abcdef0123456789abcdef01234567";
        let manifest = format!("https://a/x bad=1\nhttps://b/y\nhttps://c/z graft={oid}\n");
        let pick = |mode, ok: bool| {
            select(
                manifest.as_bytes(),
                mode,
                &mut |_| if ok { Ok(()) } else { Err("missing".into()) },
                &mut |_| {},
            )
            .map(|l| l.url.host_str().unwrap_or_default().to_string())
        };
        assert_eq!(pick(GraftMode::Unset, true).unwrap(), "c");
        assert_eq!(pick(GraftMode::Unset, false).unwrap(), "b");
        assert_eq!(pick(GraftMode::Disabled, true).unwrap(), "b");
        assert_eq!(pick(GraftMode::Enabled, true).unwrap(), "c");
        assert!(pick(GraftMode::Enabled, false).is_err());
        assert_eq!(GraftMode::from_setting(Some("hg::x")), GraftMode::FromUrl);
    }
}
