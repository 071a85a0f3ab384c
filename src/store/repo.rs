//! The git repository we run in, opened the way git runs remote helpers:
//! `GIT_DIR` when set (git always sets it for helpers), otherwise discovered
//! from the current directory; `git -c` settings from the environment
//! override the repository's configuration.

use std::path::{Path, PathBuf};

use gix::object::Kind;
use gix::objs::Find;
use gix::ObjectId;

use super::config::ConfigOverrides;
use super::error::{Result, StoreError};
use super::object::{empty_tree, null_oid, ObjectRead};

/// An open git repository (SHA-1 only). A clone shares the object
/// database (its packs and indexes) and has its own caches.
#[derive(Clone)]
pub struct Repo {
    repo: gix::Repository,
    overrides: ConfigOverrides,
    /// How many times [`refresh`](Repo::refresh) ran, on this repository
    /// or a clone of it.
    refreshes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("git_dir", &self.git_dir())
            .finish_non_exhaustive()
    }
}

impl Repo {
    /// Opens the repository from the environment: `GIT_DIR` if set, else
    /// discovered upwards from the current directory. Configuration
    /// overrides come from `GIT_CONFIG_PARAMETERS` (and `GIT_CONFIG_COUNT`).
    pub fn open() -> Result<Repo> {
        let overrides = ConfigOverrides::from_env()?;
        let git_dir = std::env::var_os("GIT_DIR").map(PathBuf::from);
        let repo = gix::discover_with_environment_overrides(".").map_err(|e| {
            let candidate = git_dir.clone().or_else(|| {
                gix::discover::upwards(Path::new("."))
                    .ok()
                    .map(|(p, _)| p.into_repository_and_work_tree_directories().0)
            });
            unsupported_format(candidate.as_deref()).unwrap_or(StoreError::OpenRepo {
                path: git_dir.clone(),
                source: Box::new(e),
            })
        })?;
        Self::from_gix(repo, overrides)
    }

    /// Opens the repository at `path` (a `.git` directory, a bare
    /// repository, or a work tree), ignoring `GIT_DIR`, with the given
    /// configuration overrides.
    pub fn open_at(path: impl AsRef<Path>, overrides: ConfigOverrides) -> Result<Repo> {
        let path = path.as_ref();
        let repo = gix::open(path).map_err(|e| {
            unsupported_format(Some(path)).unwrap_or(StoreError::OpenRepo {
                path: Some(path.to_path_buf()),
                source: Box::new(e),
            })
        })?;
        Self::from_gix(repo, overrides)
    }

    /// Creates a bare repository at `path` (a missing or empty directory),
    /// as `git init --bare` does but with gix and always SHA-1, and opens
    /// it like [`open_at`](Self::open_at).
    pub fn init_bare(path: impl AsRef<Path>, overrides: ConfigOverrides) -> Result<Repo> {
        let path = path.as_ref();
        gix::init_bare(path).map_err(|e| {
            StoreError::git(
                format!("creating a bare repository at {}", path.display()),
                e,
            )
        })?;
        Self::open_at(path, overrides)
    }

    fn from_gix(repo: gix::Repository, overrides: ConfigOverrides) -> Result<Repo> {
        let this = Repo {
            repo,
            overrides,
            refreshes: Default::default(),
        };
        if let Some(format) = this.config_string("extensions.objectformat") {
            if !format.eq_ignore_ascii_case("sha1") {
                return Err(StoreError::ObjectFormat(format));
            }
        }
        if this.repo.object_hash() != gix::hash::Kind::Sha1 {
            return Err(StoreError::ObjectFormat(
                this.repo.object_hash().to_string(),
            ));
        }
        Ok(this)
    }

    /// The git directory (`.git`, or the bare repository).
    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// The object directory, where new packs go (`objects/pack`).
    pub fn objects_dir(&self) -> PathBuf {
        self.repo.objects.store_ref().path().to_path_buf()
    }

    /// The gix repository, for what this type does not wrap.
    pub fn gix(&self) -> &gix::Repository {
        &self.repo
    }

    /// The configuration overrides from the environment.
    pub fn overrides(&self) -> &ConfigOverrides {
        &self.overrides
    }

    /// The value of configuration `key` (`section.name` or
    /// `section.subsection.name`), `git -c` settings first, then the
    /// repository, user and system configuration. A key set without a value
    /// (an implicit boolean) reads as the empty string; see
    /// [`config_bool`](Self::config_bool). Non-UTF-8 bytes are replaced.
    pub fn config_string(&self, key: &str) -> Option<String> {
        if let Some(value) = self.overrides.get(key) {
            return Some(value.unwrap_or_default().to_string());
        }
        self.repo
            .config_snapshot()
            .string(key)
            .map(|v| String::from_utf8_lossy(v.as_slice()).into_owned())
    }

    /// The value of configuration `key` read as a git boolean (`true`,
    /// `yes`, `on`, `1`, a bare key… / `false`, `no`, `off`, `0`, empty);
    /// `Ok(None)` when unset, an error when not a boolean.
    pub fn config_bool(&self, key: &str) -> Result<Option<bool>> {
        let value = match self.overrides.get(key) {
            Some(None) => return Ok(Some(true)),
            Some(Some(v)) => v.to_string(),
            None => match self.repo.config_snapshot().try_boolean(key) {
                Ok(v) => return Ok(v),
                Err(e) => return Err(StoreError::git(format!("reading config {key}"), e)),
            },
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "off" | "0" | "" => Ok(Some(false)),
            _ => Err(StoreError::ConfigEnv {
                var: "GIT_CONFIG_PARAMETERS".into(),
                reason: format!("{key}={value:?} is not a boolean"),
            }),
        }
    }

    /// The object a ref points to (following symbolic refs, not peeling
    /// tags), or `None` if the ref does not exist.
    pub fn find_ref(&self, name: &str) -> Result<Option<ObjectId>> {
        let reference = self
            .repo
            .try_find_reference(name)
            .map_err(|e| StoreError::git(format!("looking up ref {name}"), e))?;
        match reference {
            None => Ok(None),
            Some(mut r) => {
                let id = r
                    .follow_to_object()
                    .map_err(|e| StoreError::git(format!("resolving ref {name}"), e))?;
                Ok(Some(id.detach()))
            }
        }
    }

    /// The names of the refs under `prefix` (e.g. `refs/cinnabar/`).
    pub fn refs_with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        let platform = self
            .repo
            .references()
            .map_err(|e| StoreError::git(format!("listing refs under {prefix}"), e))?;
        let iter = platform
            .prefixed(prefix)
            .map_err(|e| StoreError::git(format!("listing refs under {prefix}"), e))?;
        let mut names = Vec::new();
        for r in iter {
            let r = r.map_err(|e| StoreError::git(format!("listing refs under {prefix}"), e))?;
            names.push(r.name().as_bstr().to_string());
        }
        Ok(names)
    }

    /// Reads an object from the repository's object database into `out`;
    /// `Ok(None)` when it is not there. The empty tree always exists, as it
    /// does for git.
    pub fn try_read_object(&self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        let (kind, start, len) = match self
            .repo
            .objects
            .try_find(oid, out)
            .map_err(|e| StoreError::git(format!("reading object {oid}"), e))?
        {
            Some(data) => (data.kind, data.data.as_ptr() as usize, data.data.len()),
            None if *oid == empty_tree() => {
                out.clear();
                return Ok(Some(Kind::Tree));
            }
            None => return Ok(None),
        };
        // The data normally sits in `out`; keep just that part of it.
        let base = out.as_ptr() as usize;
        if len == 0 {
            out.clear();
        } else if start >= base && start + len <= base + out.len() {
            out.truncate(start - base + len);
            out.drain(..start - base);
        } else {
            let copy = match self
                .repo
                .objects
                .try_find(oid, out)
                .map_err(|e| StoreError::git(format!("reading object {oid}"), e))?
            {
                Some(data) => data.data.to_vec(),
                None => return Ok(None),
            };
            *out = copy;
        }
        Ok(Some(kind))
    }

    /// Reads an object from the repository; [`StoreError::NotFound`] when
    /// it is not there.
    pub fn read_object(&self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Kind> {
        self.try_read_object(oid, out)?
            .ok_or(StoreError::NotFound(*oid))
    }

    /// Whether the repository's object database has `oid` (packed or
    /// loose). Unlike git, the empty tree is only there if written. On a
    /// miss, the pack directory is rescanned for new packs.
    pub fn contains(&self, oid: &ObjectId) -> bool {
        use gix::objs::Exists;
        self.repo.objects.exists(oid)
    }

    /// Like [`contains`](Self::contains), without rescanning the pack
    /// directory on a miss: cheap enough to ask for every object written
    /// (a miss is the common case there). Packs added since the last
    /// [`refresh`](Self::refresh) or rescan are not seen.
    pub fn contains_without_refresh(&self, oid: &ObjectId) -> bool {
        self.repo.objects.exists_without_refresh(oid)
    }

    /// Makes packs added to the repository since it was opened visible
    /// (to [`contains_without_refresh`](Self::contains_without_refresh)
    /// in particular), by rescanning the pack directory.
    pub fn refresh(&self) {
        use gix::objs::Exists;
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A lookup that misses rescans the directory and loads new indexes.
        let _ = self.repo.objects.exists(&null_oid());
    }
}

impl Repo {
    /// How many times [`refresh`](Repo::refresh) ran on this repository or
    /// a clone of it: packs may have been added when it changes.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// When a repository could not be opened, tells whether that is because it
/// uses another object format than SHA-1 (which gix, built for SHA-1 only,
/// refuses before we can look): reads `extensions.objectformat` from the
/// configuration file of `git_dir` (or of `git_dir/.git`).
fn unsupported_format(git_dir: Option<&Path>) -> Option<StoreError> {
    let git_dir = git_dir?;
    [git_dir.to_path_buf(), git_dir.join(".git")]
        .into_iter()
        .filter_map(|dir| {
            gix::config::File::from_path_no_includes(dir.join("config"), gix::config::Source::Local)
                .ok()
        })
        .find_map(|config| config.string("extensions.objectformat"))
        .map(|v| String::from_utf8_lossy(v.as_slice()).into_owned())
        .filter(|v| !v.eq_ignore_ascii_case("sha1"))
        .map(StoreError::ObjectFormat)
}

/// Reads from the repository's object database; the same as
/// [`Repo::try_read_object`], which needs only a shared reference.
impl ObjectRead for Repo {
    fn try_read(&mut self, oid: &ObjectId, out: &mut Vec<u8>) -> Result<Option<Kind>> {
        self.try_read_object(oid, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("running git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string()
    }

    #[test]
    fn init_bare_makes_a_repository_git_accepts() -> Result<()> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scratch.git");
        let repo = Repo::init_bare(&path, ConfigOverrides::new())?;
        assert_eq!(
            repo.git_dir().canonicalize().unwrap(),
            path.canonicalize().unwrap()
        );
        assert!(repo.refs_with_prefix("refs/")?.is_empty());
        assert_eq!(git(&path, &["rev-parse", "--is-bare-repository"]), "true");
        assert_eq!(git(&path, &["config", "core.bare"]), "true");
        assert_eq!(git(&path, &["rev-parse", "--show-object-format"]), "sha1");
        git(&path, &["fsck", "--no-progress"]);

        // An existing, empty directory works as well; a repository does not.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        Repo::init_bare(&empty, ConfigOverrides::new())?;
        assert!(Repo::init_bare(&path, ConfigOverrides::new()).is_err());
        Ok(())
    }
}
