//! Clones of small hg repositories built with real `hg` commands, against
//! the hashes git-cinnabar gives for the same recipes (spec 2.9, 13.4).

use std::path::Path;

use crate::support::*;

fn hg_id(repo: &Path, rev: &str) -> String {
    hg(repo, &["log", "-r", rev, "-T", "{node}"])
}

#[test]
fn two_changesets_give_upstream_commits_and_metadata() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    commit_file(&repo, "a", 0);
    commit_file(&repo, "b", 1);
    assert_eq!(
        hg_id(&repo, "0"),
        "f92470d7f6966a39dfbced6a525fe81ebf5c37b9"
    );
    assert_eq!(
        hg_id(&repo, "1"),
        "636e60525868096cbdc961870493510558f41d2f"
    );

    let dest = tmp.path().join("clone.git");
    mirror_clone(&repo, &dest);
    let map = notes_map(&dest);
    assert_eq!(
        map,
        vec![
            "636e60525868096cbdc961870493510558f41d2f d04f6df4abe2870ceb759263ee6aaa9241c4f93c",
            "f92470d7f6966a39dfbced6a525fe81ebf5c37b9 8b86a58578d5270969543e287634e3a2f122a338",
        ]
    );
    assert_eq!(
        rev_parse(&dest, "refs/cinnabar/metadata").as_deref(),
        Some("9134dcc9628afe079a8a61e06f1e49a36a983cc4")
    );
    assert_eq!(
        rev_parse(&dest, "refs/notes/cinnabar").as_deref(),
        Some("522a8fcad148fe794046af5769734cdd44f3ebc4")
    );
    assert_eq!(
        rev_parse(&dest, "refs/heads/branches/default/tip").as_deref(),
        Some("d04f6df4abe2870ceb759263ee6aaa9241c4f93c")
    );
    assert_eq!(
        rev_parse(&dest, "d04f6df4^{tree}").as_deref(),
        Some("3683f870be446c7cc05ffaef9fa06415276e1828")
    );
}

#[test]
fn branches_give_upstream_commits() {
    let tmp = tempdir();
    let repo = rollback_repo();

    let dest = tmp.path().join("clone.git");
    let url = format!("hg::file://{}", repo.display());
    check(&mirror(tmp.path(), &url, &dest, &[]));
    let map = notes_map(&dest);
    let expected = [
        (
            "f92470d7f6966a39dfbced6a525fe81ebf5c37b9",
            "8b86a58578d5270969543e287634e3a2f122a338",
        ),
        (
            "636e60525868096cbdc961870493510558f41d2f",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c",
        ),
        (
            "ae078ae353a9b004afbd6fd6e5e7a5a0a48a4307",
            "7688446e0a5d5b6108443632be74c9bca72d31b1",
        ),
        (
            "7937e1a594596ae25c637d317503d775767671b5",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611",
        ),
        (
            "872d4a0c72d8c2b915a4d85b4f31ca4a12c882eb",
            "ceb496b41c51e93d51a8d6b211ddd0c6458975ed",
        ),
        (
            "312a5a9c675e3ce302a33bd4605205a6be36d561",
            "23bcc26b9fea7e37426260465bed35eac54af5e1",
        ),
    ];
    let mut expected: Vec<String> = expected.iter().map(|(h, g)| format!("{h} {g}")).collect();
    expected.sort();
    assert_eq!(map, expected);
    let refs: Vec<String> = git(
        &dest,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    assert_eq!(
        refs,
        vec![
            "refs/heads/branches/default/636e60525868096cbdc961870493510558f41d2f d04f6df4abe2870ceb759263ee6aaa9241c4f93c",
            "refs/heads/branches/default/tip 5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611",
            "refs/heads/branches/foo/tip 23bcc26b9fea7e37426260465bed35eac54af5e1",
        ]
    );
    // The e changeset's note carries its branch.
    let note = git(
        &dest,
        &[
            "notes",
            "--ref=cinnabar",
            "show",
            "ceb496b41c51e93d51a8d6b211ddd0c6458975ed",
        ],
    );
    assert_eq!(
        note.trim_end(),
        "changeset 872d4a0c72d8c2b915a4d85b4f31ca4a12c882eb\nmanifest add340bb21de71d269d1331001c362530241bc48\nextra branch:foo\nfiles e"
    );
}
