//! Pushing: `unbundle` with a spooled bundle, and reading its reply.

use std::io::Read;

use super::{HttpPeer, Payload};
use crate::wire::unbundle::{self, PushRefusal, ServerError, Spool, UnbundleReply};
use crate::wire::WireError;

impl HttpPeer {
    /// Sends `unbundle` with the spooled bundle and reads the reply: a
    /// bundle2 stream, or `<return code>\n<output>`.
    pub(super) fn push(&mut self, heads: &[u8], spool: &Spool) -> Result<UnbundleReply, WireError> {
        let read_error = |display: &str| {
            let context = format!("cannot read the reply to `unbundle` from {display}");
            move |source| WireError::Io { context, source }
        };
        let sent_bundle2 = spool
            .magic()
            .map_err(read_error(&self.display))?
            .starts_with(b"HG20");
        let mut response = match self.request(
            "unbundle",
            &[("heads", heads)],
            Payload::Bundle(spool),
            false,
            false,
        ) {
            // An out-of-band error (e.g. a bundle1 the server refuses).
            Err(WireError::Remote { url, message }) => {
                return Err(PushRefusal {
                    url,
                    error: ServerError::Abort {
                        message,
                        hint: None,
                    },
                    output: Vec::new(),
                }
                .into_error())
            }
            result => result?,
        };
        let magic = unbundle::read_prefix(&mut response, 4).map_err(read_error(&self.display))?;
        if magic == b"HG20" {
            let stream = std::io::Cursor::new(magic).chain(response);
            return unbundle::read_bundle2_reply(stream, &self.display, Vec::new());
        }
        let mut data = magic;
        response
            .read_to_end(&mut data)
            .map_err(read_error(&self.display))?;
        let Some(newline) = memchr::memchr(b'\n', &data) else {
            let detail = format!("unexpected reply {:?}", String::from_utf8_lossy(&data));
            return Err(self.protocol("unbundle", detail));
        };
        let output = unbundle::output_lines(&data[newline + 1..]);
        if sent_bundle2 {
            // The server refused before reading the bundle (e.g. the heads
            // changed): its message is the output.
            return Err(PushRefusal {
                url: self.display.clone(),
                error: ServerError::PushFailed {
                    message: output.join("\n").trim_end().to_string(),
                },
                output: Vec::new(),
            }
            .into_error());
        }
        unbundle::legacy_reply(&data[..newline], output, &self.display)
    }
}
