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

mod checks;
mod prepare;
mod upload;

use gix_hash::ObjectId;

use super::error::{invalid, Result};
use super::git::{is_ancestor, resolve_commit};
use super::{Converted, Exporter};
use crate::hg::HgNode;
use crate::wire::HgPeer;

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
    /// A named branch (its Mercurial name, decoded from the ref), its tip
    /// or one of its heads.
    Branch(Vec<u8>),
    /// A bookmark (its Mercurial name, decoded from the ref).
    Bookmark(Vec<u8>),
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
    /// Branches (Mercurial names) and their heads.
    pub branches: Vec<(Vec<u8>, Vec<HgNode>)>,
    /// Bookmarks (Mercurial names) and their changesets.
    pub bookmarks: Vec<(Vec<u8>, HgNode)>,
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

/// The answer for a branch ref whose commit the server already has.
const NOTHING_CHANGED: &str = "nothing changed on remote";

/// The answer for one ref: `Ok` or why not.
pub type RefOutcome = std::result::Result<(), String>;

/// A push: the exporter (store and metadata), the server, what it has.
pub struct Pusher {
    exporter: Exporter,
    peer: Box<dyn HgPeer>,
    remote: RemoteHeads,
    options: PushOptions,
}

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
        // `unbundle` without the server's heads check only when every
        // ref is forced (as git-cinnabar).
        let forced = !pushing.is_empty() && pushing.iter().all(|&i| refs[i].force);
        let all_fail = |outcomes: &mut Vec<Option<RefOutcome>>, why: &str| {
            for o in outcomes.iter_mut().filter(|o| o.is_none()) {
                *o = Some(Err(why.to_string()));
            }
        };

        let mut to_send: Vec<Converted> = Vec::new();
        // Whether the conversions may be kept: not when the push is refused.
        let mut accepted = true;
        if !pushing.is_empty() {
            match self.prepare(refs, &pushing)? {
                Ok(prepared) => {
                    to_send = prepared.to_send;
                    // A branch ref whose commit the server already had
                    // does not move (git-cinnabar's answer).
                    for &i in &pushing {
                        let r = &refs[i];
                        if matches!(r.target, Destination::Branch(_))
                            && r.src.is_some_and(|c| !prepared.outgoing.contains(&c))
                        {
                            outcomes[i] = Some(Err(NOTHING_CHANGED.into()));
                        }
                    }
                }
                Err(why) => {
                    accepted = false;
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
            if self.options.data == DataMode::Force && accepted {
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

        // Changesets the server turned out to have (pushed before without
        // keeping the metadata) are kept as the sent ones: the push
        // repairs the difference.
        let keep = match self.options.data {
            _ if !accepted => false,
            DataMode::Never => false,
            DataMode::Always | DataMode::Force => true,
            DataMode::Phase => {
                let heads: Vec<ObjectId> = pushing.iter().filter_map(|&i| refs[i].src).collect();
                self.exporter.state.is_modified() && self.phase_allows(&heads)?
            }
        };
        if keep {
            self.keep()?;
        } else {
            self.exporter.discard();
        }
        Ok(finish(outcomes))
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
