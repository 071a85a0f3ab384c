//! What every object store here offers: hashing objects the way git does,
//! reading objects by id, writing objects, and an in-memory store for
//! computing ids without touching a repository.

use std::collections::HashMap;

use gix::object::Kind;
use gix::ObjectId;
use sha1::{Digest, Sha1};

use super::error::{Result, StoreError};
use crate::util::hex;

/// The id of git's empty tree, `4b825dc642cb6eb9a060e54bf8d69288fbee4904`.
pub fn empty_tree() -> ObjectId {
    ObjectId::empty_tree(gix::hash::Kind::Sha1)
}

/// The id of git's empty blob, `e69de29bb2d1d6434b8b29ae775ad8c2e48c5391`.
pub fn empty_blob() -> ObjectId {
    ObjectId::empty_blob(gix::hash::Kind::Sha1)
}

/// The null object id (20 zero bytes).
pub fn null_oid() -> ObjectId {
    ObjectId::null(gix::hash::Kind::Sha1)
}

/// Builds an object id from 20 raw bytes.
pub fn oid_from_bytes(bytes: [u8; 20]) -> ObjectId {
    ObjectId::Sha1(bytes)
}

/// The 20 raw bytes of a SHA-1 object id.
pub fn oid_bytes(oid: &ObjectId) -> [u8; 20] {
    let mut out = [0u8; 20];
    let slice = oid.as_slice();
    let n = slice.len().min(20);
    out[..n].copy_from_slice(&slice[..n]);
    out
}

/// The loose-object header git hashes before the content: `<kind> <len>\0`.
pub fn object_header(kind: Kind, len: usize) -> Vec<u8> {
    let mut header = Vec::with_capacity(32);
    header.extend_from_slice(kind.as_bytes());
    header.push(b' ');
    header.extend_from_slice(len.to_string().as_bytes());
    header.push(0);
    header
}

/// Computes the git object id of `data` as an object of `kind`.
pub fn hash_object(kind: Kind, data: &[u8]) -> ObjectId {
    let mut hasher = Sha1::new();
    hasher.update(object_header(kind, data.len()));
    hasher.update(data);
    ObjectId::Sha1(hasher.finalize().into())
}

/// Something objects can be read from.
pub trait ObjectReader {
    /// Reads the object `oid` into `out` (replacing its contents) and
    /// returns its kind; [`StoreError::NotFound`] when it is not there.
    fn read_object(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Kind>;

    /// Reads the object `oid`, which must be of kind `kind`.
    fn read_object_of_kind(&mut self, oid: &ObjectId, kind: Kind, out: &mut Vec<u8>) -> Result<()> {
        let actual = self.read_object(oid, out)?;
        if actual != kind {
            return Err(StoreError::WrongKind {
                oid: *oid,
                expected: kind,
                actual,
            });
        }
        Ok(())
    }
}

/// Something objects can be written to.
pub trait ObjectWriter {
    /// Writes an object and returns its id. Writing an object that is
    /// already there is not an error.
    fn write_object(&mut self, kind: Kind, data: &[u8]) -> Result<ObjectId>;
}

/// An object store held in memory: handy for computing the ids of trees and
/// commits (notes trees in particular) without a repository, and in tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    objects: HashMap<ObjectId, (Kind, Vec<u8>)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many objects are stored.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether no object is stored.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Whether `oid` is stored.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        self.objects.contains_key(oid)
    }

    /// The stored objects.
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectId, Kind, &[u8])> {
        self.objects.iter().map(|(k, (kind, d))| (k, *kind, &d[..]))
    }
}

impl ObjectReader for MemoryStore {
    fn read_object(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Kind> {
        match self.objects.get(oid) {
            Some((kind, data)) => {
                out.clear();
                out.extend_from_slice(data);
                Ok(*kind)
            }
            None if *oid == empty_tree() => {
                out.clear();
                Ok(Kind::Tree)
            }
            None => Err(StoreError::NotFound(*oid)),
        }
    }
}

impl ObjectWriter for MemoryStore {
    fn write_object(&mut self, kind: Kind, data: &[u8]) -> Result<ObjectId> {
        let oid = hash_object(kind, data);
        self.objects
            .entry(oid)
            .or_insert_with(|| (kind, data.to_vec()));
        Ok(oid)
    }
}

/// Parses a 40-hex-digit object id.
pub fn oid_from_hex(hex: &[u8]) -> Option<ObjectId> {
    let mut out = [0u8; 20];
    hex::decode(hex, &mut out).then_some(ObjectId::Sha1(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ids() {
        assert_eq!(
            hash_object(Kind::Tree, b"").to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        assert_eq!(hash_object(Kind::Blob, b""), empty_blob());
        assert_eq!(hash_object(Kind::Tree, b""), empty_tree());
    }

    #[test]
    fn hex_round_trip() {
        let oid = hash_object(Kind::Blob, b"hello\n");
        assert_eq!(oid.to_string(), "ce013625030ba8dba906f756967f9e9ca394464a");
        let mut text = Vec::new();
        hex::encode_into(&mut text, oid.as_slice());
        assert_eq!(oid_from_hex(&text), Some(oid));
        assert_eq!(
            oid_from_hex(b"CE013625030BA8DBA906F756967F9E9CA394464A"),
            Some(oid)
        );
        assert_eq!(oid_from_hex(b"ce01"), None);
        assert_eq!(
            oid_from_hex(b"zz013625030ba8dba906f756967f9e9ca394464a"),
            None
        );
    }

    #[test]
    fn memory_store() -> Result<()> {
        let mut store = MemoryStore::new();
        let oid = store.write_object(Kind::Blob, b"abc")?;
        let mut buf = Vec::new();
        assert_eq!(store.read_object(&oid, &mut buf)?, Kind::Blob);
        assert_eq!(buf, b"abc");
        assert!(matches!(
            store.read_object_of_kind(&oid, Kind::Tree, &mut buf),
            Err(StoreError::WrongKind { .. })
        ));
        assert!(matches!(
            store.read_object(&null_oid(), &mut buf),
            Err(StoreError::NotFound(_))
        ));
        Ok(())
    }
}
