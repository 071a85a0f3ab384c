//! Daily use as a git user expects it (issue 12): the first run, mirrors
//! keeping their metadata, relative paths, error messages, pipes, progress,
//! docs and completion, `clear` then fetch, versions and usage.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{self, command, git, hg, output, tempdir};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The built binary (a link named `git-cinnabar` beside `git-remote-hg`).
fn exe() -> PathBuf {
    support::bin_dir().join("git-cinnabar")
}

/// `git cinnabar <args>` in `cwd`.
fn cinnabar(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = command(exe(), cwd);
    cmd.args(args);
    output(cmd)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure with exactly `expected` on stderr.
fn assert_fails(o: &Output, expected: &str) {
    assert!(!o.status.success(), "unexpected success: {}", stderr(o));
    assert_eq!(stderr(o), expected);
}

/// The demo repository and bundle, built with the shipped script (once
/// per run), copied to `dir`.
fn demo(dir: &Path) -> PathBuf {
    let built = support::fixture("demo", |fixture| {
        let built = fixture.join("demo");
        std::fs::create_dir_all(&built).unwrap();
        let script = Path::new(ROOT).join("examples/first-run/make-demo.sh");
        let mut cmd = command(script, &built);
        cmd.arg(&built).env("HG", support::hg_path());
        support::run(cmd);
        built
    });
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    support::copy_dir(&built, dir);
    dir.to_path_buf()
}

/// `<hg changeset> <git commit>` of the demo, in revision order.
const DEMO: [(&str, &str); 6] = [
    (
        "6264681628ff7acdca9f2a9d230abbc7d0fbdeba",
        "8f9bea8f75d848a336d89547fd86ee9534e2d291",
    ),
    (
        "cc92f9239b42c407997d48f1846b19b03eeebdc2",
        "4360bac9f9513bafc42bd8f7fc30d9e167e242ca",
    ),
    (
        "d59234fb0ab99cdc0e16b8efed7e31362254a7fd",
        "3354203c88ca116177fd7c8fa6b12bd877681816",
    ),
    (
        "65a1c14c5e2fd808985f5be10e14ea2600d0611c",
        "00b50dbd161ebeb6be889df60f4dc86656e7df63",
    ),
    (
        "ce738990f14765d6ec6d1e243ce500631fad4b39",
        "cbf3e24a8dc1d13735990a732b1ce017940e9058",
    ),
    (
        "7f112d2205d7324a6ca52b7077569fa084e1fa9e",
        "3706e726b7c0012b40ec9aeb16016624f20bec3a",
    ),
];

// 1. First run.

#[test]
fn first_run_clones_the_shipped_bundle() {
    let tmp = tempdir();
    let dest = tmp.path().join("demo");
    let mut cmd = command(Path::new(ROOT).join("first-run.sh"), tmp.path());
    cmd.arg(&dest).env("GIT_CINNABAR", exe());
    let out = output(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!(
        "Cloned the Mercurial bundle {ROOT}/examples/first-run/demo.hg\ninto the git repository {}. Try:\n",
        dest.display()
    )));
    assert!(text.contains("git cinnabar fetch --tags"));
    // Commits, branches and modes.
    for (hg_id, git_id) in DEMO {
        assert_eq!(stdout(&cinnabar(&dest, &["hg2git", hg_id])).trim(), git_id);
    }
    assert_eq!(
        git(&dest, &["for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes"]),
        format!(
            "{0} refs/remotes/origin/HEAD\n{0} refs/remotes/origin/branches/default/tip\n{1} refs/remotes/origin/branches/stable/tip\n",
            DEMO[5].1, DEMO[4].1
        )
    );
    assert_eq!(git(&dest, &["rev-parse", "HEAD"]).trim(), DEMO[5].1);
    assert_eq!(
        git(
            &dest,
            &["ls-tree", "-r", "--format=%(objectmode) %(path)", "HEAD"]
        ),
        "100644 .hgtags\n100644 README\n120000 README.link\n100755 greet.sh\n"
    );
    assert_eq!(
        git(&dest, &["log", "--follow", "--format=%s", "--", "greet.sh"]),
        "Rename hello.sh to greet.sh\nAdd a README and an executable script\n"
    );
    // The tag.
    let out = cinnabar(&dest, &["fetch", "--tags"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(git(&dest, &["rev-parse", "v1.0"]).trim(), DEMO[2].1);
    // The script rebuilds the same changesets; its repository has the bookmark.
    let built = demo(&tmp.path().join("built"));
    let log = hg(
        &built.join("repo"),
        &["log", "-r", "sort(all(), rev)", "-T", "{node}\n"],
    );
    let nodes: Vec<&str> = DEMO.iter().map(|(h, _)| *h).collect();
    assert_eq!(log, nodes.join("\n") + "\n");
    let clone = tmp.path().join("from-repo");
    let mut cmd = command("git", tmp.path());
    cmd.arg("clone")
        .arg(format!("hg::{}", built.join("repo").display()))
        .arg(&clone);
    support::run(cmd);
    assert_eq!(
        git(&clone, &["rev-parse", "origin/bookmarks/demo-feature"]).trim(),
        DEMO[5].1
    );
}

// 2. Mirrors keep their metadata.

/// The metadata refs of a repository, with their values.
fn metadata_refs(dir: &Path) -> String {
    git(
        dir,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/cinnabar/metadata",
            "refs/notes/cinnabar",
        ],
    )
}

/// `fsck --full` passes and checks `n` changesets.
fn assert_fsck(dir: &Path, changesets: usize) {
    let out = cinnabar(dir, &["fsck", "--full"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!("Checked {changesets} changesets")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mirror_keeps_metadata_through_prune_gc_and_push() {
    let tmp = tempdir();
    let repo = demo(&tmp.path().join("demo")).join("repo");
    let m = tmp.path().join("m");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q", "--mirror"])
        .arg(format!("hg::{}", repo.display()))
        .arg(&m);
    support::run(cmd);
    let both = "refs/cinnabar/metadata\nrefs/notes/cinnabar\n";
    assert_eq!(metadata_refs(&m), both);
    // A new changeset, then each pruning command.
    std::fs::write(repo.join("NEW"), "new\n").unwrap();
    hg(
        &repo,
        &["commit", "-q", "-A", "-d", "1700000600 0", "-m", "new"],
    );
    git(&m, &["fetch", "-q", "--all", "-p"]);
    assert_eq!(metadata_refs(&m), both);
    assert_eq!(support::notes_map(&m).len(), 7);
    assert_fsck(&m, 7);
    for args in [
        &["fetch", "-q", "--prune-tags", "-p"][..],
        &["remote", "prune", "origin"],
        &["gc", "-q", "--prune=now"],
        &["repack", "-adq"],
    ] {
        git(&m, args);
        assert_eq!(metadata_refs(&m), both, "after git {args:?}");
        assert_fsck(&m, 7);
    }
    // A fetch with nothing new imports nothing again.
    let before = git(&m, &["rev-parse", "refs/cinnabar/metadata"]);
    git(&m, &["fetch", "-q", "-p"]);
    assert_eq!(git(&m, &["rev-parse", "refs/cinnabar/metadata"]), before);
    // To a plain git server and back.
    let plain = tmp.path().join("plain.git");
    git(tmp.path(), &["init", "-q", "--bare", "plain.git"]);
    git(&m, &["push", "-q", "--mirror", plain.to_str().unwrap()]);
    let back = tmp.path().join("back");
    git(
        tmp.path(),
        &["clone", "-q", "--mirror", plain.to_str().unwrap(), "back"],
    );
    assert_eq!(metadata_refs(&back), both);
    assert_eq!(git(&back, &["rev-parse", "refs/cinnabar/metadata"]), before);
    assert_fsck(&back, 7);
    assert_eq!(support::notes_map(&back), support::notes_map(&m));
}

// 3. Relative paths.

#[test]
fn relative_path_clone_fetches_later() {
    let tmp = tempdir();
    let repo = demo(&tmp.path().join("demo")).join("repo");
    git(tmp.path(), &["clone", "-q", "hg::demo/repo", "x"]);
    let x = tmp.path().join("x");
    let absolute = repo.canonicalize().unwrap();
    assert_eq!(
        git(&x, &["config", "remote.origin.url"]),
        format!("hg::{}\n", absolute.display())
    );
    std::fs::write(repo.join("NEW"), "new\n").unwrap();
    hg(
        &repo,
        &["commit", "-q", "-A", "-d", "1700000600 0", "-m", "new"],
    );
    std::fs::create_dir(x.join("sub")).unwrap();
    git(&x.join("sub"), &["fetch", "-q"]);
    assert_eq!(
        git(
            &x,
            &["log", "-1", "--format=%s", "origin/branches/default/tip"]
        ),
        "new\n"
    );
    // A remote added with a path relative to the work tree, and a bundle.
    git(&x, &["remote", "add", "bundle", "hg::../demo/demo.hg"]);
    git(&x, &["fetch", "-q", "bundle"]);
    assert_eq!(
        git(&x, &["config", "remote.bundle.url"]),
        format!(
            "hg::{}\n",
            absolute.parent().unwrap().join("demo.hg").display()
        )
    );
    git(&x.join("sub"), &["fetch", "-q", "bundle"]);
}

// 4. Errors in git's style.

/// A git repository with the demo cloned from its Mercurial repository.
fn demo_clone(dir: &Path) -> (PathBuf, PathBuf) {
    let repo = demo(&dir.join("demo")).join("repo");
    let clone = dir.join("clone");
    let mut cmd = command("git", dir);
    cmd.args(["clone", "-q"])
        .arg(format!("hg::{}", repo.display()))
        .arg(&clone);
    support::run(cmd);
    (repo, clone)
}

#[test]
fn errors_say_what_is_wrong_once() {
    let tmp = tempdir();
    let (repo, clone) = demo_clone(tmp.path());
    let t = tmp.path().display();
    std::fs::create_dir(tmp.path().join("plain")).unwrap();
    std::fs::write(
        tmp.path().join("random.hg"),
        b"\x6f\x6e\xd8\xfb random bytes",
    )
    .unwrap();
    let git_fails = |args: &[&str], expected: String| {
        let mut cmd = command("git", &clone);
        cmd.args(args);
        assert_fails(&output(cmd), &expected);
    };
    git_fails(
        &["fetch", &format!("hg::{t}/plain")],
        format!("fatal: {t}/plain: not a Mercurial repository (no .hg directory)\n"),
    );
    git_fails(
        &["fetch", &format!("hg::{t}/random.hg")],
        format!(
            "fatal: {t}/random.hg: not a Mercurial bundle or repository (first bytes: 6f 6e d8 fb)\n"
        ),
    );
    // No Mercurial.
    let mut cmd = command("git", &clone);
    cmd.args(["fetch", "origin"]).env("HG", "/nonexistent/hg");
    assert_fails(
        &output(cmd),
        &format!(
            "fatal: {}: Mercurial's `hg` is needed for local repositories and ssh servers, install it or set `HG`\n",
            repo.display()
        ),
    );
    // Unknown changesets, over stdio and http.
    let unknown = "1234567890123456789012345678901234567890";
    assert_fails(
        &cinnabar(&clone, &["fetch", "origin", unknown]),
        &format!(
            "fatal: hg::{} does not have changeset {unknown}\n",
            repo.display()
        ),
    );
    let server = support::Server::hg(&repo, &[]);
    let url = server.url();
    assert_fails(
        &cinnabar(&clone, &["fetch", &format!("hg::{url}"), unknown]),
        &format!("fatal: hg::{url} does not have changeset {unknown}\n"),
    );
    // Not ids.
    assert_fails(
        &cinnabar(&clone, &["hg2git", "zzzz"]),
        "fatal: not a Mercurial changeset id: zzzz\n",
    );
    assert_fails(
        &cinnabar(&clone, &["git2hg", "no-such-ref"]),
        "fatal: not a valid commit name: no-such-ref\n",
    );
    let out = cinnabar(&clone, &["hg2git", unknown]);
    assert_eq!(stdout(&out), format!("{}\n", "0".repeat(40)));
    let out = cinnabar(&clone, &["git2hg", unknown, "HEAD"]);
    assert_eq!(stdout(&out), format!("{}\n{}\n", "0".repeat(40), DEMO[5].0));
    // The wrong kind of id for `data`.
    let cs = DEMO[5].0;
    assert_fails(
        &cinnabar(&clone, &["data", cs]),
        &format!(
            "fatal: {cs} is a changeset id, not a file id (use `git cinnabar data -c {cs}`)\n"
        ),
    );
    assert_fails(
        &cinnabar(&clone, &["data", "-m", cs]),
        &format!(
            "fatal: {cs} is a changeset id, not a manifest id (use `git cinnabar data -c {cs}`)\n"
        ),
    );
}

// 5. Pipes.

#[test]
fn closed_pipe_ends_quietly() {
    let tmp = tempdir();
    let (_, clone) = demo_clone(tmp.path());
    let cs = DEMO[5].0;
    // `head -c0` closes the pipe before anything is written.
    for (reader, runs) in [("head -1", 50), ("head -c0", 20)] {
        for run in 0..runs {
            let mut cmd = command("bash", &clone);
            cmd.args([
                "-c",
                &format!("set -o pipefail; git cinnabar data -c {cs} | {reader} >/dev/null"),
            ]);
            let out = output(cmd);
            assert!(
                out.status.success(),
                "{reader}, run {run}: {}",
                stderr(&out)
            );
            assert_eq!(stderr(&out), "", "{reader}, run {run}");
        }
    }
    let mut cmd = command("bash", &clone);
    cmd.args([
        "-c",
        "set -o pipefail; git cinnabar fetch --bundle origin default | head -c0",
    ]);
    let out = output(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

// 6. Progress.

/// Runs `shell_command` in `cwd` under a pseudo-terminal (`script`),
/// returning what the terminal showed.
fn under_pty(cwd: &Path, shell_command: &str) -> String {
    let mut cmd = command("script", cwd);
    cmd.args(["-qec", shell_command, "/dev/null"]);
    let out = output(cmd);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out).replace("\r\n", "\n")
}

const TAGS_HINT: &str =
    "\nRun the following command to update tags:\n  git cinnabar fetch --tags\n";

#[test]
fn progress_on_a_terminal_and_not_with_quiet() {
    let tmp = tempdir();
    let repo = demo(&tmp.path().join("demo")).join("repo");
    let url = format!("hg::{}", repo.display());
    let shown = under_pty(tmp.path(), &format!("git clone {url} a"));
    for line in [
        "Cloning into 'a'...\n",
        "Reading changesets: 6, ",
        "\rReading manifests: 6, ",
        "\rReading files: 7, ",
        "\rImporting manifests: 100% (6/6), done.\n",
        "\rImporting changesets: 100% (6/6), done.\n",
    ] {
        assert!(shown.contains(line), "{line:?} not in {shown:?}");
    }
    assert!(shown.ends_with(TAGS_HINT), "{shown:?}");
    let quiet = under_pty(tmp.path(), &format!("git clone -q {url} b"));
    assert_eq!(quiet, "");
    // Without a terminal, no progress; the hint when tags come.
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", &url, "c"]);
    let out = output(cmd);
    assert_eq!(stderr(&out), format!("Cloning into 'c'...\n{TAGS_HINT}"));
    let c = tmp.path().join("c");
    std::fs::write(repo.join("NEW"), "new\n").unwrap();
    hg(
        &repo,
        &["commit", "-q", "-A", "-d", "1700000600 0", "-m", "new"],
    );
    let mut cmd = command("git", &c);
    cmd.args(["fetch", "-q"]);
    assert_eq!(stderr(&output(cmd)), "");
    hg(&repo, &["tag", "-q", "-d", "1700000700 0", "v2.0"]);
    let mut cmd = command("git", &c);
    cmd.arg("fetch");
    let err = stderr(&output(cmd));
    assert!(
        err.starts_with(&format!("{TAGS_HINT}From {url}\n")),
        "{err:?}"
    );
}

// 7. Docs where git looks.

#[test]
fn setup_installs_man_pages_git_help_shows() {
    let tmp = tempdir();
    let bin = tmp.path().join("prefix/bin");
    std::fs::create_dir_all(&bin).unwrap();
    // setup works beside the running binary: a link of our own.
    std::fs::hard_link(env!("CARGO_BIN_EXE_git-cinnabar"), bin.join("git-cinnabar"))
        .or_else(|_| {
            std::fs::copy(env!("CARGO_BIN_EXE_git-cinnabar"), bin.join("git-cinnabar")).map(|_| ())
        })
        .unwrap();
    let out = output({
        let mut cmd = command(bin.join("git-cinnabar"), tmp.path());
        cmd.arg("setup");
        cmd
    });
    assert!(out.status.success(), "{}", stderr(&out));
    let share = tmp.path().join("prefix/share");
    let said = stderr(&out);
    let export = format!("export MANPATH=\"{}/man:$MANPATH\"", share.display());
    assert!(said.contains(&export), "{said}");
    assert!(share.join("man/man1/git-cinnabar-fsck.1").is_file());
    assert!(share
        .join("bash-completion/completions/git-cinnabar")
        .is_file());
    assert!(share.join("zsh/site-functions/_git-cinnabar").is_file());
    // git runs `man git-cinnabar` for `git cinnabar --help`.
    let mut path = std::ffi::OsString::from(bin.as_os_str());
    path.push(":");
    path.push(support::test_path());
    let mut cmd = command("git", tmp.path());
    cmd.args(["cinnabar", "--help"])
        .env("PATH", path)
        .env("MANPATH", format!("{}/man:", share.display()))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "200")
        .env("LANG", "C");
    let out = output(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    for text in [
        "git-cinnabar - git remote helper to interact with Mercurial repositories",
        "URLS",
        "hg::ssh://[user@]host[:port]/path",
        "cinnabar.refs",
        "cinnabar.clonebundle",
        "cinnabar.check",
        "cinnabar.compat",
        "cinnabar.log",
        "HG     The Mercurial program to run for local repositories",
        "EXAMPLES",
    ] {
        assert!(page.contains(text), "{text:?} not in:\n{page}");
    }
}

/// What bash completes for `line` (ending where the cursor is), with git's
/// completion and ours loaded.
fn complete(line: &str) -> String {
    let script = format!(
        r#"source /usr/share/bash-completion/completions/git
source {ROOT}/completions/git-cinnabar.bash
line='{line}'
COMP_LINE="$line"; COMP_POINT=${{#line}}
read -ra COMP_WORDS <<<"$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
fn=$(complete -p "${{COMP_WORDS[0]}}" | sed 's/.*-F \([^ ]*\) .*/\1/')
"$fn" "${{COMP_WORDS[0]}}" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
echo "${{COMPREPLY[*]}}""#
    );
    let mut cmd = command("bash", Path::new(ROOT));
    cmd.args(["--norc", "-c", &script]);
    stdout(&output(cmd)).trim_end().to_string()
}

#[test]
fn bash_completes_subcommands_and_options() {
    if !Path::new("/usr/share/bash-completion/completions/git").exists() {
        panic!("git's bash completion is not installed");
    }
    let subcommands =
        "clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup";
    assert_eq!(complete("git cinnabar "), subcommands);
    assert_eq!(complete("git-cinnabar "), subcommands);
    assert_eq!(complete("git cinnabar f"), "fetch fsck");
    assert_eq!(complete("git cinnabar fsck --"), "--force --full --help");
    assert_eq!(
        complete("git -C . cinnabar data -"),
        "--changeset -c --manifest -m --help -h"
    );
    assert_eq!(complete("git-cinnabar fsck --f"), "--force --full");
    assert_eq!(complete("git cinnabar r"), "rollback reclone");
    assert_eq!(complete("git cinnabar reclone -"), "--rebase --help -h");
}

// 8. `clear` or `rollback` to nothing, then fetch, rebuild.

#[test]
fn clear_and_rollback_then_fetch_rebuild_from_a_bundle() {
    let tmp = tempdir();
    let corpus = support::corpus_dir();
    let expected = support::read_map(&corpus.join("dillo.map.gz"));
    let dest = tmp.path().join("dillo");
    let mut cmd = command("git", tmp.path());
    cmd.args(["clone", "-q"])
        .arg(format!("hg::{}", corpus.join("dillo.hg").display()))
        .arg(&dest);
    support::run(cmd);
    assert_eq!(support::notes_map(&dest), expected);
    for reset in [&["clear"][..], &["rollback"]] {
        let out = cinnabar(&dest, reset);
        assert!(out.status.success(), "{reset:?}: {}", stderr(&out));
        assert_eq!(metadata_refs(&dest), "", "after {reset:?}");
        assert_eq!(
            stdout(&cinnabar(&dest, &["hg2git", &expected[0][..40]])),
            format!("{}\n", "0".repeat(40))
        );
        git(&dest, &["fetch", "-q"]);
        assert_eq!(
            metadata_refs(&dest),
            "refs/cinnabar/metadata\nrefs/notes/cinnabar\n",
            "fetch after {reset:?}"
        );
        assert_eq!(support::notes_map(&dest), expected, "fetch after {reset:?}");
        assert_eq!(
            stdout(&cinnabar(&dest, &["hg2git", &expected[0][..40]])),
            format!("{}\n", &expected[0][41..])
        );
    }
    assert_fsck(&dest, expected.len());
}

// 9. Web pages, versions, usage, fsck without metadata.

#[test]
fn web_page_version_usage_and_empty_fsck() {
    let tmp = tempdir();
    std::fs::write(
        tmp.path().join("index.html"),
        "<!DOCTYPE html><p>hello</p>\n",
    )
    .unwrap();
    // A web server on a free port.
    let mut server = {
        let mut cmd = command("python3", tmp.path());
        cmd.args(["-u", "-c", "import http.server as h, functools as f; s = h.ThreadingHTTPServer(('127.0.0.1', 0), f.partial(h.SimpleHTTPRequestHandler, directory='.')); print(s.server_port, flush=True); s.serve_forever()"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        cmd.spawn().unwrap()
    };
    let port = {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        line.trim().to_string()
    };
    git(tmp.path(), &["init", "-q", "repo"]);
    let repo = tmp.path().join("repo");
    let mut cmd = command("git", &repo);
    cmd.args(["fetch", &format!("hg::http://127.0.0.1:{port}/")]);
    let out = output(cmd);
    let _ = server.kill();
    let _ = server.wait();
    assert_fails(
        &out,
        &format!("fatal: http://127.0.0.1:{port}/: not a Mercurial repository or bundle (it serves a web page)\n"),
    );
    // --version.
    let out = cinnabar(tmp.path(), &["--version"]);
    assert_eq!(
        stdout(&out),
        "git-cinnabar 0.1.0 (compatible with git-cinnabar 0.7 metadata)\n"
    );
    // fetch: the usage of errors and of -h agree.
    let usage = "Usage: git-cinnabar fetch [--bundle] <REMOTE> <REVS>...\n       git-cinnabar fetch --tags\n";
    let out = cinnabar(&repo, &["fetch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(usage), "{}", stderr(&out));
    let help = stdout(&cinnabar(&repo, &["fetch", "-h"]));
    assert!(help.contains(usage), "{help}");
    // fsck --full without metadata: one line.
    let out = cinnabar(&repo, &["fsck", "--full"]);
    assert_fails(&out, "There is no metadata to check.\n");
    assert_eq!(stdout(&out), "");
}

// 8b. reclone.

#[test]
fn reclone_gives_the_same_commits_and_refuses_during_rebase_or_bisect() {
    let tmp = tempdir();
    let (_, clone) = demo_clone(tmp.path());
    git(&clone, &["branch", "work", DEMO[2].1]);
    let bundle = tmp.path().join("demo/demo.hg");
    git(
        &clone,
        &[
            "remote",
            "add",
            "bundle",
            &format!("hg::{}", bundle.display()),
        ],
    );
    git(&clone, &["fetch", "-q", "bundle"]);
    let metadata = git(&clone, &["rev-parse", "refs/cinnabar/metadata"]);
    let map = support::notes_map(&clone);
    assert_eq!(map.len(), 6);
    for args in [&["reclone"][..], &["reclone", "--rebase"]] {
        let out = cinnabar(&clone, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(
            git(&clone, &["rev-parse", "refs/cinnabar/metadata"]),
            metadata
        );
        assert_eq!(support::notes_map(&clone), map);
        assert_eq!(git(&clone, &["rev-parse", "work"]).trim(), DEMO[2].1);
        assert_fsck(&clone, 6);
    }
    let git_dir = clone.join(".git");
    std::fs::create_dir(git_dir.join("rebase-merge")).unwrap();
    assert_fails(
        &cinnabar(&clone, &["reclone"]),
        "fatal: cannot reclone while a rebase is in progress\nhint: finish it first (`git rebase --continue` or `git rebase --abort`)\n",
    );
    std::fs::remove_dir(git_dir.join("rebase-merge")).unwrap();
    std::fs::write(git_dir.join("BISECT_LOG"), "").unwrap();
    assert_fails(
        &cinnabar(&clone, &["reclone", "--rebase"]),
        "fatal: cannot reclone while a bisect is in progress\nhint: finish it first (`git bisect reset`)\n",
    );
    assert_eq!(
        git(&clone, &["rev-parse", "refs/cinnabar/metadata"]),
        metadata
    );
}
