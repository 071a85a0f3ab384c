//! `git cinnabar fetch <remote|url> <rev>…`: import given changesets and
//! record them in `FETCH_HEAD`, as `git fetch` would.

use std::io::Write;

use super::error::{invalid, Result, ResultExt};
use gix_hash::ObjectId;

use super::session::Session;
use crate::hg::HgNode;
use crate::metadata::history::BROKEN_REF;
use crate::metadata::METADATA_REF;
use crate::store::Repo;
use crate::wire::url::HgUrl;

/// A remote name or URL resolved to the URL to use, with its `hg::` form
/// for messages and the remote name if one was given.
pub struct FetchSource {
    pub url: HgUrl,
    pub shown: String,
    pub remote: Option<String>,
}

/// Resolves `remote`: a git remote whose URL is `hg::…`, or a URL (with or
/// without `hg::`).
pub fn resolve_source(repo: &Repo, remote: &str) -> Result<FetchSource> {
    let (raw, name) = match repo.config_string(&format!("remote.{remote}.url")) {
        Some(url) if !remote.contains([':', '/']) => (url, Some(remote.to_string())),
        _ => (remote.to_string(), None),
    };
    let bare = crate::wire::url::strip_hg_prefix(&raw);
    if name.is_some() && !raw.starts_with("hg::") {
        return Err(invalid(format!(
            "{remote} is not a Mercurial remote ({raw})"
        )));
    }
    let url =
        HgUrl::parse(bare).map_err(|e| invalid(format!("invalid Mercurial URL {bare:?}: {e}")))?;
    Ok(FetchSource {
        url,
        shown: format!("hg::{bare}"),
        remote: name,
    })
}

/// A full 40-hex changeset id, if `rev` is one.
fn full_id(rev: &str) -> Option<HgNode> {
    (rev.len() == 40)
        .then(|| HgNode::from_hex(rev.as_bytes()).ok())
        .flatten()
}

/// Refuses to work on metadata flagged as broken.
pub fn check_not_broken(repo: &Repo) -> Result<()> {
    let metadata = repo.find_ref(METADATA_REF)?;
    if metadata.is_some() && metadata == repo.find_ref(BROKEN_REF)? {
        return Err(invalid("Broken metadata. Run `git cinnabar rollback --fsck` to go back to the last checked state, or `git cinnabar fsck` to check again."));
    }
    Ok(())
}

/// Opens a session on `source` and resolves `revs` to changeset ids.
fn open(
    source: &FetchSource,
    revs: &[String],
    progress: bool,
) -> Result<(Session, Vec<HgNode>, std::path::PathBuf)> {
    let repo = Repo::open()?;
    check_not_broken(&repo)?;
    let git_dir = repo.git_dir().to_path_buf();
    let mut session = Session::with_repo(repo, &source.url, source.remote.as_deref(), progress)?;
    let mut nodes = Vec::with_capacity(revs.len());
    for rev in revs {
        let node = match full_id(rev) {
            Some(node) => node,
            None => session
                .lookup(rev)
                .context_with(|| format!("Invalid revision: {rev}"))?,
        };
        nodes.push(node);
    }
    session.require_known(&nodes, &source.shown)?;
    Ok((session, nodes, git_dir))
}

/// Writes the bundle the remote sends for `revs` to `out`, importing
/// nothing (`fetch --bundle`).
pub fn fetch_bundle(source: &FetchSource, revs: &[String], out: &mut dyn Write) -> Result<()> {
    let (mut session, nodes, _) = open(source, revs, false)?;
    session.write_bundle(&nodes, out)
}

/// Imports `revs` (full changeset ids, or names the remote looks up) from
/// `source` and writes `FETCH_HEAD`. Returns the changesets and their
/// commits, in the order of `revs`.
pub fn fetch(
    source: &FetchSource,
    revs: &[String],
    progress: bool,
) -> Result<Vec<(HgNode, ObjectId)>> {
    let (mut session, nodes, git_dir) = open(source, revs, progress)?;
    session.fetch(&nodes)?;
    let mut commits = Vec::with_capacity(revs.len());
    for rev in &nodes {
        let commit = session
            .hg2git_commit(rev)
            .ok_or_else(|| invalid(format!("{} did not send changeset {rev}", source.shown)))?;
        commits.push((*rev, commit));
    }
    session.commit(&[])?;
    let mut fetch_head = Vec::new();
    for (rev, commit) in &commits {
        writeln!(
            fetch_head,
            "{commit}\t\t'hg/revs/{rev}' of {}",
            source.shown
        )?;
    }
    let path = git_dir.join("FETCH_HEAD");
    std::fs::write(&path, fetch_head)
        .context_with(|| format!("cannot write {}", path.display()))?;
    Ok(commits)
}
