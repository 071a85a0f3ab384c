//! Encoding a part header block.

use std::io;

use super::header::PartHeader;

impl PartHeader {
    /// Encodes the header block (without its size field).
    pub fn encode(&self) -> io::Result<Vec<u8>> {
        let too_long = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bundle2 part {what} is too long"),
            )
        };
        let mut out = Vec::new();
        out.push(u8::try_from(self.part_type.len()).map_err(|_| too_long("type"))?);
        out.extend_from_slice(self.part_type.as_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.push(
            u8::try_from(self.mandatory_params.len()).map_err(|_| too_long("parameter list"))?,
        );
        out.push(u8::try_from(self.advisory_params.len()).map_err(|_| too_long("parameter list"))?);
        let all = self.mandatory_params.iter().chain(&self.advisory_params);
        for (k, v) in all.clone() {
            out.push(u8::try_from(k.len()).map_err(|_| too_long("parameter name"))?);
            out.push(u8::try_from(v.len()).map_err(|_| too_long("parameter value"))?);
        }
        for (k, v) in all {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        Ok(out)
    }
}
