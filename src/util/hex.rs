//! Hexadecimal text for ids: the one encoder and decoder that Mercurial
//! nodes ([`crate::hg`]) and git object ids ([`crate::store`]) share.
//! Output is lowercase; input is accepted in either case.

/// The lowercase hex digits.
const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The value of one hex digit (either case).
pub fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes `hex` into `out`, which must be exactly half as long. Returns
/// `false` on a length mismatch or a non-hex digit (`out` is then
/// partly written).
pub fn decode(hex: &[u8], out: &mut [u8]) -> bool {
    if hex.len() != out.len() * 2 {
        return false;
    }
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(h), Some(l)) => *o = (h << 4) | l,
            _ => return false,
        }
    }
    true
}

/// Appends the lowercase hex form of `bytes` to `out`.
pub fn encode_into(out: &mut Vec<u8>, bytes: &[u8]) {
    // In chunks through a stack buffer: one copy per chunk instead of a
    // capacity check per digit.
    for chunk in bytes.chunks(32) {
        let mut digits = [0u8; 64];
        for (pair, b) in digits.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 15)];
        }
        out.extend_from_slice(&digits[..chunk.len() * 2]);
    }
}

/// The lowercase hex form of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes = [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff];
        let text = encode(&bytes);
        assert_eq!(text, "00017f80abff");
        let mut pushed = b"x".to_vec();
        encode_into(&mut pushed, &bytes);
        assert_eq!(pushed, b"x00017f80abff");
        let mut out = [0u8; 6];
        assert!(decode(text.as_bytes(), &mut out));
        assert_eq!(out, bytes);
        assert!(decode(b"00017F80ABFF", &mut out));
        assert_eq!(out, bytes);
    }

    #[test]
    fn bad_input() {
        let mut out = [0u8; 2];
        assert!(!decode(b"abc", &mut out));
        assert!(!decode(b"abcdef", &mut out));
        assert!(!decode(b"abcg", &mut out));
        assert!(!decode(b"ab c", &mut out));
        assert_eq!(nibble(b'G'), None);
        assert_eq!(nibble(b'F'), Some(15));
    }
}
