//! The two git plumbing commands the conversion runs (as git-cinnabar
//! runs their library equivalents): `rev-list` for the commits to convert,
//! and `diff-tree` with copy detection for one-parent commits. Arguments
//! are passed to git directly, never through a shell.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use gix_hash::ObjectId;

use super::error::{ExportError, Result};
use crate::store::object::oid_from_hex;
use crate::store::tree::Mode;

fn git(git_dir: &Path, args: &[OsString]) -> Result<Vec<u8>> {
    let describe = || {
        args.iter()
            .take(3)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| ExportError::Git {
            command: describe(),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(ExportError::Git {
            command: describe(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

/// `git rev-list <revs> --topo-order --full-history --reverse`: the
/// commits in the order they are converted (parents first). The metadata
/// refs are left out of `--all`.
pub fn rev_list(git_dir: &Path, revs: &[OsString]) -> Result<Vec<ObjectId>> {
    // The metadata refs are no history to convert (`--all` would find
    // them): they are excluded from the next `--all`, `--glob`….
    let mut args: Vec<OsString> = vec![
        "rev-list".into(),
        "--exclude=refs/cinnabar/*".into(),
        "--exclude=refs/notes/cinnabar".into(),
    ];
    args.extend(revs.iter().cloned());
    args.extend(["--topo-order", "--full-history", "--reverse"].map(OsString::from));
    let out = git(git_dir, &args)?;
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            oid_from_hex(l).ok_or_else(|| ExportError::Git {
                command: "rev-list".into(),
                message: format!("unexpected output {:?}", String::from_utf8_lossy(l)),
            })
        })
        .collect()
}

/// One side of a `diff-tree` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub mode: Mode,
    pub oid: ObjectId,
}

/// A `diff-tree` entry, by the path it concerns (the destination for
/// renames and copies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffItem {
    Added(Side),
    Deleted(Side),
    /// Content or type changed (`M`, `T`).
    Modified {
        from: Side,
        to: Side,
    },
    Renamed {
        from_path: Vec<u8>,
        from: Side,
        to: Side,
    },
    Copied {
        from_path: Vec<u8>,
        from: Side,
        to: Side,
    },
}

/// `git diff-tree -r -z --ignore-submodules=dirty -C -C<similarity>% a b`:
/// the changes between two commits, copies searched among all files of
/// `a` (the second `-C` makes git look harder), as git-cinnabar asks.
pub fn diff_tree(
    git_dir: &Path,
    a: &ObjectId,
    b: &ObjectId,
    similarity: u8,
) -> Result<Vec<(Vec<u8>, DiffItem)>> {
    let args: Vec<OsString> = vec![
        "diff-tree".into(),
        "-r".into(),
        "-z".into(),
        "--ignore-submodules=dirty".into(),
        "-C".into(),
        format!("-C{similarity}%").into(),
        a.to_string().into(),
        b.to_string().into(),
        "--".into(),
    ];
    let out = git(git_dir, &args)?;
    parse_raw(&out).ok_or_else(|| ExportError::Git {
        command: "diff-tree".into(),
        message: "unexpected output".into(),
    })
}

/// Parses `-z` raw diff output.
fn parse_raw(out: &[u8]) -> Option<Vec<(Vec<u8>, DiffItem)>> {
    let mut fields = out.split(|&b| b == 0);
    let mut items = Vec::new();
    while let Some(head) = fields.next() {
        if head.is_empty() {
            continue;
        }
        let head = head.strip_prefix(b":")?;
        let mut parts = head.split(|&b| b == b' ');
        let mode_a = Mode::parse(parts.next()?)?;
        let mode_b = Mode::parse(parts.next()?)?;
        let oid_a = oid_from_hex(parts.next()?)?;
        let oid_b = oid_from_hex(parts.next()?)?;
        let status = parts.next()?;
        let from = Side {
            mode: mode_a,
            oid: oid_a,
        };
        let to = Side {
            mode: mode_b,
            oid: oid_b,
        };
        let path = fields.next()?.to_vec();
        let item = match status.first()? {
            b'A' => (path, DiffItem::Added(to)),
            b'D' => (path, DiffItem::Deleted(from)),
            b'M' | b'T' => (path, DiffItem::Modified { from, to }),
            b'R' => {
                let dest = fields.next()?.to_vec();
                (
                    dest,
                    DiffItem::Renamed {
                        from_path: path,
                        from,
                        to,
                    },
                )
            }
            b'C' => {
                let dest = fields.next()?.to_vec();
                (
                    dest,
                    DiffItem::Copied {
                        from_path: path,
                        from,
                        to,
                    },
                )
            }
            _ => return None,
        };
        items.push(item);
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_raw_output() {
        let z = "0000000000000000000000000000000000000000";
        let e = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
        let raw = format!(
            ":000000 100644 {z} {e} A\0new\0:100644 100644 {e} {e} R100\0old\0moved\0\
             :100644 100755 {e} {e} M\0x\0"
        );
        let items = parse_raw(raw.as_bytes()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].0, b"new");
        assert!(
            matches!(items[1], (ref p, DiffItem::Renamed { ref from_path, .. }) if p == b"moved" && from_path == b"old")
        );
        assert!(
            matches!(items[2].1, DiffItem::Modified { ref to, .. } if to.mode == Mode::EXECUTABLE)
        );
    }
}
