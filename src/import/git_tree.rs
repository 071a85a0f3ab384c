//! A manifest's metadata tree into the git tree of its changesets
//! (spec 3.2, 4.5): `_` prefixes stripped, hg file nodes replaced by their
//! blobs, gitlink modes turned into file modes. Paths git would refuse stop
//! the import.

use std::collections::HashMap;

use gix::object::Kind;
use gix_hash::ObjectId;
use miette::{miette, Context};

use super::state::{oid_bytes, State};
use crate::hg::HgNode;
use crate::store::tree::{encode_tree, parse_tree, Mode, TreeEntry};
use crate::store::Store;

/// Bound on cached conversions before the cache is emptied.
const CACHE_LIMIT: usize = 1 << 18;

/// Converts metadata trees, remembering each conversion.
#[derive(Default)]
pub struct GitTreeConverter {
    cache: HashMap<ObjectId, ObjectId, ahash::RandomState>,
}

/// Whether git refuses a path component.
pub fn refused_component(name: &[u8]) -> bool {
    name == b"." || name == b".." || name.eq_ignore_ascii_case(b".git") || name.contains(&0)
}

impl GitTreeConverter {
    /// The git tree for a metadata tree. `changeset` names the changeset in
    /// errors.
    pub fn convert(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        changeset: HgNode,
    ) -> miette::Result<ObjectId> {
        self.convert_dir(store, state, meta_tree, &mut Vec::new(), changeset)
    }

    fn convert_dir(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        path: &mut Vec<u8>,
        changeset: HgNode,
    ) -> miette::Result<ObjectId> {
        if let Some(t) = self.cache.get(&meta_tree) {
            return Ok(*t);
        }
        let mut entries = self.entries(store, state, meta_tree, path, changeset)?;
        let mut names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(miette!(
                "changeset {changeset}: path {:?} is both a file and a directory, which git refuses",
                String::from_utf8_lossy(&[path.as_slice(), w[0]].concat())
            ));
        }
        let data = encode_tree(&mut entries);
        let id = store.write(Kind::Tree, &data)?;
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(meta_tree, id);
        Ok(id)
    }

    /// The git entries of a metadata tree; an empty-named directory (from
    /// `//` in paths) is merged in, entries of the single-slash path winning.
    fn entries(
        &mut self,
        store: &mut Store,
        state: &State,
        meta_tree: ObjectId,
        path: &mut Vec<u8>,
        changeset: HgNode,
    ) -> miette::Result<Vec<TreeEntry>> {
        let mut buf = Vec::new();
        store
            .read(&meta_tree, &mut buf)
            .wrap_err_with(|| format!("cannot read manifest tree {meta_tree}"))?;
        let mut entries = Vec::new();
        let mut merged = Vec::new();
        for entry in parse_tree(&buf) {
            let entry = entry.map_err(|e| miette!("manifest tree {meta_tree}: {e}"))?;
            let name = entry
                .name
                .strip_prefix(b"_")
                .ok_or_else(|| miette!("manifest tree {meta_tree}: entry without `_` prefix"))?
                .to_vec();
            let full = || String::from_utf8_lossy(&[path.as_slice(), &name].concat()).into_owned();
            if refused_component(&name) {
                return Err(miette!(
                    "changeset {changeset}: refusing path {:?}: git does not allow `{}` in a path",
                    full(),
                    String::from_utf8_lossy(&name)
                ));
            }
            let (mode, id) = match entry.mode {
                Mode::DIR if name.is_empty() => {
                    if path.is_empty() {
                        return Err(miette!(
                            "changeset {changeset}: refusing an absolute path (under {:?})",
                            "/"
                        ));
                    }
                    merged = self.entries(store, state, entry.oid, path, changeset)?;
                    continue;
                }
                Mode::DIR => {
                    let base = path.len();
                    path.extend_from_slice(&name);
                    path.push(b'/');
                    let id = self.convert_dir(store, state, entry.oid, path, changeset);
                    path.truncate(base);
                    (Mode::DIR, id?)
                }
                m => {
                    let node = HgNode(oid_bytes(&entry.oid));
                    let blob = if node == HgNode::EMPTY_FILE {
                        // Trees built here may be the first to need it.
                        store.write(Kind::Blob, b"")?
                    } else {
                        state.hg2git(&node).ok_or_else(|| {
                            miette!(
                                "changeset {changeset}: file {:?} revision {node} is unknown",
                                full()
                            )
                        })?
                    };
                    let mode = match m {
                        Mode::CINNABAR_FILE => Mode::FILE,
                        Mode::CINNABAR_EXECUTABLE => Mode::EXECUTABLE,
                        Mode::GITLINK => Mode::SYMLINK,
                        other => {
                            return Err(miette!(
                                "manifest tree {meta_tree}: unexpected mode {other:?}"
                            ))
                        }
                    };
                    (mode, blob)
                }
            };
            entries.push(TreeEntry {
                mode,
                name,
                oid: id,
            });
        }
        for m in merged {
            if !entries.iter().any(|e| e.name == m.name) {
                entries.push(m);
            }
        }
        Ok(entries)
    }
}
