//! Cloning and fetching over ssh: `hg serve --stdio` run by a
//! `GIT_SSH_COMMAND` stand-in that ignores the host.

use crate::support::*;

fn env(ssh: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![("GIT_SSH_COMMAND", ssh.display().to_string())]
}

fn fetch(git_dir: &std::path::Path, url: &str, ssh: &std::path::Path) -> std::process::Output {
    let mut cmd = command("git", git_dir);
    cmd.args(["fetch", "-q", url, "refs/heads/*:refs/heads/*"]);
    for (k, v) in env(ssh) {
        cmd.env(k, v);
    }
    output(cmd)
}

/// Clones a corpus repository through a `GIT_SSH_COMMAND` stand-in:
/// exactly the map and the refs of the bundle clone.
fn clone_over_ssh(name: &str) {
    let tmp = tempdir();
    let repo = corpus_hg(name, None);
    let ssh = fake_ssh(tmp.path(), repo.parent().unwrap(), "");
    let dest = tmp.path().join("clone.git");
    let out = mirror(
        tmp.path(),
        &format!("hg::ssh://me@localhost:2222/{name}-hg"),
        &dest,
        &[("GIT_SSH_COMMAND", ssh.to_str().unwrap())],
    );
    check(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("remote: ssh stand-in"), "{stderr}");
    let args = std::fs::read_to_string(tmp.path().join("ssh-args.log")).unwrap();
    assert!(args.starts_with("-p\n2222\nme@localhost\n"), "{args}");
    assert_map(&notes_map(&dest), &corpus_map(name), name);
    let mut actual = refs(&dest);
    actual.sort();
    assert_eq!(actual, served_corpus_refs(&repo, name));
}

#[test]
fn clone_ripgrep_over_ssh() {
    clone_over_ssh("ripgrep");
}

#[test]
fn clone_coveragepy_over_ssh() {
    clone_over_ssh("coveragepy");
}

#[test]
fn option_like_hosts_run_nothing() {
    let tmp = tempdir();
    let pwned = tmp.path().join("pwned");
    std::fs::create_dir(&pwned).unwrap();
    for url in [
        format!("hg::ssh://-oProxyCommand=touch%20{}/x/r", pwned.display()),
        format!(
            "hg::ssh://-oProxyCommand=touch%20{}%2Fy@h/r",
            pwned.display()
        ),
        "hg::ssh://h/-oProxyCommand=x".to_string(),
    ] {
        let dest = tmp.path().join("clone");
        let out = mirror(tmp.path(), &url, &dest, &[]);
        assert!(!out.status.success());
        assert!(!dest.exists());
    }
    assert_eq!(std::fs::read_dir(&pwned).unwrap().count(), 0);
}

/// A server that dies mid-transfer leaves the metadata as it was; fetching
/// again (after the server got more changesets) completes.
#[test]
fn killed_server_then_incremental_fetch() {
    let tmp = tempdir();
    let repo = corpus_repo(tmp.path(), "ripgrep", Some(300));
    let ssh = fake_ssh(tmp.path(), tmp.path(), "");
    let dying = fake_ssh(
        tmp.path(),
        tmp.path(),
        "| dd bs=65536 count=200000 iflag=count_bytes 2>/dev/null",
    );
    // An absolute path: ssh://host//abs/path.
    let url = &format!("hg::ssh://localhost/{}", repo.display());
    let dest = bare_repo(tmp.path(), "repo.git");
    check(&fetch(&dest, url, &ssh));
    let before = metadata(&dest);
    assert!(before.is_some());
    complete_repo(&repo, "ripgrep", Some(1200));
    let out = fetch(&dest, url, &dying);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&url[4..]), "{stderr}");
    assert_eq!(metadata(&dest), before, "{stderr}");
    check(&fetch(&dest, url, &ssh));
    assert_submap(
        &notes_map(&dest),
        &corpus_map("ripgrep"),
        hg_count(&repo),
        "after fetch",
    );
}

/// The helper starts the server before git's first command, so that its
/// start-up overlaps git's; when git then asks nothing of it (only
/// `capabilities`, or not even that), the server reads the end of its input
/// and exits with status 0, and the helper says nothing about it.
#[test]
fn server_started_early_ends_cleanly_when_unused() {
    let tmp = tempdir();
    let repo = tmp.path().join("r");
    hg(tmp.path(), &["init", "r"]);
    commit_file(&repo, "a", 1);
    let dest = bare_repo(tmp.path(), "repo.git");
    for (i, input) in ["capabilities\n\n", ""].into_iter().enumerate() {
        let status = tmp.path().join(format!("status-{i}"));
        // Records the server's exit status, once it ends.
        let script = tmp.path().join(format!("ssh-{i}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nwhile [ $# -gt 1 ]; do shift; done\n\
                 sh -c \"$1\"; echo $? > '{status}.tmp'; mv '{status}.tmp' '{status}'\n",
                status = status.display(),
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = command(bin_dir().join("git-remote-hg"), &dest);
        cmd.args(["origin", &format!("ssh://localhost/{}", repo.display())])
            .env("GIT_SSH_COMMAND", &script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        check(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !input.is_empty() {
            assert!(stdout.starts_with("option\nimport\npush\n"), "{stdout}");
        }
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "input {input:?}");
        // The server was started (git asked for nothing that needs it), and
        // the helper did not wait for its exit: wait here.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !status.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let code = std::fs::read_to_string(&status).expect("no server, or it did not exit");
        assert_eq!(code.trim(), "0", "input {input:?}");
    }
}
