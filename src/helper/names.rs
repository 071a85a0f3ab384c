//! Mercurial names (branches, bookmarks, tags) as git ref name components,
//! and back: the one place where they are encoded ([`hg_to_ref`]) and
//! decoded ([`ref_to_hg`]), for `list`, `import`, `hg::tags:` and `push`.

/// What a name is: branch names are quoted as a server's `branchmap` quotes
/// them; bookmark and tag names are kept as they are where git allows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A named branch.
    Branch,
    /// A bookmark.
    Bookmark,
    /// A tag.
    Tag,
}

/// Bytes `%`-escaped wherever they are, beyond what `hg_to_ref` escapes
/// because of where they are.
fn always_escaped(kind: NameKind, b: u8) -> bool {
    match kind {
        // Python's `urllib.parse.quote` with its default safe `/` (what
        // Mercurial's `branchmap` sends) keeps ASCII letters, digits and
        // `_.-~/`; git refuses `~`.
        NameKind::Branch => !(b.is_ascii_alphanumeric() || b"_.-/".contains(&b)),
        // What git refuses anywhere, and `%` so that decoding is exact.
        NameKind::Bookmark | NameKind::Tag => b < 0x20 || b == 0x7f || b" %~^:?*[\\".contains(&b),
    }
}

/// The git ref component of a Mercurial name (`refs/heads/branches/<here>/tip`,
/// `refs/heads/bookmarks/<here>`, `refs/tags/<here>`). Escapes (`%XX`,
/// uppercase hex) are made so that git accepts the ref and so that
/// [`ref_to_hg`] gives `name` back:
///
/// * branches: every byte but ASCII letters, digits and `_.-/`, i.e.
///   exactly what a Mercurial server's `branchmap` quotes (so refs keep the
///   names git-cinnabar gives them) plus `~`, which git refuses;
/// * bookmarks and tags: `%`, space, ASCII control characters and DEL,
///   `~^:?*[\`, and the bytes of invalid UTF-8; other characters are
///   kept (bookmarks are listed unquoted);
/// * for all, where git refuses them by position: a `/` first, last or
///   before another `/` (empty components), a `.` starting a component,
///   a `.` after a `.` (`..`), the `.` of a component ending in `.lock`,
///   a `.` ending the name, an `@` before `{` (`@{`), and a `-` starting
///   the name (git refuses such branch names).
pub fn hg_to_ref(kind: NameKind, name: &[u8]) -> String {
    let mut escape: Vec<bool> = name.iter().map(|&b| always_escaped(kind, b)).collect();
    if kind != NameKind::Branch {
        let mut at = 0;
        for chunk in name.utf8_chunks() {
            at += chunk.valid().len();
            for e in &mut escape[at..at + chunk.invalid().len()] {
                *e = true;
            }
            at += chunk.invalid().len();
        }
    }
    let raw = |escape: &[bool], i: usize, b: u8| name.get(i) == Some(&b) && !escape[i];
    let last = name.len().saturating_sub(1);
    // Empty components.
    for i in 0..name.len() {
        if raw(&escape, i, b'/') && (i == 0 || i == last || name.get(i + 1) == Some(&b'/')) {
            escape[i] = true;
        }
    }
    if raw(&escape, 0, b'-') {
        escape[0] = true;
    }
    // Components: between the kept slashes, none empty.
    let mut start = 0;
    let ends: Vec<usize> = (0..=name.len())
        .filter(|&i| i == name.len() || raw(&escape, i, b'/'))
        .collect();
    for end in ends {
        if raw(&escape, start, b'.') {
            escape[start] = true;
        }
        for i in start + 1..end {
            if raw(&escape, i, b'.') && raw(&escape, i - 1, b'.') {
                escape[i] = true;
            }
            if raw(&escape, i - 1, b'@') && name[i] == b'{' {
                escape[i - 1] = true;
            }
        }
        if end >= start + 5 && &name[end - 5..end] == b".lock" {
            escape[end - 5] = true;
        }
        start = end + 1;
    }
    if !name.is_empty() && raw(&escape, last, b'.') {
        escape[last] = true;
    }
    let mut out = String::with_capacity(name.len());
    let mut at = 0;
    while at < name.len() {
        if escape[at] {
            out.push_str(&format!("%{:02X}", name[at]));
            at += 1;
        } else {
            // Kept bytes are ASCII or whole valid UTF-8 sequences.
            let end = (at..name.len()).find(|&i| escape[i]).unwrap_or(name.len());
            out.push_str(&String::from_utf8_lossy(&name[at..end]));
            at = end;
        }
    }
    out
}

/// The Mercurial name of a ref component: its percent-decoding, the exact
/// inverse of [`hg_to_ref`] (a `%` not followed by two hex digits stays).
pub fn ref_to_hg(component: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(component).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use NameKind::*;

    #[test]
    fn branches_as_servers_quote_them() {
        for (name, expected) in [
            ("default", "default"),
            ("my branch", "my%20branch"),
            ("a+b~c", "a%2Bb%7Ec"),
            ("caf%\u{e9}", "caf%25%C3%A9"),
            ("x..y", "x.%2Ey"),
            ("end.lock", "end%2Elock"),
            ("feat/x", "feat/x"),
            ("colon:test", "colon%3Atest"),
            ("@{x}", "%40%7Bx%7D"),
            (".hidden/.x", "%2Ehidden/%2Ex"),
            ("a.lock/b", "a%2Elock/b"),
            ("a./b.", "a./b%2E"),
            ("/a//b/", "%2Fa%2F/b%2F"),
            ("-x", "%2Dx"),
            ("...", "%2E.%2E"),
        ] {
            assert_eq!(hg_to_ref(Branch, name.as_bytes()), expected, "{name}");
        }
    }

    #[test]
    fn bookmarks_and_tags() {
        for (name, expected) in [
            ("@", "@"),
            ("feat/x", "feat/x"),
            ("book mark", "book%20mark"),
            ("wip~1", "wip%7E1"),
            ("50%", "50%25"),
            ("caf\u{e9}+1", "caf\u{e9}+1"),
            ("a@{1}", "a%40{1}"),
            ("v1.0", "v1.0"),
            ("tab\there", "tab%09here"),
        ] {
            assert_eq!(hg_to_ref(Bookmark, name.as_bytes()), expected, "{name}");
            assert_eq!(hg_to_ref(Tag, name.as_bytes()), expected, "{name}");
        }
        assert_eq!(hg_to_ref(Bookmark, b"a\xffb\xc3"), "a%FFb%C3");
    }

    #[test]
    fn refs_are_valid_and_decode_exactly() {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let alphabet = b"a./-@{%~ :lock\xc3\xa9\xff";
        // Every name of up to 3 bytes of the alphabet, and some longer.
        for a in alphabet {
            names.push(vec![*a]);
            for b in alphabet {
                names.push(vec![*a, *b]);
                for c in alphabet {
                    names.push(vec![*a, *b, *c]);
                }
            }
        }
        for n in ["x.lock", "a/b.lock/c", "..lock", "a/./b", "a@{b"] {
            names.push(n.as_bytes().to_vec());
        }
        for name in names {
            for kind in [Branch, Bookmark, Tag] {
                let component = hg_to_ref(kind, &name);
                assert_eq!(ref_to_hg(&component), name, "{kind:?} {component}");
                for r in [
                    format!("refs/heads/branches/{component}/tip"),
                    format!("refs/heads/{component}"),
                ] {
                    assert!(super::super::refs::valid_ref_name(&r), "{r} ({name:?})");
                }
            }
        }
    }
}
