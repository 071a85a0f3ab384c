//! What a push sends besides the bundle: the `heads` argument of
//! `unbundle` ([`PushHeads`]) and the payload of the `replycaps` part.

use sha1::{Digest, Sha1};

use crate::hg::bundle::encode_caps;
use crate::hg::HgNode;

/// What the pusher says the remote heads are, so that the server can
/// refuse a push that raced with another one (`unbundle`'s `heads`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushHeads<'a> {
    /// Push whatever the remote heads are now (`hg push --force`): sent
    /// as the hex of `force`.
    Force,
    /// The remote heads as the pusher last saw them (an empty remote has
    /// one head: the null node).
    Expect(&'a [HgNode]),
}

impl PushHeads<'_> {
    /// The `heads` argument. With `unbundlehash`, the expected heads are
    /// sent as the hex of `hashed` and the SHA-1 of the sorted, binary
    /// heads; otherwise as a list of hex nodes. `Force` is `666f726365`.
    pub fn encode(&self, unbundlehash: bool) -> Vec<u8> {
        let heads = match self {
            PushHeads::Force => return hex(b"force").into_bytes(),
            PushHeads::Expect([]) => vec![HgNode::NULL],
            PushHeads::Expect(heads) => heads.to_vec(),
        };
        if unbundlehash {
            let mut sorted = heads;
            sorted.sort();
            sorted.dedup();
            let mut hasher = Sha1::new();
            for h in &sorted {
                hasher.update(h.0);
            }
            format!("{} {}", hex(b"hashed"), hex(&hasher.finalize())).into_bytes()
        } else {
            crate::wire::join_nodes(&heads)
        }
    }
}

pub(super) fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// The payload of the `replycaps` part a pushed bundle2 starts with: the
/// bundle2 capabilities of our side (bundle2 itself, and the errors we
/// understand). Without that part, the server sends no reply parts (and
/// Mercurial servers fail after applying the bundle).
pub fn replycaps() -> String {
    encode_caps(&[
        ("HG20", &[]),
        (
            "error",
            &["abort", "unsupportedcontent", "pushraced", "pushkey"],
        ),
    ])
}
