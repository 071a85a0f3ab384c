//! Opening the repository the way git runs a remote helper: a fake
//! `git-remote-envdump` helper records the environment git gives it
//! (`GIT_DIR`, `GIT_CONFIG_PARAMETERS` from `git -c`), and `Repo::open`
//! is then run in that environment. The test runs in a process of its
//! own: it changes the environment and the current directory, which the
//! other tests of the binary share.

use std::os::unix::fs::PermissionsExt;

use cinnabar::store::{Repo, StoreError};

use crate::support::*;

/// Set in the process running the test.
const CHILD: &str = "CINNABAR_TEST_OWN_PROCESS";

#[test]
fn open_like_a_remote_helper() -> TestResult {
    if std::env::var_os(CHILD).is_some() {
        return open_in_this_process();
    }
    // This test alone, in a new process of this test binary.
    let name = module_path!().split_once("::").ok_or("module path")?.1;
    let name = format!("{name}::open_like_a_remote_helper");
    let out = std::process::Command::new(std::env::current_exe()?)
        .args([&name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in its own process:\n{stdout}\n{stderr}"
    );
    Ok(())
}

fn open_in_this_process() -> TestResult {
    let tmp = tempdir();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work)?;
    git(&work, &["init", "-q"]);
    git(&work, &["config", "cinnabar.fromrepo", "repo-value"]);
    git(&work, &["config", "cinnabar.overridden", "repo-value"]);
    std::fs::create_dir(work.join("sub"))?;

    // The helper writes its environment, NUL separated, and fails.
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin)?;
    let dump = tmp.path().join("env.dump");
    let helper = bin.join("git-remote-envdump");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nprintf 'GIT_DIR=%s\\0GIT_CONFIG_PARAMETERS=%s\\0' \"$GIT_DIR\" \"$GIT_CONFIG_PARAMETERS\" > '{}'\nexit 1\n",
            dump.display()
        ),
    )?;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755))?;
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = command("git", &work.join("sub"));
    cmd.args([
        "-c",
        "cinnabar.overridden=cli-value",
        "-c",
        "Cinnabar.Quoted=it's \"quoted\" with spaces",
        "-c",
        "cinnabar.flag",
        "-c",
        "Remote.MyRemote.URL=hg::https://example.com/x=y",
        "ls-remote",
        "envdump::whatever",
    ])
    .env("PATH", path);
    let _ = output(cmd);
    let dumped = std::fs::read(&dump)?;
    let mut git_dir = None;
    let mut params = None;
    for item in dumped.split(|&b| b == 0) {
        let item = String::from_utf8(item.to_vec())?;
        if let Some(v) = item.strip_prefix("GIT_DIR=") {
            git_dir = Some(v.to_string());
        } else if let Some(v) = item.strip_prefix("GIT_CONFIG_PARAMETERS=") {
            params = Some(v.to_string());
        }
    }
    let git_dir = git_dir.ok_or("no GIT_DIR")?;
    let params = params.ok_or("no GIT_CONFIG_PARAMETERS")?;
    eprintln!("git gave the helper GIT_DIR={git_dir:?} GIT_CONFIG_PARAMETERS={params:?}");

    // Run from elsewhere, as a helper may chdir: GIT_DIR decides.
    std::env::set_current_dir(tmp.path())?;
    std::env::set_var(
        "GIT_DIR",
        work.join(&git_dir)
            .canonicalize()
            .unwrap_or(work.join(&git_dir)),
    );
    std::env::set_var("GIT_CONFIG_PARAMETERS", &params);
    std::env::remove_var("GIT_CONFIG_COUNT");
    let repo = Repo::open()?;
    assert_eq!(
        repo.git_dir().canonicalize()?,
        work.join(".git").canonicalize()?
    );
    assert_eq!(
        repo.config_string("cinnabar.fromrepo").as_deref(),
        Some("repo-value")
    );
    assert_eq!(
        repo.config_string("cinnabar.overridden").as_deref(),
        Some("cli-value")
    );
    assert_eq!(
        repo.config_string("CINNABAR.OVERRIDDEN").as_deref(),
        Some("cli-value")
    );
    assert_eq!(
        repo.config_string("cinnabar.quoted").as_deref(),
        Some("it's \"quoted\" with spaces")
    );
    assert_eq!(repo.config_bool("cinnabar.flag")?, Some(true));
    assert_eq!(
        repo.config_string("remote.MyRemote.url").as_deref(),
        Some("hg::https://example.com/x=y")
    );
    assert_eq!(
        repo.config_string("remote.myremote.url"),
        None,
        "subsection is case sensitive"
    );
    assert_eq!(repo.config_string("cinnabar.unset"), None);

    // Without GIT_DIR, the repository is discovered from the current
    // directory.
    std::env::remove_var("GIT_DIR");
    std::env::remove_var("GIT_CONFIG_PARAMETERS");
    std::env::set_current_dir(work.join("sub"))?;
    let repo = Repo::open()?;
    assert_eq!(
        repo.git_dir().canonicalize()?,
        work.join(".git").canonicalize()?
    );
    assert_eq!(
        repo.config_string("cinnabar.overridden").as_deref(),
        Some("repo-value")
    );

    // Malformed parameters are an error.
    std::env::set_var("GIT_CONFIG_PARAMETERS", "'unterminated");
    assert!(matches!(Repo::open(), Err(StoreError::ConfigEnv { .. })));
    std::env::remove_var("GIT_CONFIG_PARAMETERS");

    // Only SHA-1 repositories.
    let sha256 = tmp.path().join("sha256");
    git(
        tmp.path(),
        &["init", "-q", "--object-format=sha256", "sha256"],
    );
    std::env::set_var("GIT_DIR", sha256.join(".git"));
    let err = Repo::open();
    eprintln!("sha256 repository: {err:?}");
    assert!(
        matches!(&err, Err(StoreError::ObjectFormat(f)) if f == "sha256"),
        "{err:?}"
    );
    let err = Repo::open_at(&sha256, Default::default());
    assert!(
        matches!(&err, Err(StoreError::ObjectFormat(f)) if f == "sha256"),
        "{err:?}"
    );
    std::env::remove_var("GIT_DIR");
    Ok(())
}
