//! Credentials as git gets them: `git credential fill`, `approve` and
//! `reject`.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{Credentials, HttpPeer};
use crate::wire::WireError;

impl HttpPeer {
    /// The `git credential` description of our URL.
    fn credential_description(&self) -> String {
        let mut text = format!("protocol={}\n", self.base.scheme());
        let host = match self.base.port() {
            Some(p) => format!("{}:{p}", self.base.host_str().unwrap_or_default()),
            None => self.base.host_str().unwrap_or_default().to_string(),
        };
        text.push_str(&format!("host={host}\n"));
        let path = self.base.path().trim_start_matches('/');
        if !path.is_empty() {
            text.push_str(&format!("path={path}\n"));
        }
        text
    }

    /// Asks `git credential fill` for a user and password.
    pub(super) fn fill_credentials(&mut self) -> Result<(), WireError> {
        let mut input = self.credential_description();
        if let Some(c) = &self.credentials {
            input.push_str(&format!("username={}\n", c.user));
        }
        input.push('\n');
        let output = run_credential("fill", &input).map_err(|source| WireError::Io {
            context: format!("cannot run `git credential fill` for {}", self.display),
            source,
        })?;
        let mut user = None;
        let mut password = None;
        for line in output.lines() {
            if let Some(v) = line.strip_prefix("username=") {
                user = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("password=") {
                password = Some(v.to_string());
            }
        }
        match (user, password) {
            (Some(user), Some(password)) => {
                self.credentials = Some(Credentials {
                    user,
                    password,
                    from_helper: true,
                });
                self.pending_approval = true;
                Ok(())
            }
            _ => Err(self.protocol(
                "capabilities",
                "authentication required and no credentials given",
            )),
        }
    }

    fn credential_input(&self, c: &Credentials) -> String {
        format!(
            "{}username={}\npassword={}\n\n",
            self.credential_description(),
            c.user,
            c.password
        )
    }

    /// Tells the credential helpers that the credentials worked.
    pub(super) fn approve(&mut self) {
        if !self.pending_approval {
            return;
        }
        self.pending_approval = false;
        if let Some(c) = &self.credentials {
            let _ = run_credential("approve", &self.credential_input(c));
        }
    }

    /// Tells the credential helpers that the credentials failed.
    pub(super) fn reject(&mut self) {
        if let Some(c) = self.credentials.as_ref().filter(|c| c.from_helper) {
            let _ = run_credential("reject", &self.credential_input(c));
        }
        self.pending_approval = false;
    }
}
/// Runs `git credential <action>` with `input` (spec 9.3: credentials as
/// git gets them). Running git itself, rather than reimplementing it
/// (gix-credentials), keeps exactly git's behaviour: `credential.helper`
/// cascades and per-URL sections, `credential.useHttpPath`,
/// `credential.interactive`, `GIT_ASKPASS`/`core.askPass`/`SSH_ASKPASS`,
/// `GIT_TERMINAL_PROMPT` and the terminal prompt, whatever the installed
/// git version supports.
fn run_credential(action: &str, input: &str) -> std::io::Result<String> {
    let mut child = Command::new("git")
        .args(["credential", action])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(std::io::Error::other(format!(
            "git credential {action} failed ({})",
            output.status
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
