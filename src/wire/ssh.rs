//! The SSH transport (spec 9.2): `hg -R <path> serve --stdio` run on the
//! remote host through the ssh program git would use (`GIT_SSH_COMMAND`,
//! `core.sshCommand`, `GIT_SSH`, `ssh.variant`), spoken to with the stdio
//! framing of [`StdioPeer`].

use std::process::Command;

use super::stdio::{PendingPeer, StdioPeer};
use super::WireError;

/// The git settings the SSH transport honours.
#[derive(Clone, Debug, Default)]
pub struct SshConfig {
    /// `core.sshCommand`.
    pub ssh_command: Option<String>,
    /// `ssh.variant`.
    pub variant: Option<String>,
}

/// The kind of ssh program, for its option syntax (git's `ssh.variant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    OpenSsh,
    Plink,
    Putty,
    TortoisePlink,
    Simple,
}

impl Variant {
    fn from_name(name: &str) -> Option<Variant> {
        match name {
            "ssh" | "auto" => Some(Variant::OpenSsh),
            "plink" => Some(Variant::Plink),
            "putty" => Some(Variant::Putty),
            "tortoiseplink" => Some(Variant::TortoisePlink),
            "simple" => Some(Variant::Simple),
            _ => None,
        }
    }

    /// Guesses the variant from the program's name, as git does.
    fn guess(program: &str) -> Variant {
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let base = base.strip_suffix(".exe").unwrap_or(base);
        match base.to_ascii_lowercase().as_str() {
            "plink" => Variant::Plink,
            "tortoiseplink" => Variant::TortoisePlink,
            _ => Variant::OpenSsh,
        }
    }
}

/// Whether a string would be taken as an option by ssh.
fn looks_like_option(s: &str) -> bool {
    s.starts_with('-')
}

/// Quotes a path for the remote shell: as is when it only holds safe
/// characters, else single-quoted.
pub fn quote_path(path: &str) -> String {
    if !path.is_empty()
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%_+=:,./-".contains(&b))
    {
        return path.to_string();
    }
    format!("'{}'", path.replace('\'', "'\\''"))
}

/// The remote command for a repository path taken from an `ssh://` URL:
/// the URL path without its leading `/`, percent-decoded (`ssh://h/p` ⇒
/// `p`, relative to the home directory; `ssh://h//abs` ⇒ `/abs`).
pub fn remote_command(path: &str) -> String {
    format!("hg -R {} serve --stdio", quote_path(path))
}

/// Builds the command line: the ssh program, its options, the host and the
/// remote command.
pub fn ssh_command(
    user: Option<&str>,
    host: &str,
    port: Option<u16>,
    path: &str,
    config: &SshConfig,
) -> Result<Command, String> {
    if looks_like_option(host) {
        return Err(format!("strange hostname '{host}' blocked"));
    }
    if let Some(u) = user.filter(|u| looks_like_option(u)) {
        return Err(format!("strange username '{u}' blocked"));
    }
    if looks_like_option(path) {
        return Err(format!("strange pathname '{path}' blocked"));
    }
    let shell_command = std::env::var("GIT_SSH_COMMAND")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| config.ssh_command.clone().filter(|c| !c.is_empty()));
    let (mut cmd, program) = match shell_command {
        Some(shell) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(format!("{shell} \"$@\"")).arg(&shell);
            let first = shell.split_whitespace().next().unwrap_or("ssh").to_string();
            (cmd, first)
        }
        None => {
            let program = std::env::var("GIT_SSH")
                .ok()
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "ssh".into());
            (Command::new(&program), program)
        }
    };
    let variant = std::env::var("GIT_SSH_VARIANT")
        .ok()
        .or_else(|| config.variant.clone())
        .and_then(|v| Variant::from_name(&v.to_ascii_lowercase()))
        .unwrap_or_else(|| Variant::guess(&program));
    if let Some(port) = port {
        match variant {
            Variant::OpenSsh => {
                cmd.arg("-p").arg(port.to_string());
            }
            Variant::Plink | Variant::Putty => {
                cmd.arg("-P").arg(port.to_string());
            }
            Variant::TortoisePlink => {
                cmd.arg("-batch").arg("-P").arg(port.to_string());
            }
            Variant::Simple => {
                return Err("ssh variant 'simple' does not support setting port".into())
            }
        }
    } else if variant == Variant::TortoisePlink {
        cmd.arg("-batch");
    }
    match user {
        Some(u) => cmd.arg(format!("{u}@{host}")),
        None => cmd.arg(host),
    };
    cmd.arg(remote_command(path));
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG_PARAMETERS",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
    ] {
        cmd.env_remove(var);
    }
    Ok(cmd)
}

/// Connects to `ssh://[user@]host[:port]/path`.
pub fn connect(
    url: &str,
    user: Option<&str>,
    host: &str,
    port: Option<u16>,
    path: &str,
    config: &SshConfig,
) -> Result<StdioPeer, WireError> {
    start(url, user, host, port, path, config)?.connect()
}

/// Starts the ssh program for `ssh://[user@]host[:port]/path`, without the
/// handshake (see [`PendingPeer`]).
pub fn start(
    url: &str,
    user: Option<&str>,
    host: &str,
    port: Option<u16>,
    path: &str,
    config: &SshConfig,
) -> Result<PendingPeer, WireError> {
    let cmd =
        ssh_command(user, host, port, path, config).map_err(|detail| WireError::Protocol {
            command: "ssh".into(),
            url: url.to_string(),
            detail,
        })?;
    StdioPeer::start_remote(url, cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(cmd: &Command) -> Vec<String> {
        std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn quoting() {
        assert_eq!(remote_command("repo"), "hg -R repo serve --stdio");
        assert_eq!(remote_command("/abs/p"), "hg -R /abs/p serve --stdio");
        assert_eq!(remote_command("a b'c"), "hg -R 'a b'\\''c' serve --stdio");
        // From the URL: `ssh://h/p` is relative, `ssh://h//abs` absolute.
        for (url, expected) in [("ssh://h/p", "p"), ("ssh://h//abs", "/abs")] {
            let crate::wire::url::HgUrl::Ssh { path, .. } =
                crate::wire::url::HgUrl::parse(url).unwrap()
            else {
                panic!("{url}");
            };
            assert_eq!(
                remote_command(&path),
                format!("hg -R {expected} serve --stdio")
            );
        }
    }

    #[test]
    fn command_line() {
        // Only meaningful without the environment overrides.
        if std::env::var_os("GIT_SSH_COMMAND").is_some()
            || std::env::var_os("GIT_SSH").is_some()
            || std::env::var_os("GIT_SSH_VARIANT").is_some()
        {
            return;
        }
        let config = SshConfig::default();
        let cmd = ssh_command(Some("me"), "host", Some(2222), "r", &config).unwrap();
        assert_eq!(
            args(&cmd),
            ["ssh", "-p", "2222", "me@host", "hg -R r serve --stdio"]
        );
        let config = SshConfig {
            ssh_command: Some("my ssh -v".into()),
            variant: Some("putty".into()),
        };
        let cmd = ssh_command(None, "host", Some(22), "r", &config).unwrap();
        assert_eq!(
            args(&cmd),
            [
                "sh",
                "-c",
                "my ssh -v \"$@\"",
                "my ssh -v",
                "-P",
                "22",
                "host",
                "hg -R r serve --stdio"
            ]
        );
        assert!(ssh_command(None, "-oProxyCommand=x", None, "/r", &config).is_err());
        assert!(ssh_command(Some("-x"), "h", None, "/r", &config).is_err());
        assert!(ssh_command(None, "h", None, "-r", &config).is_err());
    }
}
