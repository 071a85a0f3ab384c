//! What a push achieved: the replies to the pushed parts
//! ([`UnbundleReply`]) and the changegroup result they add up to.

/// A reply to one part of the pushed bundle2 (`reply:changegroup`,
/// `reply:pushkey`), or the result of a bundle1 push (`in_reply_to` is
/// `None` then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartReply {
    /// The id of the part this answers.
    pub in_reply_to: Option<u32>,
    /// The `return` parameter.
    pub ret: i64,
}

/// What applying changegroups did to the remote, from their return codes
/// (Mercurial's `addchangegroup` convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangegroupResult {
    /// Code 0: an error, or nothing was applied.
    Failed,
    /// Code 1: applied, same number of heads.
    Unchanged,
    /// Code `1 + n`: `n` heads more.
    HeadsAdded(u64),
    /// Code `-1 - n`: `n` heads fewer.
    HeadsRemoved(u64),
}

impl ChangegroupResult {
    /// Interprets a return code (-1 counts as 1, as in Mercurial).
    pub fn from_code(code: i64) -> ChangegroupResult {
        match code {
            0 => ChangegroupResult::Failed,
            -1 | 1 => ChangegroupResult::Unchanged,
            c if c > 1 => ChangegroupResult::HeadsAdded(c.unsigned_abs() - 1),
            c => ChangegroupResult::HeadsRemoved(c.unsigned_abs() - 1),
        }
    }

    /// Combines the codes of several changegroups as Mercurial does: any
    /// failure fails, else head changes add up.
    pub fn combine(codes: impl IntoIterator<Item = i64>) -> ChangegroupResult {
        let mut changed: i64 = 0;
        for code in codes {
            match ChangegroupResult::from_code(code) {
                ChangegroupResult::Failed => return ChangegroupResult::Failed,
                ChangegroupResult::Unchanged => {}
                ChangegroupResult::HeadsAdded(n) => changed += n as i64,
                ChangegroupResult::HeadsRemoved(n) => changed -= n as i64,
            }
        }
        match changed {
            0 => ChangegroupResult::Unchanged,
            n if n > 0 => ChangegroupResult::HeadsAdded(n.unsigned_abs()),
            n => ChangegroupResult::HeadsRemoved(n.unsigned_abs()),
        }
    }
}

/// The reply to an `unbundle` the server did not refuse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnbundleReply {
    /// `reply:changegroup` parts, or the bundle1 return code.
    pub changegroups: Vec<PartReply>,
    /// `reply:pushkey` parts (bookmark or phase moves sent in the bundle).
    pub pushkeys: Vec<PartReply>,
    /// What the server printed while applying the bundle, line by line,
    /// not shown yet: to show as `remote: <line>`. It comes from `output`
    /// parts and bundle1 HTTP replies, and, over stdio/ssh, from the
    /// server's stderr while the push ran (lines arriving after the reply
    /// are shown by the transport as usual).
    pub output: Vec<String>,
}

impl UnbundleReply {
    /// The combined changegroup result; `None` when the reply has none
    /// (a bundle2 push without a `replycaps` part gets no reply parts).
    pub fn changegroup_result(&self) -> Option<ChangegroupResult> {
        (!self.changegroups.is_empty())
            .then(|| ChangegroupResult::combine(self.changegroups.iter().map(|r| r.ret)))
    }

    /// Whether the push worked: no failed changegroup nor pushkey.
    pub fn succeeded(&self) -> bool {
        self.changegroup_result() != Some(ChangegroupResult::Failed)
            && self.pushkeys.iter().all(|r| r.ret != 0)
    }
}
