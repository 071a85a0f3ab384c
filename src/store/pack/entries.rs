//! What a [`PackWriter`](super::PackWriter) remembers of each object it
//! wrote, in parallel lists by position (the order written): CRC-32 (4
//! bytes), and, unless the caller keeps them (an
//! [`ObjectSink`](super::ObjectSink) does), offset (8), pack type and
//! delta depth (2), the id (20) and its place in an [`IdIndex`]
//! (4.6–9.2). No allocation per object.

use crate::store::idindex::IdIndex;

/// One object of the pack.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    /// Offset of the entry in the pack.
    pub(super) offset: u64,
    /// CRC-32 of the entry's bytes, for the index.
    pub(super) crc32: u32,
    /// Pack type of the object (1–4; for a delta, the type of the result).
    pub(super) ty: u8,
    /// Delta chain length: 0 for a full object.
    pub(super) depth: u8,
}

/// The entries of a pack. See the [module](self) docs.
#[derive(Default)]
pub(super) struct Entries {
    crcs: Vec<u32>,
    /// What the caller keeps otherwise.
    own: Option<Own>,
}

/// What [`Entries`] keep unless the caller does.
#[derive(Default)]
struct Own {
    /// The ids in the order written, and their index.
    ids: Vec<[u8; 20]>,
    index: IdIndex,
    offsets: Vec<u64>,
    /// Pack type and delta depth.
    types: Vec<[u8; 2]>,
}

impl Entries {
    /// No entries; ids kept here when `own_ids`.
    pub(super) fn new(own_ids: bool) -> Self {
        Entries {
            crcs: Vec::new(),
            own: own_ids.then(Own::default),
        }
    }

    /// Stops keeping ids, offsets, types: the caller keeps them, by
    /// position. Only for an empty pack (`false` otherwise).
    pub(super) fn forget_ids(&mut self) -> bool {
        if !self.crcs.is_empty() {
            return false;
        }
        self.own = None;
        true
    }

    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        self.crcs.len()
    }

    /// Whether there is none.
    pub(super) fn is_empty(&self) -> bool {
        self.crcs.is_empty()
    }

    /// The position of `id`, when ids are kept here.
    pub(super) fn position(&self, id: &[u8; 20]) -> Option<u32> {
        let own = self.own.as_ref()?;
        own.index.find(id, &own.ids)
    }

    /// The entry of `id`, when ids are kept here.
    pub(super) fn get(&self, id: &[u8; 20]) -> Option<Entry> {
        self.position(id).and_then(|p| self.at(p))
    }

    /// Whether `id` was written, when ids are kept here.
    pub(super) fn contains(&self, id: &[u8; 20]) -> bool {
        self.position(id).is_some()
    }

    /// The entry at `pos`, when ids are kept here.
    fn at(&self, pos: u32) -> Option<Entry> {
        let i = pos as usize;
        let own = self.own.as_ref()?;
        let [ty, depth] = *own.types.get(i)?;
        Some(Entry {
            offset: *own.offsets.get(i)?,
            crc32: *self.crcs.get(i)?,
            ty,
            depth,
        })
    }

    /// Adds an entry (its id is not here yet).
    pub(super) fn push(&mut self, id: &[u8; 20], e: Entry) {
        if let Some(own) = &mut self.own {
            let pos = own.ids.len() as u32;
            own.ids.push(*id);
            own.index.insert(pos, &own.ids);
            own.offsets.push(e.offset);
            own.types.push([e.ty, e.depth]);
        }
        self.crcs.push(e.crc32);
    }

    /// Takes the ids and offsets kept here (`None` if the caller keeps
    /// them), once no lookup is needed: lookups by id find nothing after.
    pub(super) fn take_ids(&mut self) -> Option<(Vec<[u8; 20]>, Vec<u64>)> {
        self.own.take().map(|own| (own.ids, own.offsets))
    }

    /// CRC-32s by position, for the pack index.
    pub(super) fn crcs(&self) -> &[u32] {
        &self.crcs
    }
}
