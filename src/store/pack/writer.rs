//! A pack writer that works like git fast-import: objects are appended to
//! `objects/pack/tmp_pack_XXXXXX` as they come, stay readable while the
//! pack is being written, and [`finish`](PackWriter::finish) turns the file
//! into a real pack with its index.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use gix::object::Kind;
use gix::ObjectId;
use sha1::{Digest, Sha1};

use super::deflate::Deflater;
#[cfg(debug_assertions)]
use super::delta::apply_delta;
use super::delta::delta_sizes;
use super::entries::{Entries, Entry};
use super::format::{
    encode_entry_header, encode_ofs, kind_to_type, pack_header, type_to_kind, OBJ_OFS_DELTA,
};
use super::index::write_index;
use super::reader::PackReader;
use super::tmpfile::create_temp;
use crate::store::error::{IoContext, Result, StoreError};
use crate::store::object::{oid_bytes, ObjectRead, ObjectWrite};

/// Longest delta chain written, as in fast-import (`--depth`).
pub const MAX_DELTA_DEPTH: u8 = 50;

/// Bytes buffered before they are written to the file.
const WRITE_BUFFER: usize = 1 << 20;

/// Whether an object of `kind` and `size` bytes is stored as a delta of
/// `delta_len` bytes against a base of pack type `base_ty` at chain depth
/// `base_depth`: same kind, chain not too long, and the delta at least 20
/// bytes smaller than the object (as fast-import decides).
pub(crate) fn delta_allowed(
    base_ty: u8,
    base_depth: u8,
    kind: Kind,
    delta_len: usize,
    size: usize,
) -> bool {
    base_ty == kind_to_type(kind) && base_depth < MAX_DELTA_DEPTH && delta_len + 20 <= size
}

/// Writes one pack, fast-import style. See the [module](super) docs.
///
/// Objects are written through [`ObjectWrite`] and read back through
/// [`ObjectRead`]. An object given with a delta
/// ([`ObjectWrite::write_delta`]) is stored as that delta when its base is
/// in this pack, of the same kind, its chain is shorter than
/// [`MAX_DELTA_DEPTH`], and the delta is smaller than the object (as
/// fast-import decides: at least 20 bytes smaller); otherwise whole. The
/// delta must turn the base into the object: its declared result size is
/// checked always, its whole effect in debug builds only.
pub struct PackWriter {
    pack_dir: PathBuf,
    tmp_path: PathBuf,
    tmp_idx: Option<PathBuf>,
    file: File,
    /// Bytes appended but not yet written to `file`.
    buf: Vec<u8>,
    /// Bytes already in `file`.
    flushed: u64,
    /// What is known of each object written (see [`Entries`]).
    entries: Entries,
    /// Compresses every object (see [`Deflater`]).
    deflater: Deflater,
    /// Reads objects back, through a handle of the same file.
    reader: PackReader,
    finished: bool,
}

impl std::fmt::Debug for PackWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackWriter")
            .field("tmp_path", &self.tmp_path)
            .field("objects", &self.entries.len())
            .field("size", &self.size())
            .finish_non_exhaustive()
    }
}

impl PackWriter {
    /// Starts a pack in `objects_dir/pack` (created if missing), with git's
    /// default compression level.
    pub fn new(objects_dir: &Path) -> Result<Self> {
        Self::with_compression(objects_dir, 6)
    }

    /// Like [`new`](Self::new) with a zlib compression level (0–9).
    pub fn with_compression(objects_dir: &Path, level: u32) -> Result<Self> {
        let pack_dir = objects_dir.join("pack");
        std::fs::create_dir_all(&pack_dir)
            .io_context(|| format!("creating {}", pack_dir.display()))?;
        let (file, tmp_path) = create_temp(&pack_dir, "tmp_pack_")?;
        let mut buf = Vec::with_capacity(WRITE_BUFFER + (WRITE_BUFFER >> 2));
        buf.extend_from_slice(&pack_header(0));
        let reader = file
            .try_clone()
            .map(|f| PackReader::with_file(f, &tmp_path))
            .io_context(|| format!("opening {}", tmp_path.display()));
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp_path);
                return Err(e);
            }
        };
        Ok(PackWriter {
            pack_dir,
            tmp_path,
            tmp_idx: None,
            file,
            buf,
            flushed: 0,
            entries: Entries::new(true),
            deflater: Deflater::new(level),
            reader,
            finished: false,
        })
    }

    /// The temporary pack file being written.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp_path
    }

    /// How many objects were written.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no object was written.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes written so far (header included).
    pub fn size(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// Whether `oid` was written to this pack.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        self.entries.contains(&oid_bytes(oid))
    }

    /// From now on the ids, offsets, pack types and delta depths are kept
    /// by the caller, by position (the order of writes): only [`append_unchecked`](Self::append_unchecked) and
    /// [`append_delta_unchecked`](Self::append_delta_unchecked) write,
    /// lookups by id find nothing, and the pack is finished with
    /// [`finish_with_ids`](Self::finish_with_ids). For an empty pack only
    /// (an error otherwise).
    pub(crate) fn forget_ids(&mut self) -> Result<()> {
        if self.entries.forget_ids() {
            Ok(())
        } else {
            Err(StoreError::WriterThread(
                "the pack it was given is not empty".into(),
            ))
        }
    }

    /// The kind of `oid` if it was written to this pack.
    pub fn kind_of(&self, oid: &ObjectId) -> Option<Kind> {
        self.entries
            .get(&oid_bytes(oid))
            .and_then(|e| type_to_kind(e.ty))
    }

    /// Appends a whole object, unless it is in this pack already.
    fn append_full(&mut self, oid: ObjectId, kind: Kind, data: &[u8]) -> Result<()> {
        if self.entries.contains(&oid_bytes(&oid)) {
            return Ok(());
        }
        self.append_unchecked(&oid, kind, data).map(|_| ())
    }

    /// Appends a whole object without looking for it in the pack; returns
    /// its offset.
    pub(crate) fn append_unchecked(
        &mut self,
        oid: &ObjectId,
        kind: Kind,
        data: &[u8],
    ) -> Result<u64> {
        let key = oid_bytes(oid);
        let ty = kind_to_type(kind);
        let offset = self.size();
        let start = self.buf.len();
        let mut header = [0u8; 10];
        let n = encode_entry_header(ty, data.len() as u64, &mut header);
        self.buf.extend_from_slice(&header[..n]);
        self.deflate_into_buf(data, kind == Kind::Tree)?;
        let crc32 = crc32fast::hash(&self.buf[start..]);
        self.entries.push(
            &key,
            Entry {
                offset,
                crc32,
                ty,
                depth: 0,
            },
        );
        self.maybe_flush()?;
        Ok(offset)
    }

    /// Appends an object as a delta against `base` when the pack allows it
    /// (see [`PackWriter`]), else whole; nothing if it is in this pack
    /// already.
    fn append_delta(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: &[u8],
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        if self.entries.contains(&oid_bytes(&oid)) {
            return Ok(());
        }
        match self.entries.get(&oid_bytes(base)) {
            Some(e) if delta_allowed(e.ty, e.depth, kind, delta.len(), data.len()) => {
                self.append_planned_delta(oid, kind, data.len(), base, delta)
            }
            _ => self.append_full(oid, kind, data),
        }
    }

    /// Appends `oid`, an object of `size` bytes, as `delta` against `base`,
    /// which the caller checked [`delta_allowed`] allows (an error
    /// otherwise); nothing if it is in this pack already. Debug builds
    /// check that the delta gives the object.
    pub(crate) fn append_planned_delta(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        size: usize,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        if self.entries.contains(&oid_bytes(&oid)) {
            return Ok(());
        }
        let base_entry = self.entries.get(&oid_bytes(base));
        self.append_delta_entry(&oid, kind, size, base_entry, base, delta)
            .map(|_| ())
    }

    /// Appends `oid` as `delta` against `base`, an object of this pack
    /// at `offset`, of pack type `ty` at delta depth `depth` (what the
    /// caller keeps of it, see [`forget_ids`](Self::forget_ids)), without
    /// looking for `oid` in the pack, as
    /// [`append_planned_delta`](Self::append_planned_delta) does
    /// otherwise; returns its offset.
    pub(crate) fn append_delta_unchecked(
        &mut self,
        oid: &ObjectId,
        kind: Kind,
        size: usize,
        base: (&ObjectId, u64, [u8; 2]),
        delta: &[u8],
    ) -> Result<u64> {
        let (base, offset, [ty, depth]) = base;
        let base_entry = Entry {
            offset,
            crc32: 0,
            ty,
            depth,
        };
        self.append_delta_entry(oid, kind, size, Some(base_entry), base, delta)
    }

    fn append_delta_entry(
        &mut self,
        oid: &ObjectId,
        kind: Kind,
        size: usize,
        base_entry: Option<Entry>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<u64> {
        let key = oid_bytes(oid);
        let ty = kind_to_type(kind);
        let base_entry = match base_entry {
            Some(e) if delta_allowed(e.ty, e.depth, kind, delta.len(), size) => e,
            _ => {
                return Err(StoreError::BadDelta(format!(
                    "{oid} cannot be stored as a delta against {base}"
                )))
            }
        };
        let (_, result_size, _) = delta_sizes(delta)?;
        if result_size != size as u64 {
            return Err(StoreError::BadDelta(format!(
                "delta for {oid} produces {result_size} bytes, the object has {size}"
            )));
        }
        #[cfg(debug_assertions)]
        {
            let mut base_data = Vec::new();
            self.flush()?;
            self.reader.read(base_entry.offset, &mut base_data)?;
            let mut check = Vec::new();
            apply_delta(&base_data, delta, &mut check)?;
            if crate::store::object::hash_object(kind, &check) != *oid {
                return Err(StoreError::BadDelta(format!(
                    "delta against {base} does not produce {oid}"
                )));
            }
        }
        let offset = self.size();
        let start = self.buf.len();
        let mut header = [0u8; 10];
        let n = encode_entry_header(OBJ_OFS_DELTA, delta.len() as u64, &mut header);
        self.buf.extend_from_slice(&header[..n]);
        let mut ofs = [0u8; 10];
        self.buf
            .extend_from_slice(encode_ofs(offset - base_entry.offset, &mut ofs));
        self.deflate_into_buf(delta, false)?;
        let crc32 = crc32fast::hash(&self.buf[start..]);
        self.entries.push(
            &key,
            Entry {
                offset,
                crc32,
                ty,
                depth: base_entry.depth + 1,
            },
        );
        self.maybe_flush()?;
        Ok(offset)
    }

    /// Appends the zlib stream of `data` (a whole tree when `tree`) to the
    /// write buffer.
    fn deflate_into_buf(&mut self, data: &[u8], tree: bool) -> Result<()> {
        self.deflater
            .deflate(data, tree, &mut self.buf)
            .map_err(|e| {
                StoreError::io(
                    format!("compressing into {}", self.tmp_path.display()),
                    std::io::Error::other(e),
                )
            })
    }

    fn maybe_flush(&mut self) -> Result<()> {
        if self.buf.len() >= WRITE_BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes buffered bytes to the file.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.file
                .write_all_at(&self.buf, self.flushed)
                .io_context(|| format!("writing {}", self.tmp_path.display()))?;
            self.flushed += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    fn corrupt(&self, reason: impl Into<String>) -> StoreError {
        StoreError::CorruptPack {
            path: self.tmp_path.clone(),
            reason: reason.into(),
        }
    }

    /// Finishes the pack: writes the object count into the header, appends
    /// the SHA-1 of the whole file (computed by reading it back once, as
    /// fast-import does), writes the v2 index, syncs both, and renames them
    /// to `objects/pack/pack-<checksum>.{pack,idx}` (pack first, so git
    /// never sees an index without its pack). Returns the pack's path, or
    /// `None` (and removes the temporary file) when nothing was written.
    pub fn finish(mut self) -> Result<Option<PathBuf>> {
        self.finish_inner(None)
    }

    /// Finishes a pack whose ids and offsets the caller kept (see
    /// [`forget_ids`](Self::forget_ids)): `ids[i]` is the id of the object
    /// written `i`-th, `offsets[i]` its offset.
    pub(crate) fn finish_with_ids(
        mut self,
        ids: Vec<[u8; 20]>,
        offsets: Vec<u64>,
    ) -> Result<Option<PathBuf>> {
        self.finish_inner(Some((ids, offsets)))
    }

    fn finish_inner(
        &mut self,
        given: Option<(Vec<[u8; 20]>, Vec<u64>)>,
    ) -> Result<Option<PathBuf>> {
        // Lookups are over: only ids and offsets are needed, for the index.
        let (ids, offsets) = match given.or_else(|| self.entries.take_ids()) {
            Some(kept) => kept,
            None => return Err(self.corrupt("the ids of its objects were not given")),
        };
        if ids.len() != self.entries.len() || offsets.len() != self.entries.len() {
            return Err(self.corrupt(format!(
                "{} ids and {} offsets for {} objects",
                ids.len(),
                offsets.len(),
                self.entries.len()
            )));
        }
        if self.entries.is_empty() {
            self.finished = true;
            std::fs::remove_file(&self.tmp_path)
                .io_context(|| format!("removing {}", self.tmp_path.display()))?;
            return Ok(None);
        }
        self.flush()?;
        let count = u32::try_from(self.entries.len())
            .map_err(|_| self.corrupt("more than 4 billion objects in one pack"))?;
        self.file
            .write_all_at(&pack_header(count), 0)
            .io_context(|| format!("writing {}", self.tmp_path.display()))?;

        // The checksum covers the final bytes, so read the file back once.
        let mut hasher = Sha1::new();
        let mut chunk = vec![0u8; 1 << 20];
        let mut pos = 0u64;
        loop {
            let n = self
                .file
                .read_at(&mut chunk, pos)
                .io_context(|| format!("reading {}", self.tmp_path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&chunk[..n]);
            pos += n as u64;
        }
        if pos != self.flushed {
            return Err(self.corrupt(format!(
                "file has {pos} bytes, {} were written",
                self.flushed
            )));
        }
        let checksum: [u8; 20] = hasher.finalize().into();
        self.file
            .write_all_at(&checksum, pos)
            .io_context(|| format!("writing {}", self.tmp_path.display()))?;
        self.file
            .sync_all()
            .io_context(|| format!("syncing {}", self.tmp_path.display()))?;

        let (idx_file, idx_path) = create_temp(&self.pack_dir, "tmp_idx_")?;
        self.tmp_idx = Some(idx_path.clone());
        write_index(&idx_file, &ids, &offsets, self.entries.crcs(), &checksum)
            .and_then(|()| idx_file.sync_all())
            .io_context(|| format!("writing {}", idx_path.display()))?;
        drop(idx_file);

        let name = ObjectId::Sha1(checksum).to_string();
        let pack_path = self.pack_dir.join(format!("pack-{name}.pack"));
        let idx_final = self.pack_dir.join(format!("pack-{name}.idx"));
        let pack_existed = pack_path.exists();
        std::fs::rename(&self.tmp_path, &pack_path).io_context(|| {
            format!(
                "renaming {} to {}",
                self.tmp_path.display(),
                pack_path.display()
            )
        })?;
        if let Err(e) = std::fs::rename(&idx_path, &idx_final) {
            if !pack_existed {
                let _ = std::fs::remove_file(&pack_path);
            }
            return Err(StoreError::io(
                format!("renaming {} to {}", idx_path.display(), idx_final.display()),
                e,
            ));
        }
        self.finished = true;
        File::open(&self.pack_dir)
            .and_then(|d| d.sync_all())
            .io_context(|| format!("syncing {}", self.pack_dir.display()))?;
        Ok(Some(pack_path))
    }
}

impl Drop for PackWriter {
    /// An unfinished pack's temporary files are removed, so an aborted
    /// import leaves nothing half-written behind.
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp_path);
            if let Some(idx) = &self.tmp_idx {
                let _ = std::fs::remove_file(idx);
            }
        }
    }
}

/// Reads objects written earlier to this pack, delta chains resolved;
/// `Ok(None)` for any other object.
impl ObjectRead for PackWriter {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        let Some(entry) = self.entries.get(&oid_bytes(oid)) else {
            return Ok(None);
        };
        self.flush()?;
        self.reader.read(entry.offset, out).map(Some)
    }
}

/// Appends objects to the pack, once each; deltas as described for
/// [`PackWriter`].
impl ObjectWrite for PackWriter {
    fn write_hashed(&mut self, oid: ObjectId, kind: Kind, data: Cow<'_, [u8]>) -> Result<()> {
        self.append_full(oid, kind, &data)
    }

    fn write_delta_hashed(
        &mut self,
        oid: ObjectId,
        kind: Kind,
        data: Cow<'_, [u8]>,
        base: &ObjectId,
        delta: &[u8],
    ) -> Result<()> {
        self.append_delta(oid, kind, &data, base, delta)
    }
}
