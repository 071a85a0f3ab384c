//! Tree objects with any mode, written literally: besides git's `100644`,
//! `100755`, `120000`, `40000` and `160000`, cinnabar's manifest trees use
//! `160644` and `160755` (a gitlink-like mode carrying the file's flags),
//! which gix's tree types refuse.
//!
//! Entries are sorted in git's order: bytewise by name, a directory
//! comparing as if its name ended with `/`.

use std::cmp::Ordering;
use std::fmt;

use gix::ObjectId;

use super::error::{Result, StoreError};
use super::object::oid_from_bytes;

/// A tree entry mode, kept as its octal number (`0o160644` is written
/// `160644`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mode(pub u32);

impl Mode {
    /// A regular file.
    pub const FILE: Mode = Mode(0o100644);
    /// An executable file.
    pub const EXECUTABLE: Mode = Mode(0o100755);
    /// A symbolic link.
    pub const SYMLINK: Mode = Mode(0o120000);
    /// A directory (subtree); written `40000`.
    pub const DIR: Mode = Mode(0o40000);
    /// A gitlink (submodule commit); also hg2git's note mode.
    pub const GITLINK: Mode = Mode(0o160000);
    /// cinnabar's manifest tree entry for a regular file.
    pub const CINNABAR_FILE: Mode = Mode(0o160644);
    /// cinnabar's manifest tree entry for an executable file.
    pub const CINNABAR_EXECUTABLE: Mode = Mode(0o160755);

    /// Whether this is a directory mode (git's `S_ISDIR`): it then sorts as
    /// if its name ended with `/`. Gitlinks and `1606xx` are not.
    pub fn is_dir(self) -> bool {
        self.0 & 0o170000 == 0o40000
    }

    /// Appends the mode as git writes it: octal, no leading zeros.
    pub fn write_to(self, out: &mut Vec<u8>) {
        let mut digits = [0u8; 11];
        let mut n = self.0;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n & 7) as u8;
            n >>= 3;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
    }

    /// Parses octal digits (a zero-padded mode such as `040000` is accepted
    /// and reads as `40000`).
    pub fn parse(bytes: &[u8]) -> Option<Mode> {
        if bytes.is_empty() || bytes.len() > 7 {
            return None;
        }
        let mut n = 0u32;
        for &b in bytes {
            if !(b'0'..=b'7').contains(&b) {
                return None;
            }
            n = (n << 3) | u32::from(b - b'0');
        }
        Some(Mode(n))
    }
}

impl fmt::Debug for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mode({:o})", self.0)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:o}", self.0)
    }
}

/// One entry of a tree to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    /// The mode, written as is.
    pub mode: Mode,
    /// The name (no `/`, not empty; not checked).
    pub name: Vec<u8>,
    /// The object the entry points to.
    pub oid: ObjectId,
}

impl TreeEntry {
    /// An entry.
    pub fn new(mode: Mode, name: impl Into<Vec<u8>>, oid: ObjectId) -> Self {
        TreeEntry {
            mode,
            name: name.into(),
            oid,
        }
    }
}

/// Compares two entry names in git's tree order.
pub fn tree_order(a_name: &[u8], a_mode: Mode, b_name: &[u8], b_mode: Mode) -> Ordering {
    let n = a_name.len().min(b_name.len());
    match a_name[..n].cmp(&b_name[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], mode: Mode| match name.get(n) {
        Some(&c) => c,
        None if mode.is_dir() => b'/',
        None => 0,
    };
    next(a_name, a_mode).cmp(&next(b_name, b_mode))
}

/// Sorts `entries` in git's order and returns the tree object's bytes:
/// `<mode> <name>\0<20-byte oid>` for each.
pub fn encode_tree(entries: &mut [TreeEntry]) -> Vec<u8> {
    entries.sort_by(|a, b| tree_order(&a.name, a.mode, &b.name, b.mode));
    let size: usize = entries.iter().map(|e| e.name.len() + 28).sum();
    let mut out = Vec::with_capacity(size);
    for e in entries.iter() {
        push_entry(&mut out, e.mode, &e.name, &e.oid);
    }
    out
}

/// Appends one encoded entry, without any sorting.
pub fn push_entry(out: &mut Vec<u8>, mode: Mode, name: &[u8], oid: &ObjectId) {
    mode.write_to(out);
    out.push(b' ');
    out.extend_from_slice(name);
    out.push(0);
    out.extend_from_slice(oid.as_slice());
}

/// An entry of a parsed tree, borrowing its name from the tree data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeEntryRef<'a> {
    /// The mode.
    pub mode: Mode,
    /// The name.
    pub name: &'a [u8],
    /// The object.
    pub oid: ObjectId,
}

/// Iterates over the entries of a tree object's data, in stored order,
/// accepting any octal mode (see [`parse_tree`]).
#[derive(Clone, Debug)]
pub struct TreeIter<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

/// Parses a tree object's data. Each item is an entry or, once, the error
/// that stops the iteration (missing space, bad mode, missing NUL, empty
/// name, truncated id).
pub fn parse_tree(data: &[u8]) -> TreeIter<'_> {
    TreeIter {
        data,
        pos: 0,
        failed: false,
    }
}

impl<'a> Iterator for TreeIter<'a> {
    type Item = Result<TreeEntryRef<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.data[start..];
        let fail = |this: &mut Self, reason| {
            this.failed = true;
            Some(Err(StoreError::MalformedTree {
                offset: start,
                reason,
            }))
        };
        let Some(space) = memchr::memchr(b' ', rest) else {
            return fail(self, "missing space after the mode");
        };
        let Some(mode) = Mode::parse(&rest[..space]) else {
            return fail(self, "invalid mode");
        };
        let Some(nul) = memchr::memchr(0, &rest[space + 1..]) else {
            return fail(self, "missing NUL after the name");
        };
        let name = &rest[space + 1..space + 1 + nul];
        if name.is_empty() {
            return fail(self, "empty name");
        }
        let oid_start = space + 1 + nul + 1;
        let Some(raw) = rest.get(oid_start..oid_start + 20) else {
            return fail(self, "truncated object id");
        };
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(raw);
        self.pos = start + oid_start + 20;
        Some(Ok(TreeEntryRef {
            mode,
            name,
            oid: oid_from_bytes(bytes),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::object::{empty_blob, empty_tree, hash_object};
    use gix::object::Kind;

    #[test]
    fn modes() {
        let mut out = Vec::new();
        for (m, s) in [
            (Mode::FILE, "100644"),
            (Mode::EXECUTABLE, "100755"),
            (Mode::SYMLINK, "120000"),
            (Mode::DIR, "40000"),
            (Mode::GITLINK, "160000"),
            (Mode::CINNABAR_FILE, "160644"),
            (Mode::CINNABAR_EXECUTABLE, "160755"),
        ] {
            out.clear();
            m.write_to(&mut out);
            assert_eq!(out, s.as_bytes());
            assert_eq!(m.to_string(), s);
            assert_eq!(Mode::parse(s.as_bytes()), Some(m));
        }
        assert_eq!(Mode::parse(b"040000"), Some(Mode::DIR));
        assert_eq!(Mode::parse(b"10064a"), None);
        assert_eq!(Mode::parse(b""), None);
        assert!(Mode::DIR.is_dir());
        assert!(!Mode::GITLINK.is_dir());
        assert!(!Mode::CINNABAR_FILE.is_dir());
    }

    #[test]
    fn git_order() {
        let blob = empty_blob();
        let tree = empty_tree();
        let mut entries = vec![
            TreeEntry::new(Mode::FILE, "foo.c", blob),
            TreeEntry::new(Mode::DIR, "foo", tree),
            TreeEntry::new(Mode::FILE, "foo-bar", blob),
            TreeEntry::new(Mode::CINNABAR_FILE, "_foo", blob),
            TreeEntry::new(Mode::FILE, "fo", blob),
            TreeEntry::new(Mode::GITLINK, "foo0", blob),
        ];
        let data = encode_tree(&mut entries);
        let names: Vec<&[u8]> = entries.iter().map(|e| &e.name[..]).collect();
        // "foo" is a directory: it sorts as "foo/", after "foo.c" and
        // "foo-bar" but before "foo0".
        assert_eq!(
            names,
            vec![&b"_foo"[..], b"fo", b"foo-bar", b"foo.c", b"foo", b"foo0"]
        );
        let parsed: Vec<_> = parse_tree(&data).collect::<Result<_>>().unwrap_or_default();
        assert_eq!(parsed.len(), 6);
        for (p, e) in parsed.iter().zip(&entries) {
            assert_eq!((p.mode, p.name, p.oid), (e.mode, &e.name[..], e.oid));
        }
    }

    #[test]
    fn known_tree_id() {
        // `git mktree` of a file "a" with content "a\n".
        let blob = hash_object(Kind::Blob, b"a\n");
        let mut entries = vec![TreeEntry::new(Mode::FILE, "a", blob)];
        let data = encode_tree(&mut entries);
        assert_eq!(
            hash_object(Kind::Tree, &data).to_string(),
            "aaff74984cccd156a469afa7d9ab10e4777beb24"
        );
    }

    #[test]
    fn rejects_malformed() {
        let blob = empty_blob();
        let mut good = Vec::new();
        push_entry(&mut good, Mode::FILE, b"x", &blob);
        let cases: Vec<Vec<u8>> = vec![
            b"100644x\0".to_vec(),
            b"10064z x\0aaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"100644 x".to_vec(),
            b"100644 \0aaaaaaaaaaaaaaaaaaaa".to_vec(),
            good[..good.len() - 1].to_vec(),
        ];
        for case in cases {
            let mut data = good.clone();
            data.extend_from_slice(&case);
            let items: Vec<_> = parse_tree(&data).collect();
            assert_eq!(items.len(), 2, "{case:?}");
            assert!(items[0].is_ok());
            assert!(items[1].is_err());
        }
    }
}
