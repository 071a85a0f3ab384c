//! Counters of what a [`Store`](super::Store) did: objects written,
//! objects read back (and from where), and the traffic with the pack
//! writer thread. Shown by the `stats` log target
//! (`GIT_CINNABAR_LOG=stats`) at the end of an import.

use gix::object::Kind;

/// What a store did since it was opened. All counts are plain totals.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Objects handed to the pack (duplicates and objects the repository
    /// had already not included).
    pub written: u64,
    /// Reads of objects still in the batch not yet sent to the writer
    /// thread (served from memory).
    pub read_batch: u64,
    /// Reads of objects sent to the writer thread but not yet in the pack
    /// file (served from memory).
    pub read_in_flight: u64,
    /// Reads of objects from the part of the pack already written.
    pub read_pack: u64,
    /// Of [`read_pack`](Self::read_pack), by kind: commits, trees, blobs,
    /// tags.
    pub read_pack_kinds: [u64; 4],
    /// Reads of objects from the repository (earlier packs).
    pub read_repo: u64,
    /// Reads of objects found nowhere.
    pub read_missing: u64,
    /// Reads of objects from packs this store finished (read without
    /// mapping them, see [`FinishedPacks`](crate::store::pack::FinishedPacks)).
    pub read_finished: u64,
    /// Searches of those packs' indexes that their filter let through
    /// (for reads, and for writes of objects perhaps there already).
    pub finished_searches: u64,
    /// Messages sent to the writer thread.
    pub messages: u64,
    /// Batches of objects sent to the writer thread.
    pub batches: u64,
    /// Times the caller's thread blocked on the writer thread (queue full,
    /// or waiting for an answer).
    pub waits: u64,
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Commit => 0,
        Kind::Tree => 1,
        Kind::Blob => 2,
        Kind::Tag => 3,
    }
}

impl StoreStats {
    /// Counts a read from the written pack of an object of `kind`.
    pub(crate) fn count_pack_read(&mut self, kind: Kind) {
        self.read_pack += 1;
        self.read_pack_kinds[kind_index(kind)] += 1;
    }

    /// Read-backs of the pack being written, wherever served from.
    pub fn read_backs(&self) -> u64 {
        self.read_batch + self.read_in_flight + self.read_pack
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &StoreStats) {
        self.written += other.written;
        self.read_batch += other.read_batch;
        self.read_in_flight += other.read_in_flight;
        self.read_pack += other.read_pack;
        for (a, b) in self.read_pack_kinds.iter_mut().zip(other.read_pack_kinds) {
            *a += b;
        }
        self.read_repo += other.read_repo;
        self.read_missing += other.read_missing;
        self.read_finished += other.read_finished;
        self.finished_searches += other.finished_searches;
        self.messages += other.messages;
        self.batches += other.batches;
        self.waits += other.waits;
    }
}

impl std::fmt::Display for StoreStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [commits, trees, blobs, tags] = self.read_pack_kinds;
        write!(
            f,
            "{} object(s) written; {} read-back(s): {} from the unsent batch, \
             {} in flight, {} from the written pack ({commits} commits, {trees} trees, \
             {blobs} blobs, {tags} tags); {} read(s) from the repository, {} missing, {} from packs finished \
             here ({} index search(es)); \
             {} message(s) to the writer thread, {} batch(es), {} wait(s)",
            self.written,
            self.read_backs(),
            self.read_batch,
            self.read_in_flight,
            self.read_pack,
            self.read_repo,
            self.read_missing,
            self.read_finished,
            self.finished_searches,
            self.messages,
            self.batches,
            self.waits,
        )
    }
}
