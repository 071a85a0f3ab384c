//! Mercurial tags (spec 6, 10.5): the `.hgtags` files of the topological
//! heads of the imported changesets, merged with Mercurial's rule, exposed
//! through the `hg::tags:` pseudo-remote.

use std::collections::HashSet;

use gix_hash::ObjectId;

use crate::hg::tags::{merge_tags, parse_hgtags, Tags};
use crate::metadata::{load as metadata, METADATA_REF};
use crate::store::ObjectRead;
use crate::store::{parse_commit, parse_tree, Repo, Store, WriteMode};

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

/// The `.hgtags` blobs whose tags merge into the repository's: those of
/// the topological heads, in the order of the branch heads, each blob once
/// (spec 6). The topological heads are the branch heads no other one
/// reaches, which takes a walk of the commit graph; it is left out when
/// its answer cannot change the blobs: when no branch head has a `.hgtags`,
/// or when every one has the same.
fn tags_blobs(store: &mut Store, heads: &[ObjectId]) -> miette::Result<Vec<ObjectId>> {
    let blobs: Vec<Option<ObjectId>> = heads.iter().map(|h| hgtags_blob(store, h)).collect();
    let Some(first) = blobs.iter().flatten().next() else {
        return Ok(Vec::new());
    };
    if blobs.iter().all(|b| b.as_ref() == Some(first)) {
        return Ok(vec![*first]);
    }
    let topological: HashSet<ObjectId> = crate::store::graph::independent(store.repo(), heads)?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    Ok(heads
        .iter()
        .zip(blobs)
        .filter(|(h, _)| topological.contains(*h))
        .filter_map(|(_, b)| b)
        .filter(|b| seen.insert(*b))
        .collect())
}

/// The tags of the imported changesets whose node is imported, with the
/// git commit of each.
pub fn resolve_tags(repo: Repo) -> miette::Result<Vec<(String, ObjectId)>> {
    let metadata_oid = repo.find_ref(METADATA_REF)?;
    let mut store = Store::new(repo, WriteMode::pipelined());
    let state = metadata::load(&mut store, metadata_oid)?;
    let heads: Vec<ObjectId> = state.branch_heads.iter().map(|h| h.commit).collect();
    let mut all = Tags::new();
    for blob in tags_blobs(&mut store, &heads)? {
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
        let r = format!(
            "refs/tags/{}",
            super::names::hg_to_ref(super::names::NameKind::Tag, name.as_bytes())
        );
        if super::refs::valid_ref_name(&r) {
            text.push_str(&format!("{oid} {r}\n"));
        } else {
            eprintln!("warning: Ignoring tag {name}: git cannot use it as a ref name");
        }
    }
    text.push('\n');
    Ok(text)
}
