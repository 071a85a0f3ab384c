//! Which git refs the remote helper shows for a Mercurial repository's
//! branches, heads and bookmarks (`cinnabar.refs` styles, spec 10.3/10.4).

use super::names::{hg_to_ref, NameKind};
use crate::hg::HgNode;

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

/// A branch as the remote describes it: its Mercurial name, its heads in
/// revision order, and for each head whether it is known to close the
/// branch.
#[derive(Clone, Debug)]
pub struct Branch {
    pub name: Vec<u8>,
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

/// Computes the refs for a style; names become ref components with
/// [`hg_to_ref`].
pub fn list_refs(style: RefStyle, branches: &[Branch], bookmarks: &[(Vec<u8>, HgNode)]) -> RefList {
    let mut refs = Vec::new();
    let mut head = None;
    let prefix = if style.bookmarks && (style.heads || style.tips) {
        "refs/heads/branches/"
    } else {
        "refs/heads/"
    };
    for branch in branches {
        let tip = branch.tip();
        let name = hg_to_ref(NameKind::Branch, &branch.name);
        let is_default = branch.name == b"default";
        if style.heads {
            for (node, _) in &branch.heads {
                if style.tips && Some(*node) == tip {
                    continue;
                }
                refs.push((format!("{prefix}{name}/{node}"), *node));
            }
        }
        if let Some(tip) = tip {
            if style.tips {
                let r = if style.heads {
                    format!("{prefix}{name}/tip")
                } else {
                    format!("{prefix}{name}")
                };
                if is_default {
                    head = Some(r.clone());
                }
                refs.push((r, tip));
            } else if style.heads && is_default {
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
            let r = format!("{bprefix}{}", hg_to_ref(NameKind::Bookmark, name));
            if name == b"@" {
                head = Some(r.clone());
            }
            refs.push((r, *node));
        }
    }
    refs.sort();
    RefList { refs, head }
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
                name: b"default".to_vec(),
                heads: vec![(n(1), false), (n(2), false)],
            },
            Branch {
                name: b"foo".to_vec(),
                heads: vec![(n(3), false), (n(4), true)],
            },
        ];
        let bookmarks = vec![(b"@".to_vec(), n(1)), (b"gone".to_vec(), HgNode::NULL)];
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
    fn validity() {
        assert!(valid_ref_name("refs/heads/branches/default/tip"));
        assert!(!valid_ref_name("refs/heads/branches/colon:test/tip"));
        assert!(!valid_ref_name("refs/heads/a..b"));
        assert!(!valid_ref_name("refs/heads/.x"));
    }
}
