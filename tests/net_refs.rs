//! `git ls-remote hg::…` for every `cinnabar.refs` style, before and after
//! cloning, with branches, bookmarks, `@` and new heads (the expectations
//! of git-cinnabar's tests/ls-remote.t); and the same listing over HTTP.

use std::path::{Path, PathBuf};

use crate::support::*;

struct LsRemote {
    dir: PathBuf,
    repo: PathBuf,
    n: u32,
}

impl LsRemote {
    fn create(&mut self, name: &str) {
        std::fs::write(self.repo.join(name), format!("{name}\n")).unwrap();
        hg(&self.repo, &["add", name]);
        let date = format!("{} 0", self.n);
        hg(
            &self.repo,
            &["commit", "-m", name, "-u", "nobody", "-d", &date],
        );
        self.n += 1;
    }

    fn ls_remote(&self, cwd: &Path, style: &str, url: &str) -> Vec<String> {
        let mut cmd = command("git", cwd);
        if !style.is_empty() {
            cmd.args(["-c", &format!("cinnabar.refs={style}")]);
        }
        cmd.args(["ls-remote", url]);
        String::from_utf8_lossy(&run(cmd))
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn check(&self, style: &str, in_clone: bool, expected: &[&str]) {
        let cwd = if in_clone {
            self.dir.join("repo-git")
        } else {
            self.dir.clone()
        };
        let url = format!("hg::{}", self.repo.display());
        let actual = self.ls_remote(&cwd, style, &url);
        assert_eq!(actual, expected, "style {style:?}, in clone: {in_clone}");
    }

    fn step(&mut self, name: &str) {
        match name {
            "branches" => {
                self.create("a");
                self.create("b");
                hg(&self.repo, &["update", "-q", "-r", "0"]);
                self.create("c");
                self.create("d");
                hg(&self.repo, &["update", "-q", "-r", "2"]);
                hg(&self.repo, &["branch", "-q", "foo"]);
                self.create("e");
                self.create("f");
            }
            "clone" => {
                let url = format!("hg::{}", self.repo.display());
                git(&self.dir, &["clone", "-q", &url, "repo-git"]);
            }
            "bookmarks" => {
                hg(&self.repo, &["bookmark", "bar", "-r", "1"]);
                hg(&self.repo, &["bookmark", "qux", "-r", "2"]);
                hg(&self.repo, &["bookmark", "fooz", "-r", "5"]);
            }
            "newhead" => {
                hg(&self.repo, &["update", "-q", "-r", "1"]);
                self.create("g");
                self.create("h");
            }
            "update" => {
                hg(&self.repo, &["bookmark", "-q", "bar", "-f", "-r", "7"]);
                git(
                    &self.dir.join("repo-git"),
                    &["-c", "fetch.prune=true", "remote", "update"],
                );
            }
            "at" => {
                hg(&self.repo, &["bookmark", "@", "-r", "3"]);
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn ls_remote_styles() {
    let tmp = tempdir();
    let repo = tmp.path().join("repo");
    hg(tmp.path(), &["init", "repo"]);
    let mut t = LsRemote {
        dir: tmp.path().to_path_buf(),
        repo,
        n: 0,
    };
    t.check("", false, &[]);
    t.check("tips", false, &[]);
    t.check("heads", false, &[]);
    t.check("bookmarks", false, &[]);
    t.step("branches");
    t.check("", false, &[
            "0000000000000000000000000000000000000000\tHEAD",
            "0000000000000000000000000000000000000000\trefs/heads/branches/default/636e60525868096cbdc961870493510558f41d2f",
            "0000000000000000000000000000000000000000\trefs/heads/branches/default/tip",
            "0000000000000000000000000000000000000000\trefs/heads/branches/foo/tip",
        ]);
    t.check(
        "tips",
        false,
        &[
            "0000000000000000000000000000000000000000\tHEAD",
            "0000000000000000000000000000000000000000\trefs/heads/default",
            "0000000000000000000000000000000000000000\trefs/heads/foo",
        ],
    );
    t.check("heads", false, &[
            "0000000000000000000000000000000000000000\tHEAD",
            "0000000000000000000000000000000000000000\trefs/heads/default/636e60525868096cbdc961870493510558f41d2f",
            "0000000000000000000000000000000000000000\trefs/heads/default/7937e1a594596ae25c637d317503d775767671b5",
            "0000000000000000000000000000000000000000\trefs/heads/foo/312a5a9c675e3ce302a33bd4605205a6be36d561",
        ]);
    t.check("bookmarks", false, &[]);
    t.step("clone");
    t.check("", true, &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/branches/default/636e60525868096cbdc961870493510558f41d2f",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/branches/default/tip",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/branches/foo/tip",
        ]);
    t.check(
        "tips",
        true,
        &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/default",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/foo",
        ],
    );
    t.check("heads", true, &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/default/636e60525868096cbdc961870493510558f41d2f",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/default/7937e1a594596ae25c637d317503d775767671b5",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/foo/312a5a9c675e3ce302a33bd4605205a6be36d561",
        ]);
    t.check("bookmarks", true, &[]);
    t.step("bookmarks");
    t.check("", false, &[
            "0000000000000000000000000000000000000000\tHEAD",
            "0000000000000000000000000000000000000000\trefs/heads/bookmarks/bar",
            "0000000000000000000000000000000000000000\trefs/heads/bookmarks/fooz",
            "0000000000000000000000000000000000000000\trefs/heads/bookmarks/qux",
            "0000000000000000000000000000000000000000\trefs/heads/branches/default/636e60525868096cbdc961870493510558f41d2f",
            "0000000000000000000000000000000000000000\trefs/heads/branches/default/tip",
            "0000000000000000000000000000000000000000\trefs/heads/branches/foo/tip",
        ]);
    t.check(
        "bookmarks",
        false,
        &[
            "0000000000000000000000000000000000000000\trefs/heads/bar",
            "0000000000000000000000000000000000000000\trefs/heads/fooz",
            "0000000000000000000000000000000000000000\trefs/heads/qux",
        ],
    );
    t.check("", true, &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/bookmarks/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/bookmarks/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/bookmarks/qux",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/branches/default/636e60525868096cbdc961870493510558f41d2f",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/branches/default/tip",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/branches/foo/tip",
        ]);
    t.check(
        "bookmarks",
        true,
        &[
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/qux",
        ],
    );
    t.step("newhead");
    t.check("", true, &[
            "0000000000000000000000000000000000000000\tHEAD",
            "d04f6df4abe2870ceb759263ee6aaa9241c4f93c\trefs/heads/bookmarks/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/bookmarks/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/bookmarks/qux",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/branches/default/7937e1a594596ae25c637d317503d775767671b5",
            "0000000000000000000000000000000000000000\trefs/heads/branches/default/tip",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/branches/foo/tip",
        ]);
    t.check("heads", true, &[
            "0000000000000000000000000000000000000000\tHEAD",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/default/7937e1a594596ae25c637d317503d775767671b5",
            "0000000000000000000000000000000000000000\trefs/heads/default/8bb4ccecc30b8db9a6f524f40be0d4c2dbc78a07",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/foo/312a5a9c675e3ce302a33bd4605205a6be36d561",
        ]);
    t.step("update");
    t.check("", true, &[
            "445bd26f53d0d2b946eda781eae0e11cf665493d\tHEAD",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/bookmarks/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/bookmarks/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/bookmarks/qux",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/branches/default/7937e1a594596ae25c637d317503d775767671b5",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/branches/default/tip",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/branches/foo/tip",
        ]);
    t.step("at");
    t.check("", true, &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/bookmarks/@",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/bookmarks/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/bookmarks/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/bookmarks/qux",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/branches/default/7937e1a594596ae25c637d317503d775767671b5",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/branches/default/tip",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/branches/foo/tip",
        ]);
    t.check(
        "tips",
        true,
        &[
            "445bd26f53d0d2b946eda781eae0e11cf665493d\tHEAD",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/default",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/foo",
        ],
    );
    t.check("heads", true, &[
            "445bd26f53d0d2b946eda781eae0e11cf665493d\tHEAD",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/default/7937e1a594596ae25c637d317503d775767671b5",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/default/8bb4ccecc30b8db9a6f524f40be0d4c2dbc78a07",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/foo/312a5a9c675e3ce302a33bd4605205a6be36d561",
        ]);
    t.check(
        "bookmarks",
        true,
        &[
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\tHEAD",
            "5c5b259d3c128f3d7b50ce3bd5c9eaafd8d17611\trefs/heads/@",
            "445bd26f53d0d2b946eda781eae0e11cf665493d\trefs/heads/bar",
            "23bcc26b9fea7e37426260465bed35eac54af5e1\trefs/heads/fooz",
            "7688446e0a5d5b6108443632be74c9bca72d31b1\trefs/heads/qux",
        ],
    );
    // The same over HTTP.
    let server = Server::hg(&t.repo, &[]);
    for style in [
        "",
        "tips",
        "heads",
        "bookmarks",
        "heads,tips",
        "bookmarks,tips",
        "bookmarks,heads",
    ] {
        let clone = tmp.path().join("repo-git");
        let local = t.ls_remote(&clone, style, &format!("hg::{}", t.repo.display()));
        let http = t.ls_remote(&clone, style, &format!("hg::{}", server.url()));
        assert_eq!(local, http, "style {style:?}");
    }
}
