//! Entry point: `git-cinnabar` runs the command line, and the same binary
//! run as `git-remote-hg` is git's remote helper for `hg::` URLs.

use std::process::ExitCode;

fn main() -> ExitCode {
    cinnabar::cli::main()
}
