//! bundle2 stream parameters ([`StreamParams`]) and the percent-quoting
//! of stream and capability parameters.

use percent_encoding::{percent_decode, percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::hg::bundle::compression::Compression;
use crate::hg::FormatError;

/// Decoded stream parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamParams {
    /// The compression of everything after the parameters.
    pub compression: Option<Compression>,
    /// All parameters, decoded, in order.
    pub params: Vec<(String, Option<String>)>,
}

/// Parses the stream parameters block that starts at byte `offset`.
///
/// As in Mercurial, a parameter name must start with a letter; the
/// `compression` parameter (any case) must have a known value; other
/// parameters are ignored when their name starts with a lowercase letter
/// and rejected otherwise ([`FormatError::UnknownMandatoryParam`]).
pub fn parse_stream_params(block: &[u8], offset: u64) -> Result<StreamParams, FormatError> {
    let mut result = StreamParams::default();
    if block.is_empty() {
        return Ok(result);
    }
    for item in block.split(|&c| c == b' ') {
        let (name, value) = match item.iter().position(|&c| c == b'=') {
            Some(i) => (&item[..i], Some(&item[i + 1..])),
            None => (item, None),
        };
        let name = String::from_utf8_lossy(&unquote(name)).into_owned();
        let value = value.map(|v| String::from_utf8_lossy(&unquote(v)).into_owned());
        let Some(first) = name.chars().next() else {
            return Err(FormatError::Invalid(format!(
                "empty bundle2 stream parameter name in the parameters at byte offset {offset}"
            )));
        };
        if !first.is_ascii_alphabetic() {
            return Err(FormatError::Invalid(format!(
                "bundle2 stream parameter {name:?} at byte offset {offset} does not start with a letter"
            )));
        }
        if name.eq_ignore_ascii_case("compression") {
            let v = value.clone().unwrap_or_default();
            match Compression::from_bundle_type(&v) {
                Some(c) => result.compression = Some(c),
                None => return Err(FormatError::UnknownCompression { name: v, offset }),
            }
        } else if first.is_ascii_uppercase() {
            return Err(FormatError::UnknownMandatoryParam { name, offset });
        }
        result.params.push((name, value));
    }
    Ok(result)
}

/// The bytes Mercurial's bundle2 code percent-quotes in stream and
/// capability parameters: all but ASCII letters, digits and `_.-~`
/// (Python's `urllib.parse.quote`, here with `/` quoted as well; both
/// decode the same).
const QUOTE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Percent-decodes `%XX` sequences (invalid ones are kept as they are).
pub fn unquote(s: &[u8]) -> Vec<u8> {
    percent_decode(s).collect()
}

/// Percent-encodes everything but ASCII letters, digits and `_.-~`.
pub fn quote(s: &[u8]) -> String {
    percent_encode(s, QUOTE_SET).to_string()
}
