//! bundle2 capabilities ([`Bundle2Caps`]): decoding and encoding the
//! capabilities blob.

use super::params::{quote, unquote};

/// bundle2 capabilities (`hg help internals.bundle2`): capability names
/// with their values, in order.
pub type Bundle2Caps = Vec<(String, Vec<String>)>;

/// Decodes a bundle2 capabilities blob (the `replycaps` payload, or the
/// unquoted value of the `bundle2` wire capability): lines
/// `name[=value,value…]`, each name and value quoted.
pub fn decode_caps(blob: &[u8]) -> Bundle2Caps {
    let text = |s: &[u8]| String::from_utf8_lossy(&unquote(s)).into_owned();
    blob.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| match line.iter().position(|&b| b == b'=') {
            None => (text(line), Vec::new()),
            Some(i) => (
                text(&line[..i]),
                line[i + 1..].split(|&b| b == b',').map(text).collect(),
            ),
        })
        .collect()
}

/// Encodes bundle2 capabilities as Mercurial does: sorted by name, one
/// `name[=value,value…]` line each, joined by newlines.
pub fn encode_caps(caps: &[(&str, &[&str])]) -> String {
    let mut sorted: Vec<&(&str, &[&str])> = caps.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let lines: Vec<String> = sorted
        .into_iter()
        .map(|(name, values)| {
            let mut line = quote(name.as_bytes());
            if !values.is_empty() {
                line.push('=');
                let values: Vec<String> = values.iter().map(|v| quote(v.as_bytes())).collect();
                line.push_str(&values.join(","));
            }
            line
        })
        .collect();
    lines.join("\n")
}
