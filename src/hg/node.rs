//! Mercurial node ids: 20 raw bytes, shown as 40 hex digits.

use std::fmt;

use sha1::{Digest, Sha1};

use super::FormatError;
use crate::util::hex;

/// A Mercurial node id (changeset, manifest or file revision).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HgNode(pub [u8; 20]);

impl HgNode {
    /// The null node: no parent, no manifest.
    pub const NULL: HgNode = HgNode([0; 20]);

    /// The node of an empty file revision without parents.
    pub const EMPTY_FILE: HgNode = HgNode([
        0xb8, 0x0d, 0xe5, 0xd1, 0x38, 0x75, 0x85, 0x41, 0xc5, 0xf0, 0x52, 0x65, 0xad, 0x14, 0x4a,
        0xb9, 0xfa, 0x86, 0xd1, 0xdb,
    ]);

    /// Builds a node from a 20-byte slice.
    pub fn from_slice(bytes: &[u8]) -> Option<HgNode> {
        bytes.try_into().ok().map(HgNode)
    }

    /// Parses 40 hex digits (either case).
    pub fn from_hex(hex: &[u8]) -> Result<HgNode, FormatError> {
        let mut out = [0u8; 20];
        if hex.len() != 40 || !decode_hex(hex, &mut out) {
            return Err(FormatError::BadHex(
                String::from_utf8_lossy(hex).into_owned(),
            ));
        }
        Ok(HgNode(out))
    }

    /// Whether this is the null node.
    pub fn is_null(&self) -> bool {
        self.0 == [0; 20]
    }

    /// The 40 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// Writes the 40 hex digits into `out`.
    pub fn write_hex(&self, out: &mut Vec<u8>) {
        hex::encode_into(out, &self.0);
    }

    /// The node of `text` with parents `p1` and `p2`:
    /// sha1(min(p1, p2) ‖ max(p1, p2) ‖ text).
    pub fn hash(p1: &HgNode, p2: &HgNode, text: &[u8]) -> HgNode {
        let mut h = NodeHasher::new(p1, p2);
        h.update(text);
        h.finish()
    }
}

/// Incremental node hashing, for texts produced in pieces.
pub struct NodeHasher(Sha1);

impl NodeHasher {
    /// Starts a hash with the two parents, sorted.
    pub fn new(p1: &HgNode, p2: &HgNode) -> NodeHasher {
        let (a, b) = if p1 <= p2 { (p1, p2) } else { (p2, p1) };
        let mut h = Sha1::new();
        h.update(a.0);
        h.update(b.0);
        NodeHasher(h)
    }

    /// Adds text.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The resulting node.
    pub fn finish(self) -> HgNode {
        HgNode(self.0.finalize().into())
    }
}

/// Decodes hex digits into `out` (which must be half as long); see
/// [`crate::util::hex::decode`].
pub use crate::util::hex::decode as decode_hex;

/// An abbreviated id: a prefix of up to 40 hex digits, used to look ids up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abbrev {
    bytes: [u8; 20],
    nibbles: usize,
}

impl Abbrev {
    /// Parses a hex prefix of 1 to 40 digits.
    pub fn parse(hex: &str) -> Option<Abbrev> {
        if hex.is_empty() || hex.len() > 40 {
            return None;
        }
        let mut bytes = [0u8; 20];
        for (i, c) in hex.bytes().enumerate() {
            let n = hex::nibble(c)?;
            bytes[i / 2] |= if i % 2 == 0 { n << 4 } else { n };
        }
        Some(Abbrev {
            bytes,
            nibbles: hex.len(),
        })
    }

    /// Number of hex digits given.
    pub fn len(&self) -> usize {
        self.nibbles
    }

    /// Whether no digit is given (never true for a parsed value).
    pub fn is_empty(&self) -> bool {
        self.nibbles == 0
    }

    /// The smallest id with this prefix.
    pub fn lower_bound(&self) -> [u8; 20] {
        self.bytes
    }

    /// Whether `id` starts with this prefix.
    pub fn matches(&self, id: &[u8; 20]) -> bool {
        let full = self.nibbles / 2;
        if id[..full] != self.bytes[..full] {
            return false;
        }
        self.nibbles % 2 == 0 || (id[full] & 0xf0) == self.bytes[full]
    }
}

impl fmt::Display for HgNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for HgNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HgNode({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_node() {
        assert_eq!(
            HgNode::hash(&HgNode::NULL, &HgNode::NULL, b""),
            HgNode::EMPTY_FILE
        );
        assert_eq!(
            HgNode::EMPTY_FILE.to_hex(),
            "b80de5d138758541c5f05265ad144ab9fa86d1db"
        );
    }

    #[test]
    fn file_a_node() {
        let n = HgNode::hash(&HgNode::NULL, &HgNode::NULL, b"a\n");
        assert_eq!(n.to_hex(), "b789fdd96dc2f3bd229c1dd8eedf0fc60e2b68e3");
        assert_eq!(HgNode::from_hex(n.to_hex().as_bytes()).unwrap(), n);
    }

    #[test]
    fn parent_order_does_not_matter() {
        let a = HgNode([1; 20]);
        let b = HgNode([2; 20]);
        assert_eq!(HgNode::hash(&a, &b, b"x"), HgNode::hash(&b, &a, b"x"));
    }

    #[test]
    fn abbreviations() {
        let n = HgNode::from_hex(b"b789fdd96dc2f3bd229c1dd8eedf0fc60e2b68e3").unwrap();
        assert!(Abbrev::parse("b789f").unwrap().matches(&n.0));
        assert!(Abbrev::parse("B789FD").unwrap().matches(&n.0));
        assert!(!Abbrev::parse("b788").unwrap().matches(&n.0));
        assert!(Abbrev::parse("xyz").is_none());
        assert!(Abbrev::parse("").is_none());
    }

    #[test]
    fn bad_hex() {
        assert!(HgNode::from_hex(b"zz").is_err());
        assert!(HgNode::from_hex(&[b'g'; 40]).is_err());
    }
}
