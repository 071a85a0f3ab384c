//! Parsing a part header block.

use super::header::PartHeader;
use crate::hg::FormatError;

impl PartHeader {
    /// Parses a header block (without its size field) found at `offset`.
    pub fn parse(block: &[u8], offset: u64) -> Result<PartHeader, FormatError> {
        let mut cur = Cursor {
            data: block,
            pos: 0,
            offset,
        };
        let type_len = cur.u8("type length")?;
        let part_type = cur.string(type_len.into(), "type")?;
        let id = u32::from_be_bytes(cur.array("id")?);
        let mandatory = cur.u8("mandatory parameter count")?;
        let advisory = cur.u8("advisory parameter count")?;
        let mut sizes = Vec::with_capacity(usize::from(mandatory) + usize::from(advisory));
        for _ in 0..usize::from(mandatory) + usize::from(advisory) {
            let [k, v] = cur.array("parameter sizes")?;
            sizes.push((k, v));
        }
        let mut params = Vec::with_capacity(sizes.len());
        for (k, v) in sizes {
            let key = cur.string(k.into(), "parameter name")?;
            let value = cur.string(v.into(), "parameter value")?;
            params.push((key, value));
        }
        let advisory_params = params.split_off(mandatory.into());
        Ok(PartHeader {
            part_type,
            id,
            mandatory_params: params,
            advisory_params,
            offset,
        })
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    offset: u64,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], FormatError> {
        let Some(bytes) = self.data.get(self.pos..self.pos + n) else {
            return Err(FormatError::Invalid(format!(
                "bundle2 part header at byte offset {} is too short for its {what} ({} bytes, {} more needed)",
                self.offset,
                self.data.len(),
                self.pos + n - self.data.len()
            )));
        };
        self.pos += n;
        Ok(bytes)
    }

    fn u8(&mut self, what: &str) -> Result<u8, FormatError> {
        Ok(self.take(1, what)?[0])
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], FormatError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn string(&mut self, n: usize, what: &str) -> Result<String, FormatError> {
        Ok(String::from_utf8_lossy(self.take(n, what)?).into_owned())
    }
}
