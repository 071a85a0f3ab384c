//! Manifest lines: `<path> NUL <file node hex> <flag> LF`.

use super::{FormatError, HgNode};

/// The flag of a manifest entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// A regular file.
    Regular,
    /// An executable file (`x`).
    Exec,
    /// A symbolic link (`l`).
    Link,
}

impl Flag {
    /// The flag as written in a manifest line.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Flag::Regular => b"",
            Flag::Exec => b"x",
            Flag::Link => b"l",
        }
    }
}

/// One manifest line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManifestLine<'a> {
    pub path: &'a [u8],
    pub node: HgNode,
    pub flag: Flag,
}

impl<'a> ManifestLine<'a> {
    /// Parses one line (without its trailing LF).
    pub fn parse(line: &'a [u8]) -> Result<ManifestLine<'a>, FormatError> {
        let bad = || {
            FormatError::Invalid(format!(
                "malformed manifest line {:?}",
                String::from_utf8_lossy(line)
            ))
        };
        let nul = memchr::memchr(0, line).ok_or_else(bad)?;
        let (path, rest) = (&line[..nul], &line[nul + 1..]);
        if rest.len() < 40 {
            return Err(bad());
        }
        let node = HgNode::from_hex(&rest[..40]).map_err(|_| bad())?;
        let flag = match &rest[40..] {
            b"" => Flag::Regular,
            b"x" => Flag::Exec,
            b"l" => Flag::Link,
            _ => return Err(bad()),
        };
        Ok(ManifestLine { path, node, flag })
    }

    /// The length of the line, LF included.
    pub fn len(&self) -> usize {
        line_len(self.path.len(), self.flag)
    }

    /// Lines are never empty.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Appends the line, LF included.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.path);
        out.push(0);
        self.node.write_hex(out);
        out.extend_from_slice(self.flag.as_bytes());
        out.push(b'\n');
    }
}

/// The length of a manifest line for a path of `path_len` bytes.
pub fn line_len(path_len: usize, flag: Flag) -> usize {
    path_len + 1 + 40 + flag.as_bytes().len() + 1
}

/// Iterates over the lines of a manifest text. A text that does not end
/// with a newline yields an error for its last line.
pub fn lines(text: &[u8]) -> impl Iterator<Item = Result<ManifestLine<'_>, FormatError>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = memchr::memchr(b'\n', rest) else {
            rest = b"";
            return Some(Err(FormatError::Invalid(
                "manifest text does not end with a newline".into(),
            )));
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        Some(ManifestLine::parse(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_lines() {
        let text = b"a\0b789fdd96dc2f3bd229c1dd8eedf0fc60e2b68e3\nbin/x\0b789fdd96dc2f3bd229c1dd8eedf0fc60e2b68e3x\n";
        let parsed: Vec<_> = lines(text).collect::<Result<_, _>>().unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].path, b"bin/x");
        assert_eq!(parsed[1].flag, Flag::Exec);
        let mut out = Vec::new();
        for l in &parsed {
            l.write(&mut out);
        }
        assert_eq!(out, text);
        assert_eq!(parsed[0].len(), 43);
        assert_eq!(
            HgNode::hash(&HgNode::NULL, &HgNode::NULL, &text[..43]).to_hex(),
            "a0c8bcbbb45c63b90b70ad007bf38961f64f2af0"
        );
        assert_eq!(lines(b"").count(), 0);
        assert!(lines(b"a\0zz\n").next().unwrap().is_err());
    }
}
