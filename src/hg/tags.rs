//! `.hgtags` files (spec 6): `<node> <name>` lines, and Mercurial's rule
//! for merging the tags of several heads.

use std::collections::BTreeMap;

use super::HgNode;

/// A tag: its node and the nodes it pointed to before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub node: HgNode,
    pub history: Vec<HgNode>,
}

/// Tags by name.
pub type Tags = BTreeMap<String, Tag>;

/// Parses one `.hgtags` file: `<40 hex> <name>` lines; a later line for a
/// tag replaces the earlier one, which goes to the tag's history.
pub fn parse_hgtags(data: &[u8]) -> Tags {
    let mut tags: Tags = BTreeMap::new();
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() || line.len() < 41 || line[40] != b' ' {
            continue;
        }
        let Ok(node) = HgNode::from_hex(&line[..40]) else {
            continue;
        };
        let name = String::from_utf8_lossy(line[41..].trim_ascii()).into_owned();
        if name.is_empty() {
            continue;
        }
        match tags.get_mut(&name) {
            Some(tag) => {
                let previous = std::mem::replace(&mut tag.node, node);
                tag.history.push(previous);
            }
            None => {
                tags.insert(
                    name,
                    Tag {
                        node,
                        history: Vec::new(),
                    },
                );
            }
        }
    }
    tags
}

/// Merges the tags of one more head into `all` (Mercurial's rule: the
/// incoming node wins unless it differs, the current history has it, and
/// the incoming history lacks the current node or is shorter; histories are
/// unioned).
pub fn merge_tags(all: &mut Tags, incoming: Tags) {
    for (name, mut tag) in incoming {
        let Some(current) = all.get(&name) else {
            all.insert(name, tag);
            continue;
        };
        if current.node != tag.node
            && current.history.contains(&tag.node)
            && (!tag.history.contains(&current.node) || current.history.len() > tag.history.len())
        {
            tag.node = current.node;
        }
        for n in &current.history {
            if !tag.history.contains(n) {
                tag.history.push(*n);
            }
        }
        all.insert(name, tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(b: u8) -> HgNode {
        HgNode([b; 20])
    }

    fn line(node: HgNode, name: &str) -> String {
        format!("{node} {name}\n")
    }

    #[test]
    fn parse_and_merge() {
        let text = line(n(1), "v1") + &line(n(2), " v2 ") + "\n" + &line(n(3), "v1");
        let tags = parse_hgtags(text.as_bytes());
        assert_eq!(
            tags["v1"],
            Tag {
                node: n(3),
                history: vec![n(1)]
            }
        );
        assert_eq!(tags["v2"].node, n(2));
        // A head that still has the older value does not win over a newer
        // value whose history contains it.
        let mut all = tags.clone();
        merge_tags(&mut all, parse_hgtags(line(n(1), "v1").as_bytes()));
        assert_eq!(all["v1"].node, n(3));
        // A head with a value the current history lacks wins.
        let mut all = tags;
        merge_tags(&mut all, parse_hgtags(line(n(4), "v1").as_bytes()));
        assert_eq!(all["v1"].node, n(4));
        assert_eq!(all["v1"].history, vec![n(1)]);
    }
}
