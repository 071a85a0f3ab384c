//! Which git refs the remote helper shows for a Mercurial repository's
//! branches, heads and bookmarks (`cinnabar.refs` styles, spec 10.3/10.4).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::hg::HgNode;

/// What Python's `urllib.parse.quote` escapes by default: all but ASCII
/// letters, digits and `_.-~/`.
const BRANCH_QUOTE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// The kinds of refs to expose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefStyle {
    pub bookmarks: bool,
    pub heads: bool,
    pub tips: bool,
}

impl Default for RefStyle {
    fn default() -> Self {
        RefStyle {
            bookmarks: true,
            heads: true,
            tips: true,
        }
    }
}

impl RefStyle {
    /// Parses a comma list of `bookmarks`, `heads`, `tips`, or `all`/`true`.
    pub fn parse(value: &str) -> Result<RefStyle, String> {
        let mut style = RefStyle {
            bookmarks: false,
            heads: false,
            tips: false,
        };
        for item in value.split(',').map(str::trim) {
            match item {
                "all" | "true" => style = RefStyle::default(),
                "bookmarks" => style.bookmarks = true,
                "heads" => style.heads = true,
                "tips" => style.tips = true,
                _ => return Err(format!("unknown value for cinnabar.refs: {item}")),
            }
        }
        if style
            == (RefStyle {
                bookmarks: false,
                heads: false,
                tips: false,
            })
        {
            return Err("cinnabar.refs is empty".into());
        }
        Ok(style)
    }
}

/// A branch as the remote describes it: its (URL-quoted) name, its heads in
/// revision order, and for each head whether it is known to close the
/// branch.
#[derive(Clone, Debug)]
pub struct Branch {
    pub name: String,
    pub heads: Vec<(HgNode, bool)>,
}

impl Branch {
    /// The branch tip: the last head that is not closed; the first head when
    /// all are closed.
    pub fn tip(&self) -> Option<HgNode> {
        self.heads
            .iter()
            .rev()
            .find(|(_, closed)| !closed)
            .or(self.heads.first())
            .map(|(n, _)| *n)
    }
}

/// The refs to list, in order, and the ref HEAD points to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefList {
    pub refs: Vec<(String, HgNode)>,
    pub head: Option<String>,
}

/// Computes the refs for a style.
pub fn list_refs(style: RefStyle, branches: &[Branch], bookmarks: &[(String, HgNode)]) -> RefList {
    let mut refs = Vec::new();
    let mut head = None;
    let prefix = if style.bookmarks && (style.heads || style.tips) {
        "refs/heads/branches/"
    } else {
        "refs/heads/"
    };
    for branch in branches {
        let tip = branch.tip();
        if style.heads {
            for (node, _) in &branch.heads {
                if style.tips && Some(*node) == tip {
                    continue;
                }
                refs.push((format!("{prefix}{}/{}", branch.name, node), *node));
            }
        }
        if let Some(tip) = tip {
            if style.tips {
                let name = if style.heads {
                    format!("{prefix}{}/tip", branch.name)
                } else {
                    format!("{prefix}{}", branch.name)
                };
                if branch.name == "default" {
                    head = Some(name.clone());
                }
                refs.push((name, tip));
            } else if style.heads && branch.name == "default" {
                head = Some(format!("{prefix}default/{tip}"));
            }
        }
    }
    if style.bookmarks {
        let bprefix = if style.heads || style.tips {
            "refs/heads/bookmarks/"
        } else {
            "refs/heads/"
        };
        for (name, node) in bookmarks {
            if node.is_null() {
                continue;
            }
            let r = format!("{bprefix}{name}");
            if name == "@" {
                head = Some(r.clone());
            }
            refs.push((r, *node));
        }
    }
    refs.sort();
    RefList { refs, head }
}

/// Quotes a branch name the way Mercurial servers do in `branchmap`
/// (Python's `urllib.parse.quote`, `/` kept).
pub fn quote_branch(name: &[u8]) -> String {
    percent_encoding::percent_encode(name, BRANCH_QUOTE_SET).to_string()
}

/// Whether git accepts `name` as a ref name (`git check-ref-format` rules).
pub fn valid_ref_name(name: &str) -> bool {
    if name.is_empty()
        || name.ends_with('/')
        || name.ends_with('.')
        || name.contains("..")
        || name.contains("@{")
        || name == "@"
    {
        return false;
    }
    if name
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b" ~^:?*[\\".contains(&b))
    {
        return false;
    }
    name.split('/')
        .all(|c| !c.is_empty() && !c.starts_with('.') && !c.ends_with(".lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(b: u8) -> HgNode {
        HgNode([b; 20])
    }

    #[test]
    fn default_style() {
        let branches = vec![
            Branch {
                name: "default".into(),
                heads: vec![(n(1), false), (n(2), false)],
            },
            Branch {
                name: "foo".into(),
                heads: vec![(n(3), false), (n(4), true)],
            },
        ];
        let bookmarks = vec![("@".to_string(), n(1)), ("gone".to_string(), HgNode::NULL)];
        let l = list_refs(RefStyle::default(), &branches, &bookmarks);
        let names: Vec<&str> = l.refs.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "refs/heads/bookmarks/@".to_string(),
                format!("refs/heads/branches/default/{}", n(1)),
                "refs/heads/branches/default/tip".to_string(),
                format!("refs/heads/branches/foo/{}", n(4)),
                "refs/heads/branches/foo/tip".to_string(),
            ]
        );
        assert_eq!(l.head.as_deref(), Some("refs/heads/bookmarks/@"));
        let tips = list_refs(RefStyle::parse("tips").unwrap(), &branches, &bookmarks);
        assert_eq!(tips.refs[0], ("refs/heads/default".to_string(), n(2)));
        assert_eq!(tips.head.as_deref(), Some("refs/heads/default"));
    }

    #[test]
    fn quoting_and_validity() {
        assert_eq!(quote_branch(b"a b/c:d"), "a%20b/c%3Ad");
        for b in 0..=255u8 {
            let expected = if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(quote_branch(&[b]), expected, "{b:#x}");
        }
        assert_eq!(quote_branch("caf\u{e9}".as_bytes()), "caf%C3%A9");
        assert!(valid_ref_name("refs/heads/branches/default/tip"));
        assert!(!valid_ref_name("refs/heads/branches/colon:test/tip"));
        assert!(!valid_ref_name("refs/heads/a..b"));
        assert!(!valid_ref_name("refs/heads/.x"));
    }
}
