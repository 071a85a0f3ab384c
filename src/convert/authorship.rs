//! Authors and dates between Mercurial (`user`, seconds, offset west of UTC)
//! and git (`name <email> time ±hhmm`), exactly as git-cinnabar converts them.

/// An identity with its date, in Mercurial's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorship {
    /// The identity (`Name <email>` or anything else hg accepted).
    pub who: Vec<u8>,
    /// Seconds since the epoch.
    pub time: u64,
    /// Offset in seconds west of UTC (hg's sign convention).
    pub utcoffset: i32,
}

/// Splits an identity into (name, email) with git-cinnabar's rule: the
/// shortest prefix followed by an optional space and `<…>` gives the name,
/// the bracketed text the email; without brackets, a string with `@` is an
/// email, anything else a name. `<` and `>` are then removed from both.
pub fn split_who(who: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (name, email) = match find_bracketed(who) {
        Some((name_end, email_start, email_end)) => {
            (&who[..name_end], &who[email_start..email_end])
        }
        None if who.contains(&b'@') => (&b""[..], who),
        None => (who, &b""[..]),
    };
    let clean = |s: &[u8]| {
        s.iter()
            .copied()
            .filter(|&b| b != b'<' && b != b'>')
            .collect()
    };
    (clean(name), clean(email))
}

/// Finds `(name end, email start, email end)` for the lazy match of
/// `^(.*?) ?<(.*?)>`.
fn find_bracketed(who: &[u8]) -> Option<(usize, usize, usize)> {
    for p in 0..who.len() {
        let lt = if who[p] == b' ' && who.get(p + 1) == Some(&b'<') {
            p + 1
        } else if who[p] == b'<' {
            p
        } else {
            continue;
        };
        if let Some(gt) = memchr::memchr(b'>', &who[lt + 1..]) {
            return Some((p, lt + 1, lt + 1 + gt));
        }
    }
    None
}

impl Authorship {
    /// Parses hg's `time` and `tz` fields. Non-integer values are refused.
    pub fn from_hg(who: &[u8], time: &[u8], tz: &[u8]) -> Option<Authorship> {
        Some(Authorship {
            who: who.to_vec(),
            time: std::str::from_utf8(time).ok()?.parse().ok()?,
            utcoffset: std::str::from_utf8(tz).ok()?.parse().ok()?,
        })
    }

    /// Parses `identity time offset` (an hg-git `committer` extra), where the
    /// offset may be git-style `±hhmm` or hg-style seconds.
    pub fn from_hg_str(s: &[u8]) -> Option<Authorship> {
        let mut parts = s.rsplitn(3, |&b| b == b' ');
        let tz = std::str::from_utf8(parts.next()?).ok()?;
        let time = std::str::from_utf8(parts.next()?).ok()?;
        let who = parts.next()?;
        let time = time.parse().ok()?;
        let value: i32 = tz.parse().ok()?;
        let git_style = tz.starts_with('+')
            || tz.starts_with("-0")
            || (tz.starts_with("-1")
                && value > -1800
                && value % 900 != 0
                && (value.abs() % 100) % 15 == 0);
        let utcoffset = if git_style {
            git_tz_to_utcoffset(value)
        } else {
            value
        };
        Some(Authorship {
            who: who.to_vec(),
            time,
            utcoffset,
        })
    }

    /// Parses a git signature (`name <email> time ±hhmm`).
    pub fn from_git(sig: &[u8]) -> Option<Authorship> {
        let mut parts = sig.rsplitn(3, |&b| b == b' ');
        let tz = std::str::from_utf8(parts.next()?).ok()?;
        let time = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
        let ident = parts.next()?;
        let lt = memchr::memrchr(b'<', ident)?;
        let name = ident[..lt].strip_suffix(b" ").unwrap_or(&ident[..lt]);
        let email = ident[lt + 1..].strip_suffix(b">")?;
        let who = match (name.is_empty(), email.is_empty()) {
            (true, _) => [b"<", email, b">"].concat(),
            (false, true) => name.to_vec(),
            (false, false) => [name, b" <", email, b">"].concat(),
        };
        Some(Authorship {
            who,
            time,
            utcoffset: git_tz_to_utcoffset(tz.parse().ok()?),
        })
    }

    /// The git signature: `name <email> time ±hhmm`.
    pub fn to_git(&self) -> Vec<u8> {
        let (name, email) = split_who(&self.who);
        let mut out = name;
        out.extend_from_slice(b" <");
        out.extend_from_slice(&email);
        out.extend_from_slice(b"> ");
        out.extend_from_slice(self.time.to_string().as_bytes());
        let sign = if self.utcoffset > 0 { '-' } else { '+' };
        let minutes = self.utcoffset.unsigned_abs() / 60;
        out.extend_from_slice(format!(" {sign}{:02}{:02}", minutes / 60, minutes % 60).as_bytes());
        out
    }

    /// hg's rendering: `identity time offset`.
    pub fn to_hg_str(&self) -> Vec<u8> {
        let mut out = self.who.clone();
        out.extend_from_slice(format!(" {} {}", self.time, self.utcoffset).as_bytes());
        out
    }
}

/// Converts a git `±hhmm` value (as an integer) to seconds west of UTC.
fn git_tz_to_utcoffset(tz: i32) -> i32 {
    let abs = tz.abs();
    -tz.signum() * ((abs / 100) * 60 + abs % 100) * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(who: &str) -> String {
        let a = Authorship {
            who: who.as_bytes().to_vec(),
            time: 0,
            utcoffset: 0,
        };
        String::from_utf8(a.to_git()).unwrap()
    }

    #[test]
    fn who_munging() {
        assert_eq!(git("Foo Bar"), "Foo Bar <> 0 +0000");
        assert_eq!(git("foo@bar"), " <foo@bar> 0 +0000");
        assert_eq!(git("Foo Bar  <foo@bar>"), "Foo Bar  <foo@bar> 0 +0000");
        assert_eq!(git("Foo Bar<foo@bar>"), "Foo Bar <foo@bar> 0 +0000");
        assert_eq!(git("Foo Bar (foo@bar)"), " <Foo Bar (foo@bar)> 0 +0000");
        assert_eq!(git("<Foo Bar> foo@bar"), " <Foo Bar> 0 +0000");
        assert_eq!(git("\"Foo Bar <foo@bar>\""), "\"Foo Bar <foo@bar> 0 +0000");
        assert_eq!(git("Foo <a> <b>"), "Foo <a> 0 +0000");
        assert_eq!(git("nobody"), "nobody <> 0 +0000");
    }

    #[test]
    fn timezones() {
        let a = Authorship::from_hg(b"x", b"0", b"-7200").unwrap();
        assert!(a.to_git().ends_with(b" +0200"));
        let a = Authorship::from_hg(b"x", b"0", b"3600").unwrap();
        assert!(a.to_git().ends_with(b" -0100"));
        let a = Authorship::from_hg(b"x", b"0", b"-19800").unwrap();
        assert!(a.to_git().ends_with(b" +0530"));
        assert_eq!(git_tz_to_utcoffset(200), -7200);
        assert_eq!(git_tz_to_utcoffset(-100), 3600);
        assert!(Authorship::from_hg(b"x", b"1.5", b"0").is_none());
    }

    #[test]
    fn git_round_trip() {
        for (who, back) in [
            ("Foo Bar <foo@bar>", "Foo Bar <foo@bar>"),
            ("foo@bar", "<foo@bar>"),
            ("Foo Bar", "Foo Bar"),
        ] {
            let a = Authorship {
                who: who.as_bytes().to_vec(),
                time: 12,
                utcoffset: -7200,
            };
            let b = Authorship::from_git(&a.to_git()).unwrap();
            assert_eq!(b.who, back.as_bytes());
            assert_eq!((b.time, b.utcoffset), (12, -7200));
        }
    }

    #[test]
    fn committer_strings() {
        let a = Authorship::from_hg_str(b"Foo <f@b> 10 -7200").unwrap();
        assert_eq!((a.time, a.utcoffset), (10, -7200));
        let a = Authorship::from_hg_str(b"Foo <f@b> 10 +0200").unwrap();
        assert_eq!(a.utcoffset, -7200);
        let a = Authorship::from_hg_str(b"Foo <f@b> 10 -0100").unwrap();
        assert_eq!(a.utcoffset, 3600);
        assert_eq!(a.to_hg_str(), b"Foo <f@b> 10 3600");
    }
}
