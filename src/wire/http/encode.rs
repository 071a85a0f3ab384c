//! Encoding command arguments: Python's `urlencode`, and their split into
//! `X-HgArg-N` headers.

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Encodes arguments the way Python's `urlencode` does.
pub fn urlencode(args: &[(&str, &[u8])]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in args.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        quote_plus(k.as_bytes(), &mut out);
        out.push('=');
        quote_plus(v, &mut out);
    }
    out
}

/// What Python's `quote_plus` (used by `urlencode`) escapes: all but ASCII
/// letters, digits and `_.-~`; spaces then become `+`.
const QUOTE_PLUS_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

fn quote_plus(data: &[u8], out: &mut String) {
    // A literal "%20" is escaped as "%2520": every "%20" is a space.
    out.push_str(
        &percent_encode(data, QUOTE_PLUS_SET)
            .to_string()
            .replace("%20", "+"),
    );
}
/// Splits an encoded argument string into `X-HgArg-N` header values for a
/// server that accepts headers of `limit` bytes (Mercurial's own rule).
pub fn header_chunks(encoded: &str, limit: usize) -> Vec<String> {
    let size = limit
        .saturating_sub("X-HgArg-000".len() + ": \r\n".len())
        .max(1);
    encoded
        .as_bytes()
        .chunks(size)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}
