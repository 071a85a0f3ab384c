//! [`CinnabarNotes`]: a notes tree kept the way git-cinnabar keeps one
//! ("current" plus "additions").

use gix::ObjectId;

use super::trie::{Combine, NoteKey};
use super::NotesTree;
use crate::store::error::Result;
use crate::store::object::{ObjectRead, ObjectWrite};
use crate::store::tree::Mode;

/// A notes tree the way git-cinnabar keeps one (its `cinnabar-notes.c`):
/// "current", read lazily from the previous notes commit's tree, and
/// "additions", where new notes go. Lookups read both. Adding a note whose
/// key is already in "current" does nothing (cinnabar's notes never change
/// value). When written, if "current" is empty the additions simply become
/// the tree; otherwise, unless notes were removed from it, "current" is
/// read afresh from the previous tree (dropping the subtrees lookups
/// loaded, which would change the layout) and the additions are inserted
/// into it in key order.
#[derive(Clone, Debug, Default)]
pub struct CinnabarNotes {
    base: Option<ObjectId>,
    current: NotesTree,
    additions: NotesTree,
}

impl CinnabarNotes {
    /// An empty tree, with no previous state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The notes of `tree` (the previous notes commit's tree).
    pub fn load(reader: &mut (impl ObjectRead + ?Sized), tree: &ObjectId) -> Result<Self> {
        Ok(CinnabarNotes {
            base: Some(*tree),
            current: NotesTree::load(reader, tree)?,
            additions: NotesTree::new(),
        })
    }

    /// Whether anything was added or removed (git-cinnabar then writes a
    /// new notes commit; otherwise it reuses the previous one).
    pub fn is_dirty(&self) -> bool {
        self.current.is_dirty() || self.additions.is_dirty()
    }

    /// The value of the note for `key`.
    pub fn get(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<Option<ObjectId>> {
        if let Some(v) = self.current.get(reader, key)? {
            return Ok(Some(v));
        }
        self.additions.get(reader, key)
    }

    /// Adds a note unless `key` already has one (its value is kept).
    pub fn add(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: NoteKey,
        value: ObjectId,
    ) -> Result<()> {
        if self.current.get(reader, &key)?.is_some() {
            return Ok(());
        }
        self.additions
            .insert_combining(reader, key, value, Combine::Ignore)
    }

    /// Removes the note for `key`; returns whether there was one.
    pub fn remove(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
        key: &NoteKey,
    ) -> Result<bool> {
        let from_current = self.current.remove(reader, key)?.is_some();
        let from_additions = self.additions.remove(reader, key)?.is_some();
        Ok(from_current || from_additions)
    }

    /// Merges the additions into "current" (cinnabar's
    /// `consolidate_notes`).
    fn consolidate(&mut self, reader: &mut (impl ObjectRead + ?Sized)) -> Result<()> {
        if self.current.is_empty() {
            let dirty = self.current.is_dirty();
            self.current = std::mem::take(&mut self.additions);
            self.current.dirty |= dirty;
        } else if !self.additions.is_empty() {
            if !self.current.is_dirty() {
                self.current = match &self.base {
                    Some(tree) => NotesTree::load(reader, tree)?,
                    None => NotesTree::new(),
                };
            }
            let additions = std::mem::take(&mut self.additions);
            let mut additions = additions;
            let notes: Vec<(NoteKey, ObjectId)> = additions.iter(reader)?.collect();
            for (key, value) in notes {
                self.current
                    .insert_combining(reader, key, value, Combine::Overwrite)?;
            }
        }
        Ok(())
    }

    /// Loads everything and returns all notes in key order.
    pub fn iter(
        &mut self,
        reader: &mut (impl ObjectRead + ?Sized),
    ) -> Result<impl Iterator<Item = (NoteKey, ObjectId)> + '_> {
        self.consolidate(reader)?;
        self.current.iter(reader)
    }

    /// Writes the notes tree with notes of mode `leaf_mode` and returns its
    /// id.
    pub fn write<S>(&mut self, store: &mut S, leaf_mode: Mode) -> Result<ObjectId>
    where
        S: ObjectRead + ObjectWrite + ?Sized,
    {
        self.consolidate(store)?;
        self.current.write(store, leaf_mode)
    }
}
