//! Man pages and shell completions rendered from the clap definition.
//!
//! `cargo run --bin gen-docs` writes them to `man/` and `completions/`; a test
//! checks that the checked-in files are current.

use clap_complete::Shell;

/// One generated file: its path relative to the project root, and content.
pub struct GeneratedFile {
    pub path: String,
    pub content: Vec<u8>,
}

/// Renders every man page and completion script.
pub fn render() -> std::io::Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    let cmd = super::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    files.push(GeneratedFile {
        path: "man/git-cinnabar.1".into(),
        content: page,
    });
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("git-cinnabar-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page)?;
        files.push(GeneratedFile {
            path: format!("man/{name}.1"),
            content: page,
        });
    }
    for (shell, file) in [
        (Shell::Bash, "git-cinnabar.bash"),
        (Shell::Zsh, "_git-cinnabar"),
        (Shell::Fish, "git-cinnabar.fish"),
    ] {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut super::command(), "git-cinnabar", &mut script);
        files.push(GeneratedFile {
            path: format!("completions/{file}"),
            content: script,
        });
    }
    Ok(files)
}
