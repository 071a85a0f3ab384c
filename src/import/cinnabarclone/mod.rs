//! cinnabarclone (spec 9.7): a first clone may start from a pre-built git
//! mirror of the metadata, named by `cinnabar.clone` or by the server's
//! `cinnabarclone` manifest; the session then fetches from Mercurial only
//! what the mirror lacks. A mirror that cannot be used is skipped with a
//! warning (an error with `cinnabar.check=cinnabarclone`).

pub mod manifest;
pub mod source;

use gix_hash::ObjectId;

use super::error::{invalid, Result, ResultExt};
use super::importer::Importer;
use crate::metadata::{load, METADATA_REF, NOTES_REF};
use crate::store::commit::parse_commit;
use crate::store::refs::{Expected, RefUpdate};
use crate::store::tree::parse_tree;
use crate::store::ObjectRead;
use crate::wire::open::WireConfig;
use crate::wire::HgPeer;
use manifest::GraftMode;
use source::{Mirror, FETCH_REF};

/// The settings a cinnabarclone reads.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `cinnabar.clone`: a manifest used as is (empty disables).
    pub clone: Option<String>,
    /// `cinnabar.clonebundle`: when set and not empty, the server's
    /// manifest is not asked for.
    pub clonebundle: Option<String>,
    /// `cinnabar.graft`.
    pub graft: Option<String>,
    /// `cinnabar.check` has `cinnabarclone`: failures are fatal.
    pub fatal: bool,
    /// `cinnabarclone` debug logging.
    pub log: bool,
    /// Whether git shows progress.
    pub progress: bool,
}

/// Why a mirror was not used.
enum Failure {
    /// The manifest had nothing usable (a warning).
    Skipped(String),
    /// The mirror failed (an error message).
    Failed(String),
}

/// Adopts the metadata of the mirror that `settings.clone` or the server's
/// manifest names, when there is one. Returns whether it did; on failure,
/// warns and returns `false`, or fails when `settings.fatal`.
pub fn import(
    peer: &mut dyn HgPeer,
    settings: &Settings,
    config: &WireConfig,
    importer: &mut Importer,
) -> Result<bool> {
    let (manifest, from_server) = match &settings.clone {
        Some(m) => (Ok(m.clone().into_bytes()), false),
        None if peer.capability("cinnabarclone").is_some()
            && settings
                .clonebundle
                .as_deref()
                .unwrap_or_default()
                .is_empty() =>
        {
            (peer.call("cinnabarclone", &[]), true)
        }
        None => return Ok(false),
    };
    let outcome = match manifest {
        Ok(m) if m.is_empty() => return Ok(false),
        Ok(m) => use_manifest(&m, from_server, peer.url(), settings, config, importer),
        Err(e) => Err(Failure::Failed(e.to_string())),
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(failure) => {
            match failure {
                Failure::Skipped(m) => eprintln!("WARNING {m}"),
                Failure::Failed(m) => eprintln!("ERROR {m}"),
            }
            if settings.fatal {
                return Err(invalid("cinnabarclone failed"));
            }
            eprintln!("WARNING Falling back to normal clone.");
            Ok(false)
        }
    }
}

/// Picks the manifest line, fetches the mirror and adopts its metadata.
fn use_manifest(
    manifest: &[u8],
    from_server: bool,
    hg_url: &str,
    settings: &Settings,
    config: &WireConfig,
    importer: &mut Importer,
) -> Result<(), Failure> {
    let graft = GraftMode::from_setting(settings.graft.as_deref());
    let mut log = |m: String| {
        if settings.log {
            eprintln!("DEBUG cinnabarclone: {m}");
        }
    };
    let repo = importer.store.repo();
    let line = manifest::select(
        manifest,
        graft,
        &mut |commits| graftable(repo, commits, graft),
        &mut log,
    )
    .map_err(|e| Failure::Skipped(e.into()))?;
    if from_server && !["http", "https", "git"].contains(&line.url.scheme()) {
        return Err(Failure::Skipped(
            "Server advertizes cinnabarclone but provided a non http/https git repository. \
             Skipping."
                .into(),
        ));
    }
    eprintln!(
        "Fetching cinnabar metadata from {}",
        crate::wire::url::strip_credentials(line.url.as_str())
    );
    let failed = |e: super::error::ImportError| Failure::Failed(e.to_string());
    let mut mirror = source::open(repo, &line.url, config).map_err(failed)?;
    let branches = match &line.branch {
        Some(b) => vec![b.clone()],
        None => manifest::branch_candidates(hg_url),
    };
    let (name, commit) = mirror
        .find(&branches)
        .ok_or_else(|| Failure::Failed("Could not find cinnabar metadata".into()))?;
    log(format!("using {name} ({commit})"));
    let result = mirror
        .fetch(repo, &name, &commit, settings.progress)
        .and_then(|()| adopt(&mirror, commit, importer, settings.progress));
    if result.is_err() {
        // What was fetched stays in the object store; the ref goes.
        let _ = importer.store.update_refs(
            &[RefUpdate::delete(FETCH_REF, Expected::Any)],
            "cinnabarclone",
        );
    }
    result.map_err(failed)
}

/// Whether the graft commits of a line are here and reachable from the
/// refs grafting works from (`--branches --tags --remotes`, or
/// `refs/cinnabar/graft/*` when grafting from a URL).
fn graftable(
    repo: &crate::store::Repo,
    commits: &[ObjectId],
    graft: GraftMode,
) -> Result<(), String> {
    if !commits.iter().all(|c| repo.contains(c)) {
        return Err("missing commit(s) for graft".into());
    }
    let mut cmd = std::process::Command::new("git");
    cmd.arg("--git-dir").arg(repo.git_dir()).arg("rev-list");
    match graft {
        GraftMode::FromUrl => cmd.arg("--glob=refs/cinnabar/graft/*"),
        _ => cmd.args(["--branches", "--tags", "--remotes"]),
    };
    cmd.args(["--max-count=1", "--ancestry-path"])
        .args(commits.iter().map(|c| format!("^{c}^@")))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => Ok(()),
        _ => Err("graft commit(s) unreachable".into()),
    }
}

/// Checks the fetched metadata commit (author `cinnabar@git`, exactly the
/// current format flags, every replaced commit present, a loadable state),
/// then makes it `refs/cinnabar/metadata` in one ref transaction (it must
/// not exist yet) and the importer's state.
fn adopt(mirror: &Mirror, commit: ObjectId, importer: &mut Importer, progress: bool) -> Result<()> {
    let mut buf = Vec::new();
    importer
        .store
        .read(&commit, &mut buf)
        .context_with(|| format!("cannot read {commit}"))?;
    let invalid_metadata = || invalid("Invalid cinnabar metadata.");
    let parsed = parse_commit(&buf).map_err(|_| invalid_metadata())?;
    let mut flags: Vec<&[u8]> = parsed
        .message
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty())
        .collect();
    flags.sort();
    let author_ok = memchr::memmem::find(parsed.author, b"cinnabar@git").is_some();
    if !author_ok || flags != [&b"files-meta"[..], &b"unified-manifests-v2"[..]] {
        return Err(invalid_metadata());
    }
    let tree = parsed.tree;
    let git2hg = parsed
        .parents
        .get(3)
        .copied()
        .ok_or_else(invalid_metadata)?;
    // The replace tree's gitlinks: commits the mirror grafted onto.
    let mut replaced = Vec::new();
    importer.store.read(&tree, &mut buf)?;
    for entry in parse_tree(&buf) {
        let entry = entry.map_err(|_| invalid_metadata())?;
        let name = String::from_utf8_lossy(entry.name).into_owned();
        replaced.push((name, entry.oid));
    }
    let mut refspecs = Vec::new();
    let mut missing = Vec::new();
    for (name, oid) in &replaced {
        if importer.store.repo().contains(oid) {
            continue;
        }
        match mirror.refs.iter().find(|(_, o)| o == oid) {
            Some((r, _)) if matches!(mirror.origin, source::Origin::Repository) => {
                refspecs.push(format!("{r}:refs/cinnabar/replace/{name}"));
            }
            _ => missing.push(format!("Missing commit: {oid}")),
        }
    }
    if !missing.is_empty() {
        return Err(invalid(missing.join("\n")));
    }
    mirror.git_fetch(importer.store.repo(), &refspecs, progress)?;
    let state = load::load(&mut importer.store, Some(commit))?;
    let mut updates = vec![
        RefUpdate::set(METADATA_REF, Expected::Absent, commit),
        RefUpdate::set(NOTES_REF, Expected::Any, git2hg),
        RefUpdate::delete(FETCH_REF, Expected::Any),
    ];
    for (name, oid) in replaced {
        updates.push(RefUpdate::set(
            format!("refs/cinnabar/replace/{name}"),
            Expected::Any,
            oid,
        ));
    }
    importer.store.update_refs(&updates, "cinnabarclone")?;
    importer.state = state;
    Ok(())
}
