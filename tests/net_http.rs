//! Cloning and fetching over HTTP from real `hg serve` servers (and an
//! hgweb WSGI wrapper for authentication and failures) on 127.0.0.1.

use crate::support::*;

/// Clones a corpus repository served by `hg serve`: exactly the map and
/// the refs of the bundle clone.
fn clone_over_http(name: &str) {
    let tmp = tempdir();
    let repo = corpus_hg(name, None);
    let server = Server::hg(&repo, &[]);
    let dest = tmp.path().join("clone.git");
    let out = mirror(tmp.path(), &format!("hg::{}", server.url()), &dest, &[]);
    check(&out);
    assert_map(&notes_map(&dest), &corpus_map(name), name);
    let mut actual = refs(&dest);
    actual.sort();
    assert_eq!(actual, served_corpus_refs(&repo, name));
}

#[test]
fn clone_ripgrep_over_http() {
    clone_over_http("ripgrep");
}

#[test]
fn clone_coveragepy_over_http() {
    clone_over_http("coveragepy");
}

/// Every way of passing arguments and every compression.
#[test]
fn server_variants() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(150));
    let count = hg_count(&repo);
    let full = corpus_map("ripgrep");
    for (i, configs) in [
        &["experimental.httppostargs=true"][..],
        &["experimental.bundle2-advertise=false"],
        &["server.compressionengines=zstd"],
        &["server.compressionengines=zlib"],
        &["server.compressionengines=none"],
        &[
            "experimental.httppostargs=true",
            "server.compressionengines=none",
        ],
    ]
    .into_iter()
    .enumerate()
    {
        let server = Server::hg(&repo, configs);
        let dest = tmp.path().join(format!("clone{i}.git"));
        let out = mirror(tmp.path(), &format!("hg::{}", server.url()), &dest, &[]);
        check(&out);
        assert_submap(&notes_map(&dest), &full, count, &format!("{configs:?}"));
    }
}

/// A clone of the first part, then a fetch once the server has the rest,
/// gives the whole map; discovery takes one round trip.
#[test]
fn incremental_fetch() {
    let tmp = tempdir();
    let repo = corpus_repo(tmp.path(), "ripgrep", Some(1000));
    let server = Server::hg(&repo, &[]);
    let dest = tmp.path().join("clone.git");
    check(&mirror(
        tmp.path(),
        &format!("hg::{}", server.url()),
        &dest,
        &[],
    ));
    assert_submap(
        &notes_map(&dest),
        &corpus_map("ripgrep"),
        hg_count(&repo),
        "first part",
    );
    complete_repo(&repo, "ripgrep", None);
    let mut cmd = command("git", &dest);
    cmd.args(["fetch", "-q", "origin"])
        .env("GIT_CINNABAR_LOG", "find-common:debug");
    let out = output(cmd);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("find-common: 1 round trip"), "{stderr}");
    assert_map(&notes_map(&dest), &corpus_map("ripgrep"), "after fetch");
}

/// A URL serving a bundle file is read as a bundle.
#[test]
fn bundle_served_over_http() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(100));
    let bundle = tmp.path().join("b.hg");
    hg(&repo, &["bundle", "-q", "-a", bundle.to_str().unwrap()]);
    let server = Server::wsgi(tmp.path(), &bundle, "file");
    let dest = tmp.path().join("clone.git");
    let out = mirror(tmp.path(), &format!("hg::{}b.hg", server.url()), &dest, &[]);
    check(&out);
    assert_submap(
        &notes_map(&dest),
        &corpus_map("ripgrep"),
        hg_count(&repo),
        "bundle",
    );
}

#[test]
fn basic_auth() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(20));
    let count = hg_count(&repo);
    let server = Server::wsgi(tmp.path(), &repo, "auth");
    let url = format!("hg::{}", server.url());
    let store = tmp.path().join("credentials");
    let helper = format!("credential.helper=store --file={}", store.display());
    let clone = |name: &str, url: &str| {
        let mut cmd = command("git", tmp.path());
        cmd.args(["-c", &helper, "clone", "-q", "--mirror", url])
            .arg(tmp.path().join(name))
            .env("GIT_TERMINAL_PROMPT", "0");
        output(cmd)
    };
    // Wrong password in the store: refused, and rejected from the store.
    std::fs::write(
        &store,
        format!("http://user:wrong@127.0.0.1:{}\n", server.port),
    )
    .unwrap();
    let out = clone("bad.git", &url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("wrong"), "{stderr}");
    assert!(
        !std::fs::read_to_string(&store).unwrap().contains("wrong"),
        "credentials were not rejected"
    );
    // The right one.
    std::fs::write(
        &store,
        format!("http://user:s3cret@127.0.0.1:{}\n", server.port),
    )
    .unwrap();
    let out = clone("good.git", &url);
    check(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));
    assert_eq!(notes_map(&tmp.path().join("good.git")).len(), count);
    // Credentials in the URL.
    std::fs::remove_file(&store).unwrap();
    let out = clone(
        "url.git",
        &format!("hg::http://user:s3cret@127.0.0.1:{}/", server.port),
    );
    check(&out);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));
    // Approved, as git does.
    assert!(std::fs::read_to_string(&store)
        .unwrap()
        .contains("user:s3cret@"));
    std::fs::remove_file(&store).unwrap();
    let out = clone(
        "urlbad.git",
        &format!("hg::http://user:n0pe@127.0.0.1:{}/", server.port),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("n0pe"), "{stderr}");
}

/// Fetches into `git_dir` from `url`; returns the output.
fn fetch(git_dir: &std::path::Path, url: &str) -> std::process::Output {
    let mut cmd = command("git", git_dir);
    cmd.args(["fetch", "-q", url, "refs/heads/*:refs/heads/*"]);
    output(cmd)
}

/// A 500 and a reply cut short fail cleanly without touching the
/// metadata; fetching again then works.
#[test]
fn failures_leave_metadata_unchanged() {
    let tmp = tempdir();
    let repo = corpus_repo(tmp.path(), "ripgrep", Some(100));
    let dest = bare_repo(tmp.path(), "repo.git");
    {
        let server = Server::hg(&repo, &[]);
        check(&fetch(&dest, &format!("hg::{}", server.url())));
    }
    let before = metadata(&dest);
    assert!(before.is_some());
    complete_repo(&repo, "ripgrep", Some(400));
    for mode in ["error500", "truncate"] {
        let server = Server::wsgi(tmp.path(), &repo, mode);
        let out = fetch(&dest, &format!("hg::{}", server.url()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{mode}: {stderr}");
        let expected = if mode == "error500" {
            "500"
        } else {
            "truncated"
        };
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(metadata(&dest), before, "{mode}: {stderr}");
    }
    let server = Server::hg(&repo, &[]);
    check(&fetch(&dest, &format!("hg::{}", server.url())));
    assert_submap(
        &notes_map(&dest),
        &corpus_map("ripgrep"),
        hg_count(&repo),
        "after failures",
    );
}

/// `http.followRedirects`: the first request may be redirected by default,
/// and the new URL is used from then on; `false` refuses.
#[test]
fn redirects() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(20));
    let server = Server::wsgi(tmp.path(), &repo, "redirect");
    let url = format!("hg::{}old", server.url());
    let dest = tmp.path().join("clone.git");
    let out = mirror(tmp.path(), &url, &dest, &[]);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("redirecting to"), "{stderr}");
    assert_eq!(notes_map(&dest).len(), hg_count(&repo));
    let mut cmd = command("git", tmp.path());
    cmd.args(["-c", "http.followRedirects=false", "clone", "-q", &url])
        .arg(tmp.path().join("refused.git"));
    let out = output(cmd);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("followRedirects"), "{stderr}");
}

/// HTTPS with a certificate from a private CA: trusted through
/// `GIT_SSL_CAINFO` / `http.sslCAInfo` only.
#[test]
fn https_with_private_ca() {
    let tmp = tempdir();
    let dir = tmp.path();
    let openssl = |args: &[&str]| {
        let mut cmd = command("openssl", dir);
        cmd.args(args);
        run(cmd);
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut args = vec!["req", "-x509", "-days", "2", "-subj", "/CN=test CA"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&args);
    let mut args = vec![
        "req",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
    ];
    args.extend(ec);
    openssl(&args);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "srv.pem",
        "-extfile",
        "ext.cnf",
    ]);
    let mut pem = std::fs::read(dir.join("srv.key")).unwrap();
    pem.extend(std::fs::read(dir.join("srv.pem")).unwrap());
    std::fs::write(dir.join("server.pem"), pem).unwrap();

    let repo = corpus_hg("ripgrep", Some(10));
    let cert = dir.join("server.pem");
    let server = Server::hg(&repo, &[&format!("web.certificate={}", cert.display())]);
    let url = format!("hg::https://127.0.0.1:{}/", server.port);
    let ca = dir.join("ca.pem");
    let clone = |name: &str, config: Option<&str>| {
        let mut cmd = command("git", dir);
        if let Some(c) = config {
            cmd.args(["-c", c]);
        }
        cmd.args(["clone", "-q", "--mirror", &url])
            .arg(dir.join(name))
            .env_remove("GIT_SSL_CAINFO");
        output(cmd)
    };
    let out = clone("untrusted.git", None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("127.0.0.1"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    let out = clone(
        "trusted.git",
        Some(&format!("http.sslCAInfo={}", ca.display())),
    );
    check(&out);
    assert_eq!(notes_map(&dir.join("trusted.git")).len(), hg_count(&repo));
}

/// `http.proxy` sends every request through the proxy.
#[test]
fn through_a_proxy() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(10));
    let server = Server::hg(&repo, &[]);
    let log = tmp.path().join("proxy.log");
    let proxy = Server::wsgi(tmp.path(), &log, "proxy");
    let mut cmd = command("git", tmp.path());
    cmd.args([
        "-c",
        &format!("http.proxy=127.0.0.1:{}", proxy.port),
        "clone",
        "-q",
        "--mirror",
        &format!("hg::{}", server.url()),
    ])
    .arg(tmp.path().join("clone.git"));
    for var in [
        "NO_PROXY",
        "no_proxy",
        "http_proxy",
        "HTTP_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    check(&output(cmd));
    assert_eq!(
        notes_map(&tmp.path().join("clone.git")).len(),
        hg_count(&repo)
    );
    let log = std::fs::read_to_string(&log).unwrap();
    for command in ["cmd=capabilities", "cmd=batch", "cmd=getbundle"] {
        assert!(log.contains(command), "{log}");
    }
}

/// The peer's commands, called directly, with arguments in the query
/// string, in headers and in POST bodies.
#[test]
fn peer_commands() {
    use cinnabar::hg::HgNode;
    use cinnabar::wire::http::{HttpConfig, HttpPeer, HttpSource};
    use cinnabar::wire::HgPeer;

    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(30));
    let tip = hg(&repo, &["log", "-r", "tip", "-T", "{node}"]);
    let first = hg(&repo, &["log", "-r", "0", "-T", "{node}"]);
    let unknown = HgNode([0x42; 20]);
    for mode in ["headers", "post", "query"] {
        let server = match mode {
            "headers" => Server::hg(&repo, &[]),
            "post" => Server::hg(&repo, &["experimental.httppostargs=true"]),
            _ => Server::wsgi(tmp.path(), &repo, "noheader"),
        };
        let mut peer = match HttpPeer::open(&server.url(), &HttpConfig::default()).unwrap() {
            HttpSource::Peer(p) => p,
            HttpSource::Bundle(_) => panic!("not a bundle"),
        };
        assert!(peer.capability("getbundle").is_some());
        assert_eq!(peer.capability("httpheader").is_none(), mode == "query");
        assert_eq!(peer.capability("batch").is_none(), mode == "query");
        assert_eq!(peer.lookup("tip").unwrap().to_string(), tip);
        assert_eq!(peer.lookup("0").unwrap().to_string(), first);
        let err = peer.lookup("no-such-thing").unwrap_err().to_string();
        assert!(err.contains("no-such-thing"), "{err}");
        assert_eq!(peer.heads().unwrap().len(), 1);
        let tip_node = peer.heads().unwrap()[0];
        assert_eq!(
            peer.known(&[tip_node, unknown, tip_node]).unwrap(),
            vec![true, false, true]
        );
        assert!(peer.listkeys("bookmarks").unwrap().is_empty());
        let branches = peer.branchmap().unwrap();
        assert_eq!(branches[0].name, b"default");
        let (b, h, k) = peer.remote_listing().unwrap();
        assert_eq!(b, branches);
        assert_eq!(h, vec![tip_node]);
        assert!(k.is_empty());
        let mut data = Vec::new();
        std::io::Read::read_to_end(
            &mut peer
                .getbundle(&[tip_node], &[], Some(cinnabar::wire::BUNDLECAPS))
                .unwrap(),
            &mut data,
        )
        .unwrap();
        assert!(data.starts_with(b"HG20"), "{mode}");
    }
}

/// Progress shows with `--progress` (git's `option progress true`), never
/// with `-q`.
#[test]
fn progress_only_when_asked() {
    let tmp = tempdir();
    let repo = corpus_hg("ripgrep", Some(20));
    let server = Server::hg(&repo, &[]);
    let url = format!("hg::{}", server.url());
    for (flag, shown) in [("--progress", true), ("-q", false)] {
        let mut cmd = command("git", tmp.path());
        cmd.args(["clone", "--mirror", flag, &url])
            .arg(tmp.path().join(format!("clone{flag}.git")));
        let out = output(cmd);
        check(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.contains("Reading"), shown, "{flag}: {stderr}");
    }
}

/// Fetching from a server that lacks many of our changesets and has one we
/// lack: discovery walks our history down to what the server knows, and
/// only the new changeset comes.
#[test]
fn discovery_with_local_only_changesets() {
    let tmp = tempdir();
    let repo = corpus_repo(tmp.path(), "ripgrep", Some(1000));
    hg(&repo, &["update", "-q", "tip"]);
    std::fs::write(repo.join("new-file"), "new\n").unwrap();
    hg(&repo, &["add", "new-file"]);
    hg(&repo, &["commit", "-m", "new", "-u", "nobody", "-d", "0 0"]);
    let dest = tmp.path().join("clone.git");
    copy_dir(&corpus_clone("ripgrep"), &dest);
    let server = Server::hg(&repo, &[]);
    let mut cmd = command("git", &dest);
    cmd.args([
        "-c",
        "cinnabar.log=find-common",
        "fetch",
        "-q",
        &format!("hg::{}", server.url()),
        "refs/heads/*:refs/remotes/b/*",
    ]);
    let out = output(cmd);
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let trips: usize = stderr
        .split("find-common: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    // 100 nodes per `known` without httppostargs.
    assert!(trips > 1 && trips < 30, "{stderr}");
    let map = notes_map(&dest);
    let full = corpus_map("ripgrep");
    assert_eq!(map.len(), full.len() + 1);
    let set: std::collections::HashSet<&String> = map.iter().collect();
    assert!(full.iter().all(|l| set.contains(l)));
}
