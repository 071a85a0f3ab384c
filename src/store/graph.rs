//! The commit graph: which of a set of commits no other one reaches
//! (`git merge-base --independent`), walked with gix over the repository
//! (and its commit-graph file when git's configuration allows one).

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Mutex;

use gix::revwalk::graph::Commit;
use gix::ObjectId;

use super::error::{Result, StoreError};
use super::repo::Repo;

/// The commit is reached from the one commit being checked.
const PARENT1: u8 = 1;
/// The commit is reached from one of the others.
const PARENT2: u8 = 2;
/// The commit is below a commit reached from both sides.
const STALE: u8 = 4;

/// What the walk keeps per commit.
#[derive(Debug, Default, Clone, Copy)]
struct Mark {
    flags: u8,
    /// How many times the commit sits in the queue.
    queued: u32,
}

type Graph<'repo, 'cache> = gix::revwalk::Graph<'repo, 'cache, Commit<Mark>>;

/// Generation then commit time, most recent first: the walk order of git.
type Key = (u32, i64, ObjectId);

/// The commits of `heads` that are not reachable from another of them:
/// the answer of `git merge-base --independent`, as the same set in the
/// same order, which is the order of `heads` with repeats left out.
///
/// Every head must be a commit of the repository
/// ([`StoreError::NotFound`] otherwise, where git fails too), except
/// that a single head (or none) is returned as given without a look.
/// Objects in a pack still being written are not seen.
///
/// The walk is git's `remove_redundant` without generation numbers: for
/// each head still standing, paint down from it and from the others at
/// once, most recent commits first, until only commits reached from both
/// sides are left; the head is redundant if the others reached it, and so
/// is any other the head reached. Git's generation-number variant gives
/// the same set (both are exact); generation numbers from a commit-graph
/// file only serve here to stop walks early.
pub fn independent(repo: &Repo, heads: &[ObjectId]) -> Result<Vec<ObjectId>> {
    let mut seen = HashSet::with_capacity(heads.len());
    let unique: Vec<ObjectId> = heads.iter().copied().filter(|h| seen.insert(*h)).collect();
    if unique.len() <= 1 {
        return Ok(unique);
    }
    let gix_repo = repo.gix();
    // A commit-graph file only speeds the walk up; one that cannot be
    // read is as good as none.
    let cache = gix_repo.commit_graph_if_enabled().ok().flatten();
    let shared = cache.is_none();
    let mut graph: Graph<'_, '_> = gix_repo.revision_graph(cache.as_ref());
    let mut generations = Vec::with_capacity(unique.len());
    for head in &unique {
        generations.push(key(*head, load(&mut graph, *head, shared)?).0);
    }
    let mut redundant = vec![false; unique.len()];
    for i in 0..unique.len() {
        if redundant[i] {
            continue;
        }
        let others: Vec<usize> = (0..unique.len())
            .filter(|&j| j != i && !redundant[j])
            .collect();
        if others.is_empty() {
            break;
        }
        let min_generation = others
            .iter()
            .map(|&j| generations[j])
            .fold(generations[i], u32::min);
        graph.clear_commit_data(|m| *m = Mark::default());
        let twos: Vec<ObjectId> = others.iter().map(|&j| unique[j]).collect();
        paint_down(&mut graph, unique[i], &twos, min_generation, shared)?;
        if flags(&graph, &unique[i]) & PARENT2 != 0 {
            redundant[i] = true;
        }
        for &j in &others {
            if flags(&graph, &unique[j]) & PARENT1 != 0 {
                redundant[j] = true;
            }
        }
    }
    Ok(unique
        .into_iter()
        .zip(redundant)
        .filter(|(_, r)| !r)
        .map(|(h, _)| h)
        .collect())
}

/// Most commits [`READ`] keeps.
const READ_LIMIT: usize = 1 << 17;

/// The commits walks of this process have read (parents and time) in a
/// repository without a commit-graph file: a commit never changes, so a
/// later walk, e.g. the tags read again after an import, takes them from
/// here instead of inflating them again. (With a commit-graph file,
/// generation numbers already cut walks short, and those would have to
/// come from one file.) Emptied when it holds [`READ_LIMIT`].
static READ: Mutex<Option<HashMap<ObjectId, Commit<Mark>>>> = Mutex::new(None);

/// Looks a commit up, loading it into the graph; through [`READ`] when
/// `shared` (no commit-graph file).
fn load<'g>(
    graph: &'g mut Graph<'_, '_>,
    id: ObjectId,
    shared: bool,
) -> Result<&'g mut Commit<Mark>> {
    if !shared {
        return graph
            .get_or_insert_commit(id, |_| {})
            .map_err(|e| StoreError::git(format!("reading commit {id}"), e))?
            .ok_or(StoreError::NotFound(id));
    }
    if !graph.contains(&id) {
        let known = READ
            .lock()
            .ok()
            .and_then(|read| read.as_ref()?.get(&id).cloned());
        if let Some(mut commit) = known {
            commit.data = Mark::default();
            graph.insert(id, commit);
        } else {
            let commit = graph
                .get_or_insert_commit(id, |_| {})
                .map_err(|e| StoreError::git(format!("reading commit {id}"), e))?
                .ok_or(StoreError::NotFound(id))?;
            let mut kept = commit.clone();
            kept.data = Mark::default();
            if let Ok(mut read) = READ.lock() {
                let read = read.get_or_insert_with(HashMap::new);
                if read.len() >= READ_LIMIT {
                    read.clear();
                }
                read.insert(id, kept);
            }
        }
    }
    graph.get_mut(&id).ok_or(StoreError::NotFound(id))
}

fn key(id: ObjectId, commit: &Commit<Mark>) -> Key {
    (
        commit
            .generation
            .unwrap_or(gix::commitgraph::GENERATION_NUMBER_INFINITY),
        commit.commit_time,
        id,
    )
}

fn flags(graph: &Graph<'_, '_>, id: &ObjectId) -> u8 {
    graph.get(id).map_or(0, |c| c.data.flags)
}

/// The walk queue, counting its entries for commits not yet stale, so
/// that the walk knows in constant time when only stale ones are left.
struct Queue {
    heap: BinaryHeap<Key>,
    non_stale: usize,
}

impl Queue {
    /// Adds `flags` to `commit` and queues it.
    fn mark_and_push(&mut self, id: ObjectId, commit: &mut Commit<Mark>, flags: u8) {
        let was_stale = commit.data.flags & STALE != 0;
        commit.data.flags |= flags;
        if !was_stale && commit.data.flags & STALE != 0 {
            // Its entries already queued are stale from now on.
            self.non_stale -= commit.data.queued as usize;
        }
        if commit.data.flags & STALE == 0 {
            self.non_stale += 1;
        }
        commit.data.queued += 1;
        self.heap.push(key(id, commit));
    }
}

/// git's `paint_down_to_common` for `one` against `twos`, keeping only
/// the marks: a commit reached from `one` gets [`PARENT1`], from one of
/// `twos` [`PARENT2`], and below a commit with both, [`STALE`] too. Stops
/// when only stale commits are queued, or at commits of a lower generation
/// than `min_generation`, which cannot reach any of the commits compared.
fn paint_down(
    graph: &mut Graph<'_, '_>,
    one: ObjectId,
    twos: &[ObjectId],
    min_generation: u32,
    shared: bool,
) -> Result<()> {
    let mut queue = Queue {
        heap: BinaryHeap::new(),
        non_stale: 0,
    };
    queue.mark_and_push(one, load(graph, one, shared)?, PARENT1);
    for two in twos {
        queue.mark_and_push(*two, load(graph, *two, shared)?, PARENT2);
    }
    while queue.non_stale > 0 {
        let Some((generation, _, id)) = queue.heap.pop() else {
            break;
        };
        let commit = load(graph, id, shared)?;
        commit.data.queued -= 1;
        let mut flags = commit.data.flags;
        if flags & STALE == 0 {
            queue.non_stale -= 1;
        }
        if generation < min_generation {
            break;
        }
        if flags & (PARENT1 | PARENT2) == PARENT1 | PARENT2 {
            flags |= STALE;
        }
        let parents = commit.parents.clone();
        for parent in parents {
            let p = load(graph, parent, shared)?;
            if p.data.flags & flags != flags {
                queue.mark_and_push(parent, p, flags);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use crate::store::commit::raw_commit;
    use crate::store::object::empty_tree;
    use crate::store::{ConfigOverrides, Kind, ObjectWrite, Store, WriteMode};

    fn git(dir: &Path, args: &[&str]) -> std::process::Output {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("running git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        out
    }

    /// `git merge-base --independent`, as it prints.
    fn git_independent(dir: &Path, heads: &[ObjectId]) -> Vec<ObjectId> {
        let mut args = vec!["merge-base".to_string(), "--independent".to_string()];
        args.extend(heads.iter().map(ToString::to_string));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        String::from_utf8(git(dir, &args).stdout)
            .unwrap()
            .lines()
            .map(|l| ObjectId::from_hex(l.as_bytes()).unwrap())
            .collect()
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// A random history of `count` commits (several roots, merges of up
    /// to three parents, commit dates in no particular order).
    fn random_history(store: &mut Store, rng: &mut Rng, count: usize) -> Vec<ObjectId> {
        let mut commits: Vec<ObjectId> = Vec::new();
        for n in 0..count {
            let mut parents = Vec::new();
            if !commits.is_empty() && rng.below(8) != 0 {
                let wanted = 1 + usize::from(rng.below(4) == 0) + usize::from(rng.below(10) == 0);
                for _ in 0..wanted {
                    // Mostly recent parents, sometimes an old one.
                    let back = if rng.below(3) == 0 {
                        rng.below(commits.len())
                    } else {
                        rng.below(commits.len().min(4))
                    };
                    let p = commits[commits.len() - 1 - back];
                    if !parents.contains(&p) {
                        parents.push(p);
                    }
                }
            }
            let time = 1_000_000_000 + rng.below(1000) as u64 * 60;
            let who = format!("A <a@example.com> {time} +0000");
            let message = format!("commit {n}\n");
            let raw = raw_commit(
                &empty_tree(),
                &parents,
                who.as_bytes(),
                who.as_bytes(),
                message.as_bytes(),
            );
            commits.push(store.write_owned(Kind::Commit, raw).unwrap());
        }
        commits
    }

    #[test]
    fn same_answer_as_git() -> Result<()> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo.git");
        let mut store = Store::new(
            Repo::init_bare(&path, ConfigOverrides::new())?,
            WriteMode::Direct,
        );
        store.write(Kind::Tree, b"")?;
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let commits = random_history(&mut store, &mut rng, 120);
        store.finish_pack()?;

        let mut cases: Vec<Vec<ObjectId>> = vec![
            commits.clone(),
            commits.iter().rev().copied().collect(),
            vec![commits[5], commits[5]],
            vec![commits[7], commits[3], commits[7]],
        ];
        for _ in 0..60 {
            let n = 2 + rng.below(9);
            cases.push((0..n).map(|_| commits[rng.below(commits.len())]).collect());
        }
        for with_commit_graph in [false, true] {
            if with_commit_graph {
                // No ref points at the commits: name them all.
                let mut child = Command::new("git")
                    .arg("--git-dir")
                    .arg(&path)
                    .args(["commit-graph", "write", "--stdin-commits"])
                    .env("GIT_CONFIG_NOSYSTEM", "1")
                    .env("GIT_CONFIG_GLOBAL", "/dev/null")
                    .stdin(std::process::Stdio::piped())
                    .spawn()
                    .expect("running git");
                let list: String = commits.iter().map(|c| format!("{c}\n")).collect();
                std::io::Write::write_all(&mut child.stdin.take().unwrap(), list.as_bytes())
                    .unwrap();
                assert!(child.wait().unwrap().success());
            }
            let repo = Repo::open_at(&path, ConfigOverrides::new())?;
            if with_commit_graph {
                assert!(repo.gix().commit_graph_if_enabled().unwrap().is_some());
            }
            let (mut reduced, mut several) = (0, 0);
            for heads in &cases {
                let ours = independent(&repo, heads)?;
                assert_eq!(
                    ours,
                    git_independent(&path, heads),
                    "heads {heads:?}, commit-graph: {with_commit_graph}"
                );
                let unique: HashSet<_> = heads.iter().collect();
                reduced += usize::from(ours.len() < unique.len());
                several += usize::from(ours.len() > 1);
            }
            // The cases are not all trivial.
            assert!(reduced > 10 && several > 10, "{reduced} {several}");
        }
        Ok(())
    }

    #[test]
    fn missing_commits() -> Result<()> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo.git");
        let repo = Repo::init_bare(&path, ConfigOverrides::new())?;
        let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
        let other = ObjectId::from_hex(b"1123456789012345678901234567890123456789").unwrap();
        assert!(independent(&repo, &[])?.is_empty());
        assert_eq!(independent(&repo, &[missing, missing])?, vec![missing]);
        assert!(matches!(
            independent(&repo, &[missing, other]),
            Err(StoreError::NotFound(_))
        ));
        Ok(())
    }
}
