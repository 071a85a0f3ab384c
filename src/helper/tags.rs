//! Mercurial tags (spec 6, 10.5): the `.hgtags` files of the topological
//! heads of the imported changesets, merged with Mercurial's rule, exposed
//! through the `hg::tags:` pseudo-remote; `git cinnabar fetch --tags`.

use std::collections::{BTreeMap, HashSet};
use std::process::{Command, ExitCode};

use gix_hash::ObjectId;
use miette::{Context, IntoDiagnostic};

use crate::hg::HgNode;
use crate::import::metadata::{self, METADATA_REF};
use crate::store::ObjectRead;
use crate::store::{parse_commit, parse_tree, Repo, Store, WriteMode};

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

/// The `.hgtags` blob of a commit's tree, if any.
fn hgtags_blob(store: &mut Store, commit: &ObjectId) -> Option<ObjectId> {
    let mut buf = Vec::new();
    store.read(commit, &mut buf).ok()?;
    let tree = parse_commit(&buf).ok()?.tree;
    let mut data = Vec::new();
    store.read(&tree, &mut data).ok()?;
    let oid = parse_tree(&data)
        .filter_map(Result::ok)
        .find(|e| e.name == b".hgtags")
        .map(|e| e.oid);
    oid
}

/// The tags of the imported changesets whose node is imported, with the
/// git commit of each.
pub fn resolve_tags(repo: Repo) -> miette::Result<Vec<(String, ObjectId)>> {
    let metadata_oid = repo.find_ref(METADATA_REF)?;
    let mut store = Store::new(repo, WriteMode::pipelined());
    let state = metadata::load(&mut store, metadata_oid)?;
    let heads: Vec<ObjectId> = state.branch_heads.iter().map(|h| h.commit).collect();
    let heads = crate::store::graph::independent(store.repo(), &heads)?;
    let mut all = Tags::new();
    let mut seen = HashSet::new();
    for head in heads {
        let Some(blob) = hgtags_blob(&mut store, &head) else {
            continue;
        };
        if !seen.insert(blob) {
            continue;
        }
        let mut data = Vec::new();
        if store.read(&blob, &mut data).is_err() {
            continue;
        }
        merge_tags(&mut all, parse_hgtags(&data));
    }
    Ok(all
        .into_iter()
        .filter(|(_, t)| !t.node.is_null())
        .filter_map(|(name, t)| Some((name, state.hg2git(&t.node)?)))
        .collect())
}

/// The `list` reply of the `hg::tags:` pseudo-remote.
pub fn list(repo: Repo) -> miette::Result<String> {
    let mut text = String::new();
    for (name, oid) in resolve_tags(repo)? {
        let r = format!("refs/tags/{name}");
        if super::refs::valid_ref_name(&r) {
            text.push_str(&format!("{oid} {r}\n"));
        } else {
            eprintln!("warning: Ignoring tag {name}: git cannot use it as a ref name");
        }
    }
    text.push('\n');
    Ok(text)
}

/// `git cinnabar fetch --tags`: `git fetch --tags hg::tags: tag "*"`.
pub fn fetch_tags() -> crate::cli::Outcome {
    let status = Command::new("git")
        .args(["fetch", "--tags", "hg::tags:", "tag", "*"])
        .status()
        .into_diagnostic()
        .wrap_err("cannot run git fetch")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
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
