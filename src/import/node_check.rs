//! File revision nodes verified on a helper thread. Every file revision's
//! node is `sha1(p1, p2, text)` (spec 1.3) and the import checks it; its
//! git blob id is a second SHA-1 over nearly the same bytes. For large
//! texts the first runs here, beside the import thread, which hashes the
//! blob meanwhile: texts are shared (`Arc`), sent in batches of a few
//! megabytes (few thread wake-ups), and the first mismatch is kept and
//! turned into the error the import would have returned on its own
//! thread ([`NodeChecker::finish`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::error::{ImportError, Result, ResultExt};
use crate::hg::{FormatError, HgNode};

/// Bytes of text sent to the thread at once.
const BATCH_BYTES: usize = 4 << 20;

/// One revision to verify.
struct Job {
    path: Arc<Vec<u8>>,
    node: HgNode,
    p1: HgNode,
    p2: HgNode,
    text: Arc<Vec<u8>>,
}

impl Job {
    /// Hashes the text: the mismatch, if it does not give the node.
    fn mismatch(&self) -> Option<Mismatch> {
        let actual = HgNode::hash(&self.p1, &self.p2, &self.text);
        (actual != self.node).then(|| Mismatch {
            path: self.path.clone(),
            node: self.node,
            actual,
        })
    }
}

/// A revision whose text does not hash to its node.
struct Mismatch {
    path: Arc<Vec<u8>>,
    node: HgNode,
    actual: HgNode,
}

impl Mismatch {
    fn error(&self) -> ImportError {
        mismatch_error(&self.path, self.node, self.actual)
    }
}

/// The error of a file revision whose node is not the hash of its text
/// (the same on either thread).
pub fn mismatch_error(path: &[u8], node: HgNode, actual: HgNode) -> ImportError {
    let context = format!("file {} revision {node}", String::from_utf8_lossy(path));
    match Err::<(), _>(FormatError::NodeMismatch {
        kind: "file revision",
        node,
        actual,
    })
    .context_with(|| context)
    {
        Err(e) => e,
        Ok(()) => ImportError::Invalid("node mismatch".into()),
    }
}

type Outcome = std::result::Result<(), Mismatch>;

/// Verifies file nodes on a thread started on the first batch.
#[derive(Default)]
pub struct NodeChecker {
    batch: Vec<Job>,
    batch_bytes: usize,
    sender: Option<SyncSender<Vec<Job>>>,
    thread: Option<JoinHandle<Outcome>>,
    /// Set by the thread when it found a mismatch (and stopped).
    failed: Arc<AtomicBool>,
    /// Revisions verified on the thread, for the `stats` log target.
    sent: u64,
}

impl NodeChecker {
    /// Queues the check that `text` with parents `p1`, `p2` hashes to
    /// `node`. Fails, with the first mismatch found so far, as soon as the
    /// thread has found one.
    pub fn check(
        &mut self,
        path: &Arc<Vec<u8>>,
        node: HgNode,
        (p1, p2): (HgNode, HgNode),
        text: &Arc<Vec<u8>>,
    ) -> Result<()> {
        if self.failed.load(Ordering::Relaxed) {
            self.finish()?;
        }
        self.batch_bytes += text.len();
        self.batch.push(Job {
            path: path.clone(),
            node,
            p1,
            p2,
            text: text.clone(),
        });
        self.sent += 1;
        if self.batch_bytes >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    /// Revisions verified on the thread so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Sends the pending batch, starting the thread if needed.
    fn send(&mut self) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if batch.is_empty() {
            return Ok(());
        }
        if self.sender.is_none() {
            // One batch queued while one is checked: the import thread
            // waits rather than holding more texts.
            let (tx, rx) = sync_channel::<Vec<Job>>(1);
            let failed = self.failed.clone();
            let thread = std::thread::Builder::new()
                .name("node-check".into())
                .spawn(move || {
                    for batch in rx {
                        if let Some(m) = batch.iter().find_map(Job::mismatch) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(m);
                        }
                    }
                    Ok(())
                })?;
            self.sender = Some(tx);
            self.thread = Some(thread);
        }
        let sent = self.sender.as_ref().map(|tx| tx.try_send(batch));
        match sent {
            // The thread is behind: this batch is verified here rather
            // than waited on (a wait is two context switches).
            Some(Err(TrySendError::Full(batch))) => {
                self.sent -= batch.len() as u64;
                match batch.iter().find_map(Job::mismatch) {
                    // The thread's batches came first: its mismatch, if
                    // any, is the first.
                    Some(m) => self.finish().and(Err(m.error())),
                    None => Ok(()),
                }
            }
            // The thread stopped: it found a mismatch.
            Some(Err(TrySendError::Disconnected(_))) => self.finish(),
            _ => Ok(()),
        }
    }

    /// Waits until every queued revision is verified and stops the
    /// thread; the error of the first mismatch, if any.
    pub fn finish(&mut self) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let Some(tx) = self.sender.take() else {
            // No thread (less than a batch in all): verified here.
            return match batch.iter().find_map(Job::mismatch) {
                Some(m) => Err(m.error()),
                None => Ok(()),
            };
        };
        if !batch.is_empty() && !self.failed.load(Ordering::Relaxed) {
            // A failed send means the thread stopped: joined below.
            let _ = tx.send(batch);
        }
        drop(tx);
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let outcome = thread.join();
        self.failed.store(false, Ordering::Relaxed);
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(m)) => Err(m.error()),
            Err(_) => Err(ImportError::Invalid(
                "the node verification thread panicked".into(),
            )),
        }
    }
}

impl Drop for NodeChecker {
    fn drop(&mut self) {
        self.batch.clear();
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(text: &[u8]) -> (HgNode, Arc<Vec<u8>>) {
        let text = Arc::new(text.to_vec());
        (HgNode::hash(&HgNode::NULL, &HgNode::NULL, &text), text)
    }

    #[test]
    fn good_and_bad_nodes() {
        let path = Arc::new(b"a/b".to_vec());
        let parents = (HgNode::NULL, HgNode::NULL);
        let mut c = NodeChecker::default();
        let big = vec![b'x'; BATCH_BYTES];
        for i in 0..3u8 {
            let (node, text) = job(&[&big[..], &[i]].concat());
            c.check(&path, node, parents, &text).unwrap();
        }
        c.finish().unwrap();
        // A wrong node: reported by the next check after the thread saw
        // it, or by finish, with the error of the synchronous check.
        let (_, text) = job(&big);
        let wrong = HgNode([7; 20]);
        c.check(&path, wrong, parents, &text).unwrap();
        let mut err = None;
        for _ in 0..3 {
            if let Err(e) = c.check(&path, wrong, parents, &text) {
                err = Some(e);
                break;
            }
        }
        let err = match err {
            Some(e) => e,
            None => c.finish().unwrap_err(),
        };
        let actual = HgNode::hash(&HgNode::NULL, &HgNode::NULL, &big);
        assert_eq!(
            err.to_string(),
            mismatch_error(b"a/b", wrong, actual).to_string()
        );
        // Usable again afterwards.
        let (node, text) = job(b"small");
        c.check(&path, node, parents, &text).unwrap();
        c.finish().unwrap();
    }
}
