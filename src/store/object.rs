//! What every object store here offers: hashing objects the way git does,
//! the one read and write API of all stores ([`ObjectRead`],
//! [`ObjectWrite`]), conversions of object ids, and an in-memory store for
//! computing ids without touching a repository.

use std::borrow::Cow;
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

/// Something objects can be read from: the repository ([`Repo`]), the
/// pack being written ([`PackWriter`], [`ObjectSink`]), both at once
/// ([`Store`]), or memory ([`MemoryStore`]).
///
/// Each implements [`try_read`](Self::try_read); the rest is derived.
///
/// [`Repo`]: super::Repo
/// [`PackWriter`]: super::PackWriter
/// [`ObjectSink`]: super::ObjectSink
/// [`Store`]: super::Store
pub trait ObjectRead {
    /// Reads the object `oid` into `out` (replacing its contents) and
    /// returns its kind; `Ok(None)` when this store does not have it.
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>>;

    /// Like [`try_read`](Self::try_read), with [`StoreError::NotFound`]
    /// when the object is not there.
    fn read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Kind> {
        self.try_read(oid, out)?.ok_or(StoreError::NotFound(*oid))
    }

    /// Reads the object `oid`, which must be of kind `kind`
    /// ([`StoreError::WrongKind`] otherwise).
    fn read_of_kind(&mut self, oid: &ObjectId, kind: Kind, out: &mut Vec<u8>) -> Result<()> {
        let actual = self.read(oid, out)?;
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

/// Something objects can be written to: the pack writer ([`PackWriter`]),
/// its pipelined form ([`ObjectSink`]), the repository with its pack
/// ([`Store`]), or memory ([`MemoryStore`]).
///
/// Callers use [`write`](Self::write), [`write_owned`](Self::write_owned)
/// (when they can give their buffer up: a store that keeps the bytes, like
/// the pipelined writer, then takes the buffer instead of copying it) and
/// [`write_delta`](Self::write_delta). These hash the object and hand it
/// to the two methods each store implements, which is where the stores
/// differ: [`write_hashed`](Self::write_hashed) (skip what is already
/// there, then store) and [`write_delta_hashed`](Self::write_delta_hashed)
/// (the same, with a delta the store may use, by default ignored).
///
/// Writing an object that is already there is not an error and returns
/// its id as well.
///
/// [`PackWriter`]: super::PackWriter
/// [`ObjectSink`]: super::ObjectSink
/// [`Store`]: super::Store
pub trait ObjectWrite {
    /// Stores the object `oid`, which the caller computed: it must be
    /// [`hash_object`]`(kind, &data)`. `data` is borrowed or given up;
    /// a store that keeps the bytes takes an owned buffer as it is.
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()>;

    /// Like [`write_hashed`](Self::write_hashed), with `delta`, a git delta
    /// turning the object `base` into `data`, which the store may write
    /// instead of the whole object (see [`PackWriter::write_delta`] for
    /// when the pack writer does). By default the delta is ignored.
    ///
    /// [`PackWriter::write_delta`]: super::PackWriter
    fn write_delta_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        let _ = (base, delta);
        self.write_hashed(oid, kind, data)
    }

    /// Writes an object and returns its id.
    fn write(&mut self, kind: Kind, data: &[u8]) -> Result<ObjectId> {
        let oid = hash_object(kind, data);
        self.write_hashed(oid, kind, Cow::Borrowed(data))?;
        Ok(oid)
    }

    /// Like [`write`](Self::write), giving the buffer up: no copy of the
    /// data is made where the store keeps it.
    fn write_owned(&mut self, kind: Kind, data: Vec<u8>) -> Result<ObjectId> {
        let oid = hash_object(kind, &data);
        self.write_hashed(oid, kind, Cow::Owned(data))?;
        Ok(oid)
    }

    /// Writes an object, as a delta against `base` where the store can
    /// (see [`write_delta_hashed`](Self::write_delta_hashed)); returns its
    /// id. `delta` must turn `base` into `data`.
    fn write_delta(
        &mut self,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<ObjectId> {
        let oid = hash_object(kind, data);
        self.write_delta_hashed(oid, kind, Cow::Borrowed(data), base, delta)?;
        Ok(oid)
    }
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

impl ObjectRead for MemoryStore {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        out.clear();
        match self.objects.get(oid) {
            Some((kind, data)) => {
                out.extend_from_slice(data);
                Ok(Some(*kind))
            }
            None if *oid == empty_tree() => Ok(Some(Kind::Tree)),
            None => Ok(None),
        }
    }
}

impl ObjectWrite for MemoryStore {
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()> {
        self.objects
            .entry(oid)
            .or_insert_with(|| (kind, data.into_owned()));
        Ok(())
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
        let oid = store.write(Kind::Blob, b"abc")?;
        assert_eq!(store.write_owned(Kind::Blob, b"abc".to_vec())?, oid);
        assert_eq!(store.len(), 1);
        let mut buf = Vec::new();
        assert_eq!(store.read(&oid, &mut buf)?, Kind::Blob);
        assert_eq!(buf, b"abc");
        assert!(matches!(
            store.read_of_kind(&oid, Kind::Tree, &mut buf),
            Err(StoreError::WrongKind { .. })
        ));
        assert!(matches!(
            store.read(&null_oid(), &mut buf),
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(store.try_read(&null_oid(), &mut buf)?, None);
        assert_eq!(store.try_read(&empty_tree(), &mut buf)?, Some(Kind::Tree));
        Ok(())
    }
}
