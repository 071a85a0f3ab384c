//! A push session (spec 7, 8.4, 10.2): git commits go to a Mercurial
//! server as `hg push` sends changesets, with its safety checks, and the
//! metadata keeps the new changesets only once the server took them.
//!
//! The order is: discovery (what the server has), the commits to send
//! (`rev-list` of the pushed commits without what the server has), their
//! conversion, the checks (shallow clone, unrelated history, new root, new
//! heads), the bundle (streamed from a temporary file to `unbundle`), the
//! bookmarks (`pushkey`), then the metadata: committed in one ref
//! transaction, or discarded, as `cinnabar.data` says. Anything that fails
//! before the server accepted leaves the metadata as it was.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{Seek, SeekFrom, Write};

use gix_hash::ObjectId;

use super::bundle::write_bundle;
use super::changegroup::write_changegroup;
use super::changeset::CommitInfo;
use super::error::{invalid, io_error, Result};
use super::git::{is_ancestor, resolve_commit};
use super::{Converted, Exporter};
use crate::hg::bundle::{Bundle2Writer, BundleSpec, Compression};
use crate::hg::changeset::unescape_extra;
use crate::hg::{CgVersion, HgNode};
use crate::metadata::graph::ChangesetGraph;
use crate::util::Progress;
use crate::wire::discovery::find_common;
use crate::wire::unbundle::{replycaps, show_output};
use crate::wire::{HgPeer, PushHeads, WireError};

/// What `cinnabar.data` says to keep of a push (spec 7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataMode {
    /// Keep the new metadata when the server is publishing or none of the
    /// pushed heads reaches a draft changeset.
    #[default]
    Phase,
    /// Always keep it (not for `--dry-run`).
    Always,
    /// Never keep it: a fetch brings it later.
    Never,
    /// Always keep it, even for `--dry-run`.
    Force,
}

impl DataMode {
    /// Parses a `cinnabar.data` value; unset is `phase`.
    pub fn parse(value: Option<&str>) -> Result<DataMode> {
        match value {
            None | Some("phase") => Ok(DataMode::Phase),
            Some("always") => Ok(DataMode::Always),
            Some("never") => Ok(DataMode::Never),
            Some("force") => Ok(DataMode::Force),
            Some(v) => Err(invalid(format!(
                "invalid value for cinnabar.data: {v} (phase, always, never or force)"
            ))),
        }
    }
}

/// Where a git ref goes on the Mercurial side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A named branch (its name as ref names show it: URL-quoted), its tip
    /// or one of its heads.
    Branch(String),
    /// A bookmark.
    Bookmark(String),
    /// Something that cannot be pushed, and why.
    Refused(String),
}

/// One `push [+]<src>:<dst>` of git.
#[derive(Clone, Debug)]
pub struct PushRef {
    /// The pushed commit; `None` deletes `dst`.
    pub src: Option<ObjectId>,
    /// The git ref name, as git gave it.
    pub dst: String,
    /// `+`: forced.
    pub force: bool,
    /// What `dst` stands for.
    pub target: Destination,
}

/// What the remote has, from the helper's listing.
#[derive(Clone, Debug, Default)]
pub struct RemoteHeads {
    /// Branches (URL-quoted names, as in branchmap) and their heads.
    pub branches: Vec<(String, Vec<HgNode>)>,
    /// Bookmarks and their changesets.
    pub bookmarks: Vec<(String, HgNode)>,
    /// The topological heads.
    pub heads: Vec<HgNode>,
}

/// How a push runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct PushOptions {
    pub dry_run: bool,
    pub data: DataMode,
    pub progress: bool,
    /// Debug output of discovery (`cinnabar.log` `find-common`).
    pub log: bool,
}

/// The answer for one ref: `Ok` or why not.
pub type RefOutcome = std::result::Result<(), String>;

/// A push: the exporter (store and metadata), the server, what it has.
pub struct Pusher {
    exporter: Exporter,
    peer: Box<dyn HgPeer>,
    remote: RemoteHeads,
    options: PushOptions,
}

const SHALLOW: &str = "Pushing git shallow clones is not supported";
const UNRELATED: &str = "Cannot push to this remote without pulling/updating first";

impl Pusher {
    /// A push over `peer` of what `exporter` converts.
    pub fn new(
        exporter: Exporter,
        peer: Box<dyn HgPeer>,
        remote: RemoteHeads,
        options: PushOptions,
    ) -> Pusher {
        Pusher {
            exporter,
            peer,
            remote,
            options,
        }
    }

    /// The commit `rev` names in the git repository.
    pub fn resolve(&self, rev: &str) -> Result<ObjectId> {
        resolve_commit(self.exporter.git_dir(), rev)
    }

    /// Pushes `refs`; returns the outcome of each, in order. An `Err` is a
    /// failure of the whole push (nothing kept in the metadata).
    pub fn push(mut self, refs: &[PushRef]) -> Result<Vec<RefOutcome>> {
        let result = self.run(refs);
        if result.is_err() {
            self.exporter.discard();
        }
        result
    }

    fn run(&mut self, refs: &[PushRef]) -> Result<Vec<RefOutcome>> {
        let mut outcomes: Vec<Option<RefOutcome>> = vec![None; refs.len()];
        // Refs whose commit goes to the server.
        let mut pushing: Vec<usize> = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            match (&r.target, r.src) {
                (Destination::Refused(why), _) => outcomes[i] = Some(Err(why.clone())),
                (Destination::Branch(_), None) => {
                    outcomes[i] = Some(Err("Deleting remote branches is unsupported".into()))
                }
                (Destination::Bookmark(_), None) => {}
                (_, Some(_)) => pushing.push(i),
            }
        }
        let forced = pushing.iter().any(|&i| refs[i].force);
        let all_fail = |outcomes: &mut Vec<Option<RefOutcome>>, why: &str| {
            for o in outcomes.iter_mut().filter(|o| o.is_none()) {
                *o = Some(Err(why.to_string()));
            }
        };

        let mut to_send: Vec<Converted> = Vec::new();
        if !pushing.is_empty() {
            match self.prepare(refs, &pushing, forced)? {
                Ok(c) => to_send = c,
                Err(why) => {
                    for &i in &pushing {
                        outcomes[i] = Some(Err(why.clone()));
                    }
                }
            }
        }
        // Bookmarks whose commit could not be pushed stay as they are.
        let bookmark_ops: Vec<usize> = refs
            .iter()
            .enumerate()
            .filter(|(i, r)| matches!(r.target, Destination::Bookmark(_)) && outcomes[*i].is_none())
            .map(|(i, _)| i)
            .collect();

        if self.options.dry_run {
            all_fail_ok(&mut outcomes);
            if self.options.data == DataMode::Force {
                self.keep()?;
            } else {
                self.exporter.discard();
            }
            return Ok(finish(outcomes));
        }

        if !to_send.is_empty() {
            if let Err(why) = self.send(&to_send, forced)? {
                all_fail(&mut outcomes, &why);
                self.exporter.discard();
                return Ok(finish(outcomes));
            }
        }

        for i in bookmark_ops {
            let r = &refs[i];
            let Destination::Bookmark(name) = &r.target else {
                continue;
            };
            outcomes[i] = Some(self.push_bookmark(name, r.src)?);
        }
        all_fail_ok(&mut outcomes);

        let keep = match self.options.data {
            DataMode::Never => false,
            DataMode::Always | DataMode::Force => true,
            DataMode::Phase => {
                let heads: Vec<ObjectId> = pushing.iter().filter_map(|&i| refs[i].src).collect();
                self.phase_allows(&heads)?
            }
        };
        if keep && !to_send.is_empty() {
            self.keep()?;
        } else {
            self.exporter.discard();
        }
        Ok(finish(outcomes))
    }

    /// Discovery, the commits to send and their conversion, and the
    /// checks. `Ok(Err(why))` refuses the push of every pushing ref.
    fn prepare(
        &mut self,
        refs: &[PushRef],
        pushing: &[usize],
        forced: bool,
    ) -> Result<std::result::Result<Vec<Converted>, String>> {
        let remote_heads: Vec<HgNode> = self
            .remote
            .branches
            .iter()
            .flat_map(|(_, h)| h.iter().copied())
            .collect();
        let common = {
            let mut graph = ChangesetGraph {
                store: &mut self.exporter.store,
                state: &self.exporter.state,
            };
            find_common(
                self.peer.as_mut(),
                &mut graph,
                &remote_heads,
                self.options.log,
            )?
        };
        let common_commits: Vec<ObjectId> = common
            .iter()
            .filter_map(|n| self.exporter.state.hg2git(n))
            .collect();
        let srcs: Vec<ObjectId> = pushing.iter().filter_map(|&i| refs[i].src).collect();
        let outgoing = self.rev_list(&srcs, &common_commits)?;

        let shallow = self.shallow_commits();
        if outgoing.iter().any(|c| shallow.contains(c)) {
            return Ok(Err(SHALLOW.into()));
        }

        // A push to `branches/<new>/tip` starts the named branch <new>.
        for &i in pushing {
            let (Destination::Branch(name), Some(src)) = (&refs[i].target, refs[i].src) else {
                continue;
            };
            if self.remote.branches.iter().any(|(b, _)| b == name) {
                continue;
            }
            let branch: Vec<u8> = percent_encoding::percent_decode(name.as_bytes()).collect();
            if branch == b"default" {
                continue;
            }
            let commits = self.rev_list(&[src], &common_commits)?;
            let set: HashSet<ObjectId> = commits.iter().copied().collect();
            let mut buf = Vec::new();
            for c in &commits {
                let info = CommitInfo::read(&mut self.exporter.store, c, &mut buf)?;
                let first = info.parents.first().copied();
                if first.is_some_and(|p| set.contains(&p)) {
                    continue;
                }
                let inherited = match first {
                    Some(p) => self.exporter.branch_of(&p)?,
                    None => None,
                };
                let inherited = inherited
                    .map(|b| unescape_extra(&b))
                    .unwrap_or_else(|| b"default".to_vec());
                if inherited != branch {
                    self.exporter.set_branch(*c, &branch);
                }
            }
        }

        let mut progress = Progress::exact(self.options.progress);
        let mut converted = Vec::with_capacity(outgoing.len());
        for (n, c) in outgoing.iter().enumerate() {
            converted.extend(self.exporter.convert(std::slice::from_ref(c))?);
            progress.update("Converting commits", n as u64 + 1);
        }
        progress.finish();
        for w in self.exporter.take_warnings() {
            eprintln!("warning: {w}");
        }

        // What the server already has (e.g. pushed before without
        // keeping the metadata) is not sent again.
        let mut remote_known = HashSet::new();
        if !remote_heads.is_empty() && !converted.is_empty() {
            let nodes: Vec<HgNode> = converted.iter().map(|c| c.node).collect();
            for chunk in nodes.chunks(self.peer.sample_size().max(1)) {
                let known = self.peer.known(chunk)?;
                remote_known.extend(chunk.iter().zip(known).filter(|(_, k)| *k).map(|(n, _)| *n));
            }
        }
        if !remote_heads.is_empty() && common.is_empty() && remote_known.is_empty() {
            return Ok(Err(UNRELATED.into()));
        }
        converted.retain(|c| !remote_known.contains(&c.node));

        if !remote_heads.is_empty() && converted.iter().any(|c| c.parents == [HgNode::NULL; 2]) {
            if !forced {
                return Ok(Err(
                    "Pushing a new root is refused without forcing it (git push -f)".into(),
                ));
            }
            eprintln!("WARNING Pushing a new root");
        }
        if let Err(why) = self.check_heads(refs, pushing, &converted, forced)? {
            return Ok(Err(why));
        }
        Ok(Ok(converted))
    }

    /// `rev-list --topo-order --reverse <heads> --not <exclude>`.
    fn rev_list(&self, heads: &[ObjectId], exclude: &[ObjectId]) -> Result<Vec<ObjectId>> {
        let mut args: Vec<OsString> = heads.iter().map(|c| c.to_string().into()).collect();
        if !exclude.is_empty() {
            args.push("--not".into());
            args.extend(exclude.iter().map(|c| c.to_string().into()));
        }
        self.exporter.rev_list(&args)
    }

    /// The boundary commits of a shallow clone.
    fn shallow_commits(&self) -> HashSet<ObjectId> {
        let path = self.exporter.git_dir().join("shallow");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| ObjectId::from_hex(l.trim().as_bytes()).ok())
            .collect()
    }

    /// Refuses, as `hg push` does, a push that adds a head to a remote
    /// branch, or that starts a branch no ref names, unless forced.
    fn check_heads(
        &mut self,
        refs: &[PushRef],
        pushing: &[usize],
        converted: &[Converted],
        forced: bool,
    ) -> Result<std::result::Result<(), String>> {
        if forced || converted.is_empty() {
            return Ok(Ok(()));
        }
        // The branch of each changeset sent.
        let mut branch_of: HashMap<HgNode, Vec<u8>> = HashMap::new();
        for c in converted {
            let b = self
                .exporter
                .branch_of(&c.commit)?
                .map(|b| unescape_extra(&b))
                .unwrap_or_else(|| b"default".to_vec());
            branch_of.insert(c.node, b);
        }
        let mut branches: Vec<Vec<u8>> = Vec::new();
        for c in converted {
            if !branches.contains(&branch_of[&c.node]) {
                branches.push(branch_of[&c.node].clone());
            }
        }
        let named: HashSet<Vec<u8>> = pushing
            .iter()
            .filter_map(|&i| match &refs[i].target {
                Destination::Branch(b) => {
                    Some(percent_encoding::percent_decode(b.as_bytes()).collect())
                }
                _ => None,
            })
            .collect();
        let bookmarked: HashSet<ObjectId> = pushing
            .iter()
            .filter(|&&i| matches!(refs[i].target, Destination::Bookmark(_)))
            .filter_map(|&i| refs[i].src)
            .collect();
        for branch in branches {
            let shown = String::from_utf8_lossy(&branch).into_owned();
            let old: Vec<HgNode> = self
                .remote
                .branches
                .iter()
                .find(|(b, _)| {
                    percent_encoding::percent_decode(b.as_bytes()).collect::<Vec<u8>>() == branch
                })
                .map(|(_, h)| h.clone())
                .unwrap_or_default();
            let on_branch: Vec<&Converted> = converted
                .iter()
                .filter(|c| branch_of[&c.node] == branch)
                .collect();
            let new_heads: Vec<&Converted> = on_branch
                .iter()
                .filter(|c| !on_branch.iter().any(|d| d.parents.contains(&c.node)))
                .copied()
                .collect();
            if old.is_empty() {
                if !named.contains(&branch) {
                    return Ok(Err(format!("push creates new remote branches: {shown}!")));
                }
                continue;
            }
            let mut remaining = 0;
            for h in &old {
                let Some(h_commit) = self.exporter.state.hg2git(h) else {
                    remaining += 1;
                    continue;
                };
                let mut superseded = false;
                for n in &new_heads {
                    if is_ancestor(self.exporter.git_dir(), &h_commit, &n.commit)? {
                        superseded = true;
                        break;
                    }
                }
                if !superseded {
                    remaining += 1;
                }
            }
            let added: Vec<&&Converted> = new_heads
                .iter()
                .filter(|n| !bookmarked.contains(&n.commit))
                .collect();
            let bookmarked_heads = new_heads.len() - added.len();
            if remaining + new_heads.len() - bookmarked_heads > old.len() {
                // The head that descends from none of the remote heads.
                let mut culprit = added.first().map(|c| c.node);
                for n in &added {
                    let mut descends = false;
                    for h in &old {
                        if let Some(hc) = self.exporter.state.hg2git(h) {
                            if is_ancestor(self.exporter.git_dir(), &hc, &n.commit)? {
                                descends = true;
                                break;
                            }
                        }
                    }
                    if !descends {
                        culprit = Some(n.node);
                        break;
                    }
                }
                let short = culprit
                    .map(|n| n.to_string()[..12].to_string())
                    .unwrap_or_default();
                return Ok(Err(format!(
                    "push creates new remote head {short} on branch '{shown}'! \
                     (merge or pull first, or force the push with git push -f)"
                )));
            }
        }
        Ok(Ok(()))
    }

    /// Writes the bundle the server takes and sends it. `Ok(Err(why))`
    /// is a refusal.
    fn send(
        &mut self,
        converted: &[Converted],
        forced: bool,
    ) -> Result<std::result::Result<(), String>> {
        let mut file = tempfile::tempfile().map_err(io_error("cannot create a temporary file"))?;
        let err = || io_error("cannot write the bundle");
        match self.peer.bundle2_caps() {
            Some(caps) => {
                let v2 = caps
                    .iter()
                    .any(|(k, v)| k == "changegroup" && v.iter().any(|v| v == "02"));
                if v2 {
                    let mut writer =
                        Bundle2Writer::new(&mut file, Compression::None).map_err(err())?;
                    writer
                        .add_part("replycaps", true, &[], replycaps().as_bytes())
                        .map_err(err())?;
                    let part = writer
                        .start_part("changegroup", true, &[("version", "02")])
                        .map_err(err())?;
                    let part = write_changegroup(
                        &mut self.exporter.store,
                        &self.exporter.state,
                        converted,
                        CgVersion::V2,
                        part,
                    )?;
                    part.finish().map_err(err())?;
                    writer.finish().map_err(err())?;
                } else {
                    let mut writer =
                        Bundle2Writer::new(&mut file, Compression::None).map_err(err())?;
                    let part = writer
                        .start_part("changegroup", true, &[("version", "01")])
                        .map_err(err())?;
                    let part = write_changegroup(
                        &mut self.exporter.store,
                        &self.exporter.state,
                        converted,
                        CgVersion::V1,
                        part,
                    )?;
                    part.finish().map_err(err())?;
                    writer.finish().map_err(err())?;
                }
            }
            None => {
                write_bundle(
                    &mut self.exporter.store,
                    &self.exporter.state,
                    converted,
                    BundleSpec::Raw,
                    &mut file,
                )?;
            }
        }
        file.flush().map_err(err())?;
        file.seek(SeekFrom::Start(0)).map_err(err())?;
        let heads = if forced {
            PushHeads::Force
        } else {
            PushHeads::Expect(&self.remote.heads)
        };
        let mut body = ProgressReader {
            inner: file,
            done: 0,
            progress: Progress::exact(self.options.progress),
        };
        let result = self.peer.unbundle(heads, &mut body);
        body.progress.finish();
        match result {
            Ok(reply) => {
                show_output(&reply.output);
                if reply.succeeded() {
                    Ok(Ok(()))
                } else {
                    Ok(Err("the server did not apply the changes".into()))
                }
            }
            Err(WireError::PushRefused(refusal)) => {
                show_output(&refusal.output);
                Ok(Err(refusal.error.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates, moves or deletes a bookmark with `pushkey`, checking its
    /// old value as `hg push -B` does.
    fn push_bookmark(&mut self, name: &str, src: Option<ObjectId>) -> Result<RefOutcome> {
        let old = self
            .remote
            .bookmarks
            .iter()
            .find(|(b, _)| b == name)
            .map(|(_, n)| *n);
        let new = match src {
            Some(c) => match self.exporter.changeset_of(&c)? {
                Some(info) => Some(info.node),
                None => return Ok(Err(format!("commit {c} was not converted"))),
            },
            None => None,
        };
        if old.is_none() && new.is_none() {
            return Ok(Err(format!("bookmark {name} does not exist on the remote")));
        }
        if old == new {
            return Ok(Ok(()));
        }
        let hex = |n: Option<HgNode>| n.map(|n| n.to_string()).unwrap_or_default();
        let done = self.peer.pushkey("bookmarks", name, &hex(old), &hex(new))?;
        Ok(if done {
            Ok(())
        } else {
            Err(format!(
                "the server refused to update bookmark {name} (changed since it was listed?)"
            ))
        })
    }

    /// For `cinnabar.data=phase`: whether the server publishes, or none of
    /// `heads` reaches one of its draft changesets.
    fn phase_allows(&mut self, heads: &[ObjectId]) -> Result<bool> {
        let phases = self.peer.listkeys("phases")?;
        if phases
            .iter()
            .any(|(k, v)| k == b"publishing" && v == b"True")
        {
            return Ok(true);
        }
        for (k, _) in &phases {
            let Ok(node) = HgNode::from_hex(k) else {
                continue;
            };
            let Some(draft) = self.exporter.state.hg2git(&node) else {
                continue;
            };
            for h in heads {
                if is_ancestor(self.exporter.git_dir(), &draft, h)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Commits the metadata with the new changesets.
    fn keep(&mut self) -> Result<()> {
        if self.exporter.state.is_modified() {
            self.exporter.commit()?;
        } else {
            self.exporter.discard();
        }
        Ok(())
    }
}

/// A reader that shows how many bytes went through it.
struct ProgressReader<R> {
    inner: R,
    done: u64,
    progress: Progress,
}

impl<R: std::io::Read> std::io::Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        self.progress.update("Sending bytes", self.done);
        Ok(n)
    }
}

/// Every ref without an outcome yet succeeded.
fn all_fail_ok(outcomes: &mut [Option<RefOutcome>]) {
    for o in outcomes.iter_mut().filter(|o| o.is_none()) {
        *o = Some(Ok(()));
    }
}

fn finish(outcomes: Vec<Option<RefOutcome>>) -> Vec<RefOutcome> {
    outcomes.into_iter().map(|o| o.unwrap_or(Ok(()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_modes() {
        assert_eq!(DataMode::parse(None).unwrap(), DataMode::Phase);
        assert_eq!(DataMode::parse(Some("force")).unwrap(), DataMode::Force);
        assert!(DataMode::parse(Some("sometimes")).is_err());
    }
}
