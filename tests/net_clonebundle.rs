//! Clone bundles (spec 9.6): a first clone starts from the bundle the
//! server's manifest points to, then fetches the rest; `git cinnabar
//! unbundle` imports a bundle or the server's clone bundle.

use crate::support::*;

#[test]
fn clone_from_clonebundle() {
    let tmp = tempdir();
    let small = corpus_hg("ripgrep", Some(200));
    let bundle = tmp.path().join("b.hg");
    hg(
        &small,
        &[
            "bundle",
            "-q",
            "-a",
            "-t",
            "gzip-v2",
            bundle.to_str().unwrap(),
        ],
    );
    let files = Server::wsgi(tmp.path(), &bundle, "file");
    let repo = corpus_repo(tmp.path(), "ripgrep", Some(300));
    std::fs::write(
        repo.join(".hg/clonebundles.manifest"),
        format!(
            "ssh://nowhere/b BUNDLESPEC=gzip-v2\n{}b.hg BUNDLESPEC=gzip-v2 REQUIRESNI=true\n",
            files.url()
        ),
    )
    .unwrap();
    // The capability comes with the server extension.
    let server = Server::hg(&repo, &["extensions.clonebundles="]);
    let url = format!("hg::{}", server.url());
    let full = corpus_map("ripgrep");
    let count = hg_count(&repo);

    let dest = tmp.path().join("clone.git");
    let out = mirror(
        tmp.path(),
        &url,
        &dest,
        &[("GIT_CINNABAR_LOG", "clonebundle:debug,find-common:debug")],
    );
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("clonebundle: fetching"), "{stderr}");
    assert_submap(&notes_map(&dest), &full, count, "clone bundle + rest");

    // An empty cinnabar.clonebundle disables them.
    let mut cmd = command("git", tmp.path());
    cmd.args([
        "-c",
        "cinnabar.clonebundle=",
        "clone",
        "-q",
        "--mirror",
        &url,
    ])
    .arg(tmp.path().join("plain.git"))
    .env("GIT_CINNABAR_LOG", "clonebundle:debug");
    let out = output(cmd);
    check(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("clonebundle: fetching"));

    // git cinnabar unbundle, of the server's clone bundle and of a file.
    for (name, args) in [
        ("server.git", vec!["--clonebundle", url.as_str()]),
        ("file.git", vec![bundle.to_str().unwrap()]),
    ] {
        let git_dir = bare_repo(tmp.path(), name);
        let mut cmd = command("git", &git_dir);
        cmd.args(["cinnabar", "unbundle"]).args(&args);
        run(cmd);
        assert_submap(&notes_map(&git_dir), &full, hg_count(&small), name);
    }
}
