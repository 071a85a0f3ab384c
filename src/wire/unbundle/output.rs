//! The server's output: splitting it into lines and showing them as
//! `remote: <line>`.

use std::io::{self, Write};

/// Splits server output into lines (without their newlines).
pub fn output_lines(text: &[u8]) -> Vec<String> {
    text.split_inclusive(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\n").unwrap_or(l)).into_owned())
        .collect()
}

/// Shows server output lines on stderr, as `remote: <line>`.
pub fn show_output(lines: &[String]) {
    let mut err = io::stderr().lock();
    for line in lines {
        let _ = writeln!(err, "remote: {line}");
    }
}
