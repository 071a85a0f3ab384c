//! What the repository held, for the "already there?" check every object
//! write makes ([`KnownObjects`]): the pack indexes (searched in memory,
//! as gix does) and the names of the loose objects, listed once. An object
//! that is neither in a pack nor in that list needs no file system lookup,
//! where gix's loose store would `stat` a path for each one (the common
//! case of a write: a new object).
//!
//! The lists are a snapshot: packs are added again after this process
//! finishes one ([`KnownObjects::add_new_packs`]), and a pack or a loose
//! object another process adds meanwhile is not seen, which costs at most
//! a redundant write (the same as gix's lookups without a refresh). A
//! loose object of the list is looked up again when asked for, so that
//! one removed since is not taken as present.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gix::ObjectId;

/// Loose objects listed at most; beyond that (a repository `git gc`
/// would pack anyway), no snapshot is made and every lookup goes to the
/// file system as before.
const LOOSE_LIMIT: usize = 1 << 16;

/// The packs and loose objects of a repository, as of a snapshot.
pub struct KnownObjects {
    objects_dir: PathBuf,
    packs: Vec<gix_pack::index::File>,
    pack_paths: HashSet<PathBuf>,
    loose: HashSet<[u8; 20], ahash::RandomState>,
}

impl std::fmt::Debug for KnownObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownObjects")
            .field("packs", &self.packs.len())
            .field("loose", &self.loose.len())
            .finish()
    }
}

impl KnownObjects {
    /// Lists the packs and loose objects of `objects_dir`. `None` when a
    /// snapshot cannot stand for the repository: it has alternates, too
    /// many loose objects, or a directory cannot be read.
    pub fn scan(objects_dir: &Path) -> Option<KnownObjects> {
        if objects_dir.join("info/alternates").exists() {
            return None;
        }
        let mut loose = HashSet::with_hasher(ahash::RandomState::new());
        for fan in std::fs::read_dir(objects_dir).ok()? {
            let fan = fan.ok()?;
            let name = fan.file_name();
            let Some(prefix) = hex_byte(name.as_encoded_bytes()) else {
                continue;
            };
            for entry in std::fs::read_dir(fan.path()).ok()? {
                let entry = entry.ok()?;
                let mut id = [prefix; 20];
                let rest = entry.file_name();
                let rest = rest.as_encoded_bytes();
                if rest.len() != 38 || !crate::util::hex::decode(rest, &mut id[1..]) {
                    continue;
                }
                loose.insert(id);
                if loose.len() > LOOSE_LIMIT {
                    return None;
                }
            }
        }
        let mut known = KnownObjects {
            objects_dir: objects_dir.to_path_buf(),
            packs: Vec::new(),
            pack_paths: HashSet::new(),
            loose,
        };
        known.add_new_packs().then_some(known)
    }

    /// Adds the packs that appeared since the last scan (this process's
    /// own, once finished). False when the pack directory or an index
    /// cannot be read: the snapshot must then be dropped.
    pub fn add_new_packs(&mut self) -> bool {
        let dir = self.objects_dir.join("pack");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => return e.kind() == std::io::ErrorKind::NotFound,
        };
        for entry in entries {
            let Ok(entry) = entry else {
                return false;
            };
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "idx") || self.pack_paths.contains(&path) {
                continue;
            }
            match gix_pack::index::File::at(&path, gix_hash::Kind::Sha1) {
                Ok(index) => self.packs.push(index),
                Err(_) => return false,
            }
            self.pack_paths.insert(path);
        }
        true
    }

    /// Leaves the pack whose index is at `idx` out of this snapshot (the
    /// caller searches it otherwise), removing it if it is listed.
    pub fn skip_pack(&mut self, idx: &Path) {
        self.packs.retain(|p| p.path() != idx);
        self.pack_paths.insert(idx.to_path_buf());
    }

    /// The indexes of the packs listed.
    pub fn pack_indexes(&self) -> Vec<PathBuf> {
        self.packs.iter().map(|p| p.path().to_path_buf()).collect()
    }

    /// Whether `oid` is in one of the packs.
    pub fn packed(&self, oid: &ObjectId) -> bool {
        self.packs.iter().any(|p| p.lookup(oid).is_some())
    }

    /// Whether `oid` was a loose object when listed.
    pub fn listed_loose(&self, oid: &ObjectId) -> bool {
        let mut id = [0u8; 20];
        id.copy_from_slice(oid.as_slice());
        self.loose.contains(&id)
    }
}

/// The byte two lowercase hex digits name (a loose object fan-out
/// directory).
fn hex_byte(name: &[u8]) -> Option<u8> {
    let mut out = [0u8; 1];
    (name.len() == 2 && crate::util::hex::decode(name, &mut out)).then_some(out[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_loose_objects_and_packs() {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path();
        std::fs::create_dir_all(objects.join("ab")).unwrap();
        std::fs::create_dir_all(objects.join("pack")).unwrap();
        std::fs::create_dir_all(objects.join("info")).unwrap();
        let id = ObjectId::from_hex(b"ab0123456789abcdef0123456789abcdef012345").unwrap();
        std::fs::write(
            objects.join("ab/0123456789abcdef0123456789abcdef012345"),
            b"",
        )
        .unwrap();
        std::fs::write(objects.join("ab/tmp_obj_x"), b"").unwrap();
        let known = KnownObjects::scan(objects).unwrap();
        assert!(known.listed_loose(&id));
        let other = ObjectId::from_hex(b"ab0123456789abcdef0123456789abcdef012346").unwrap();
        assert!(!known.listed_loose(&other));
        assert!(!known.packed(&id));
        std::fs::write(objects.join("info/alternates"), b"/elsewhere\n").unwrap();
        assert!(KnownObjects::scan(objects).is_none());
    }
}
