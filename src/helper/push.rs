//! The `push` command of the remote-helper protocol (spec 10.2): a batch
//! of `push [+]<src>:<dst>` lines, answered `ok <dst>` or
//! `error <dst> <why>` per ref. Destinations follow the push ref style
//! (`cinnabar.pushrefs`, else `cinnabar.refs`; spec 10.3).

use crate::export::push::{DataMode, Destination, PushOptions, PushRef, Pusher, RemoteHeads};
use crate::export::Exporter;
use crate::import::session::Session;

use super::names::ref_to_hg;
use super::refs::RefStyle;

/// What `dst` stands for in `style`, with the Mercurial name decoded from
/// the ref ([`ref_to_hg`]).
pub fn destination(style: RefStyle, dst: &str) -> Destination {
    if dst.starts_with("refs/tags/") {
        return Destination::Refused("Pushing tags is unsupported".into());
    }
    let Some(rest) = dst.strip_prefix("refs/heads/") else {
        return Destination::Refused(format!("cannot push to {dst}: not a branch ref"));
    };
    // `<branch>/tip` or `<branch>/<head>`.
    let branch_or_head = |rest: &str| -> Option<Vec<u8>> {
        let (branch, last) = rest.rsplit_once('/')?;
        let is_head = last.len() == 40 && last.bytes().all(|b| b.is_ascii_hexdigit());
        (last == "tip" || is_head)
            .then(|| ref_to_hg(branch))
            .filter(|b| !b.is_empty())
    };
    let unknown = || Destination::Refused(format!("cannot push to {dst} (cinnabar.pushrefs)"));
    if style.bookmarks && (style.heads || style.tips) {
        if let Some(name) = rest.strip_prefix("bookmarks/") {
            return Destination::Bookmark(ref_to_hg(name));
        }
        let Some(rest) = rest.strip_prefix("branches/") else {
            return unknown();
        };
        if style.heads {
            return branch_or_head(rest)
                .map(Destination::Branch)
                .unwrap_or_else(unknown);
        }
        return Destination::Branch(ref_to_hg(rest));
    }
    if style.bookmarks {
        return Destination::Bookmark(ref_to_hg(rest));
    }
    if style.heads {
        return branch_or_head(rest)
            .map(Destination::Branch)
            .unwrap_or_else(unknown);
    }
    Destination::Branch(ref_to_hg(rest))
}

/// Pushes the `[+]<src>:<dst>` specs of one batch; returns the reply
/// lines (without the final blank line). The session ends with it.
pub fn push(
    session: Session,
    specs: &[String],
    dry_run: bool,
    progress: bool,
) -> miette::Result<Vec<String>> {
    let style = match session
        .config("pushrefs")
        .or_else(|| session.config("refs"))
    {
        Some(v) => RefStyle::parse(&v).map_err(|e| miette::miette!("{e}"))?,
        None => RefStyle::default(),
    };
    let data = DataMode::parse(session.config("data").as_deref())?;
    let log = crate::util::log_enabled(session.config("log").as_deref(), "find-common");
    let parts = session.into_push_parts()?;
    let remote = RemoteHeads {
        branches: parts
            .remote
            .branches
            .iter()
            .map(|b| (b.name.clone(), b.heads.clone()))
            .collect(),
        bookmarks: parts.remote.bookmarks.clone(),
        heads: parts.topo_heads.clone(),
    };
    let exporter = Exporter::new(parts.store, parts.state);
    let pusher = Pusher::new(
        exporter,
        parts.peer,
        remote,
        PushOptions {
            dry_run,
            data,
            progress,
            log,
        },
    );
    let mut refs = Vec::with_capacity(specs.len());
    for spec in specs {
        let (force, spec) = match spec.strip_prefix('+') {
            Some(s) => (true, s),
            None => (false, spec.as_str()),
        };
        let (src, dst) = spec.split_once(':').unwrap_or((spec, spec));
        let mut target = destination(style, dst);
        let src = if src.is_empty() {
            None
        } else {
            match pusher.resolve(src) {
                Ok(c) => Some(c),
                Err(e) => {
                    target = Destination::Refused(e.to_string());
                    None
                }
            }
        };
        refs.push(PushRef {
            src,
            dst: dst.to_string(),
            force,
            target,
        });
    }
    let outcomes = match pusher.push(&refs) {
        Ok(o) => o,
        Err(e) => {
            let why = one_line(&e.to_string());
            refs.iter().map(|_| Err(why.clone())).collect()
        }
    };
    Ok(refs
        .iter()
        .zip(outcomes)
        .map(|(r, o)| match o {
            Ok(()) => format!("ok {}", r.dst),
            Err(why) => format!("error {} {}", r.dst, one_line(&why)),
        })
        .collect())
}

fn one_line(s: &str) -> String {
    s.trim().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations() {
        let all = RefStyle::default();
        assert_eq!(
            destination(all, "refs/heads/branches/default/tip"),
            Destination::Branch(b"default".to_vec())
        );
        assert_eq!(
            destination(
                all,
                "refs/heads/branches/a/b/0123456789abcdef0123456789abcdef01234567"
            ),
            Destination::Branch(b"a/b".to_vec())
        );
        assert_eq!(
            destination(all, "refs/heads/bookmarks/x"),
            Destination::Bookmark(b"x".to_vec())
        );
        assert!(matches!(
            destination(all, "refs/tags/v1"),
            Destination::Refused(_)
        ));
        assert!(matches!(
            destination(all, "refs/heads/main"),
            Destination::Refused(_)
        ));
        let bookmarks = RefStyle::parse("bookmarks").unwrap();
        assert_eq!(
            destination(bookmarks, "refs/heads/main"),
            Destination::Bookmark(b"main".to_vec())
        );
        let tips = RefStyle::parse("tips").unwrap();
        assert_eq!(
            destination(tips, "refs/heads/foo"),
            Destination::Branch(b"foo".to_vec())
        );
        assert_eq!(
            destination(all, "refs/heads/branches/a%2Bb%7Ec/tip"),
            Destination::Branch(b"a+b~c".to_vec())
        );
        assert_eq!(
            destination(all, "refs/heads/branches/caf%25%C3%A9/tip"),
            Destination::Branch("caf%\u{e9}".as_bytes().to_vec())
        );
        assert_eq!(
            destination(all, "refs/heads/bookmarks/wip%7E1"),
            Destination::Bookmark(b"wip~1".to_vec())
        );
    }
}
