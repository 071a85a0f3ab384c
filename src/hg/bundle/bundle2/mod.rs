//! bundle2 framing (spec 8.2, `hg help internals.bundle2`): stream
//! parameters, part headers and part payloads.
//!
//! After `HG20`, a big-endian `u32` gives the size of the stream
//! parameters: space-separated, URL-quoted `name[=value]` items. A name
//! starting with an uppercase letter is mandatory. Then come parts (after
//! decompression when a `Compression` parameter is given): a `u32` header
//! size (0 ends the bundle), the header, and a payload made of chunks,
//! each a signed `i32` size then the bytes; size 0 ends the payload and
//! size -1 announces an out-of-band "interrupt" part.

mod caps;
mod encode;
mod header;
mod params;
mod parse;
mod payload;
mod source;

pub use caps::{decode_caps, encode_caps, Bundle2Caps};
pub use header::PartHeader;
pub use params::{parse_stream_params, quote, unquote, StreamParams};
pub use payload::PartPayload;
pub(crate) use payload::PayloadState;
pub(crate) use source::{read_block, read_part_header, Source};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hg::bundle::compression::Compression;
    use crate::hg::FormatError;

    #[test]
    fn stream_params() {
        let p = parse_stream_params(b"Compression=BZ", 8).unwrap();
        assert_eq!(p.compression, Some(Compression::Bzip2));
        let p = parse_stream_params(b"foo%20bar=x%3Dy other", 8).unwrap();
        assert_eq!(p.compression, None);
        assert_eq!(
            p.params,
            vec![
                ("foo bar".to_string(), Some("x=y".to_string())),
                ("other".to_string(), None)
            ]
        );
        assert!(matches!(
            parse_stream_params(b"Compression=XX", 8),
            Err(FormatError::UnknownCompression { name, offset: 8 }) if name == "XX"
        ));
        assert!(matches!(
            parse_stream_params(b"Compression", 8),
            Err(FormatError::UnknownCompression { .. })
        ));
        assert!(matches!(
            parse_stream_params(b"Unknown=1", 8),
            Err(FormatError::UnknownMandatoryParam { name, .. }) if name == "Unknown"
        ));
        assert!(parse_stream_params(b"a  b", 8).is_err());
        assert!(parse_stream_params(b"1abc", 8).is_err());
        assert_eq!(
            parse_stream_params(b"", 8).unwrap(),
            StreamParams::default()
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(unquote(b"a%2Fb%zz%4"), b"a/b%zz%4");
        assert_eq!(quote(b"a b/c=d"), "a%20b%2Fc%3Dd");
        assert_eq!(unquote(quote(b"\x00\xff x").as_bytes()), b"\x00\xff x");
        // The set, byte by byte.
        for b in 0..=255u8 {
            let expected = if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(quote(&[b]), expected, "{b:#x}");
            assert_eq!(unquote(expected.as_bytes()), [b]);
            assert_eq!(unquote(expected.to_lowercase().as_bytes()).len(), 1);
        }
    }

    #[test]
    fn caps() {
        let blob = encode_caps(&[("changegroup", &["01", "02"]), ("HG20", &[])]);
        assert_eq!(blob, "HG20\nchangegroup=01,02");
        assert_eq!(
            format!("HG20,bundle2={}", quote(blob.as_bytes())),
            crate::wire::BUNDLECAPS
        );
        assert_eq!(
            decode_caps(b"HG20\nerror=abort,push%2Craced\n\nlistkeys\nphases=heads"),
            vec![
                ("HG20".to_string(), vec![]),
                (
                    "error".to_string(),
                    vec!["abort".to_string(), "push,raced".to_string()]
                ),
                ("listkeys".to_string(), vec![]),
                ("phases".to_string(), vec!["heads".to_string()]),
            ]
        );
        assert_eq!(encode_caps(&[("a b", &["x=y", "z"])]), "a%20b=x%3Dy,z");
    }

    #[test]
    fn part_headers() {
        let h = PartHeader {
            part_type: "CHANGEGROUP".into(),
            id: 7,
            mandatory_params: vec![("version".into(), "02".into())],
            advisory_params: vec![("nbchanges".into(), "3".into())],
            offset: 0,
        };
        let block = h.encode().unwrap();
        let parsed = PartHeader::parse(&block, 0).unwrap();
        assert_eq!(parsed, h);
        assert!(parsed.is_mandatory());
        assert_eq!(parsed.name(), "changegroup");
        assert_eq!(parsed.param("nbchanges"), Some("3"));
        for cut in 0..block.len() {
            let e = PartHeader::parse(&block[..cut], 100).unwrap_err();
            assert!(e.to_string().contains("byte offset 100"), "{e}");
        }
    }
}
