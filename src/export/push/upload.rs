//! Sending a push: the bundle streamed to `unbundle`, and bookmarks moved
//! with `pushkey`.

use std::io::{Seek, SeekFrom, Write};

use gix_hash::ObjectId;

use super::{Pusher, RefOutcome};
use crate::export::bundle::write_bundle;
use crate::export::changegroup::write_changegroup;
use crate::export::error::{io_error, Result};
use crate::export::Converted;
use crate::hg::bundle::{Bundle2Writer, BundleSpec, Compression};
use crate::hg::{CgVersion, HgNode};
use crate::util::Progress;
use crate::wire::unbundle::{replycaps, show_output};
use crate::wire::{PushHeads, WireError};

impl Pusher {
    /// Writes the bundle the server takes and sends it. `Ok(Err(why))`
    /// is a refusal.
    pub(super) fn send(
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
    pub(super) fn push_bookmark(
        &mut self,
        name: &[u8],
        src: Option<ObjectId>,
    ) -> Result<RefOutcome> {
        let old = self
            .remote
            .bookmarks
            .iter()
            .find(|(b, _)| b == name)
            .map(|(_, n)| *n);
        // Mercurial keeps bookmark names in UTF-8.
        let Ok(name) = std::str::from_utf8(name) else {
            let shown = String::from_utf8_lossy(name);
            return Ok(Err(format!("bookmark {shown} is not valid UTF-8")));
        };
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
        // The value git checked (fast-forward) is the listed one: a
        // bookmark moved on the server since is refused, not overwritten.
        // pushkey compares the old value again, for a move in between.
        let current = self
            .peer
            .listkeys("bookmarks")?
            .into_iter()
            .find(|(k, _)| String::from_utf8_lossy(k) == name)
            .and_then(|(_, v)| HgNode::from_hex(&v).ok());
        if current == new {
            return Ok(Ok(()));
        }
        let shown = |n: Option<HgNode>| match n {
            Some(n) => n.to_string()[..12].to_string(),
            None => "nothing".to_string(),
        };
        if current != old {
            return Ok(Err(format!(
                "bookmark {name} changed on the server since it was listed \
                 (now {}, was {}): fetch and push again",
                shown(current),
                shown(old)
            )));
        }
        let done = self.peer.pushkey("bookmarks", name, &hex(old), &hex(new))?;
        Ok(if done {
            Ok(())
        } else {
            Err(format!(
                "the server refused to move bookmark {name} from {} to {} \
                 (changed on the server meanwhile, or refused by a hook)",
                shown(old),
                shown(new)
            ))
        })
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
