//! Writes the man pages and shell completions into the project tree.
//! Usage: `cargo run --bin gen-docs [<project root>]`.

fn main() -> std::io::Result<()> {
    let root = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    for file in cinnabar::cli::docs::render()? {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.content)?;
        println!("{}", file.path);
    }
    Ok(())
}
