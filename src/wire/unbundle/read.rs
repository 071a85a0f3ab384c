//! Reading the replies to `unbundle` (a bundle2 stream, or a bundle1
//! return code) and to `pushkey`.

use std::io::Read;

use super::error::{PushRefusal, ServerError};
use super::output::output_lines;
use super::reply::{PartReply, UnbundleReply};
use crate::hg::bundle::BundleReader;
use crate::hg::FormatError;
use crate::wire::WireError;

fn parse_u32(value: Option<&str>) -> Option<u32> {
    value.and_then(|v| v.trim().parse().ok())
}

/// Reads a bundle2 reply to `unbundle` to its end. `output` holds lines
/// the transport already has; `output` parts are added to it. An
/// `error:*` part makes a [`WireError::PushRefused`].
pub fn read_bundle2_reply(
    stream: impl Read,
    url: &str,
    mut output: Vec<String>,
) -> Result<UnbundleReply, WireError> {
    let bad = |e: FormatError| {
        let detail = match e {
            FormatError::Truncated { offset: 0, .. } => {
                "the server closed the connection without replying".to_string()
            }
            e => e.to_string(),
        };
        crate::wire::protocol_error(url, "unbundle", detail)
    };
    let mut reader = BundleReader::open(stream).map_err(bad)?;
    let mut reply = UnbundleReply::default();
    let mut error = None;
    while let Some(mut part) = reader.next_part().map_err(bad)? {
        let header = &part.header;
        let name = header.name();
        let param = |k: &str| header.param(k).map(str::to_string);
        let ret = |what: &str| -> Result<PartReply, WireError> {
            let ret = header
                .param("return")
                .and_then(|r| r.trim().parse().ok())
                .ok_or_else(|| {
                    crate::wire::protocol_error(
                        url,
                        "unbundle",
                        format!("{what} part without a valid `return` parameter"),
                    )
                })?;
            Ok(PartReply {
                in_reply_to: parse_u32(header.param("in-reply-to")),
                ret,
            })
        };
        match name.as_str() {
            "reply:changegroup" => reply.changegroups.push(ret("reply:changegroup")?),
            "reply:pushkey" => reply.pushkeys.push(ret("reply:pushkey")?),
            "output" => {
                let mut text = Vec::new();
                part.payload
                    .read_to_end(&mut text)
                    .map_err(|e| bad(FormatError::from_io(e, "output part", 0)))?;
                output.extend(output_lines(&text));
            }
            "error:abort" => {
                error.get_or_insert(ServerError::Abort {
                    message: param("message").unwrap_or_default(),
                    hint: param("hint"),
                });
            }
            "error:pushkey" => {
                error.get_or_insert(ServerError::Pushkey {
                    in_reply_to: parse_u32(header.param("in-reply-to")),
                    namespace: param("namespace"),
                    key: param("key"),
                    old: param("old"),
                    new: param("new"),
                    ret: param("ret"),
                });
            }
            "error:unsupportedcontent" => {
                error.get_or_insert(ServerError::UnsupportedContent {
                    part_type: param("parttype"),
                    params: header
                        .param("params")
                        .map(|p| p.split('\0').map(str::to_string).collect())
                        .unwrap_or_default(),
                });
            }
            "error:pushraced" => {
                error.get_or_insert(ServerError::PushRaced {
                    message: param("message").unwrap_or_default(),
                });
            }
            n if n.starts_with("error:") => {
                error.get_or_insert(ServerError::Other {
                    kind: n.to_string(),
                    params: header
                        .mandatory_params
                        .iter()
                        .chain(&header.advisory_params)
                        .cloned()
                        .collect(),
                });
            }
            n if n.starts_with("reply:") || !header.is_mandatory() => {}
            _ => {
                return Err(crate::wire::protocol_error(
                    url,
                    "unbundle",
                    format!("unknown mandatory part {:?} in the reply", header.part_type),
                ))
            }
        }
    }
    reply.output = output;
    match error {
        Some(error) => Err(PushRefusal {
            url: url.to_string(),
            error,
            output: reply.output,
        }
        .into_error()),
        None => Ok(reply),
    }
}

/// Interprets the reply to a bundle1 push: the return code (as text) and
/// the server's output. An empty return code is a refusal; one that is
/// not a number, a protocol error.
pub fn legacy_reply(
    ret: &[u8],
    output: Vec<String>,
    url: &str,
) -> Result<UnbundleReply, WireError> {
    let text = String::from_utf8_lossy(ret);
    let text = text.trim();
    if text.is_empty() {
        let message = output.join("\n");
        return Err(PushRefusal {
            url: url.to_string(),
            error: ServerError::PushFailed { message },
            output,
        }
        .into_error());
    }
    let ret = text.parse().map_err(|_| {
        crate::wire::protocol_error(url, "unbundle", format!("unexpected return code {text:?}"))
    })?;
    Ok(UnbundleReply {
        changegroups: vec![PartReply {
            in_reply_to: None,
            ret,
        }],
        pushkeys: Vec::new(),
        output,
    })
}

/// Parses a `pushkey` reply (`<0|1>\n<output>`): whether the key was set,
/// and the server's output lines.
pub fn parse_pushkey(data: &[u8], url: &str) -> Result<(bool, Vec<String>), WireError> {
    let (value, output) = match memchr::memchr(b'\n', data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let text = String::from_utf8_lossy(value);
    let value: i64 = text.trim().parse().map_err(|_| {
        crate::wire::protocol_error(url, "pushkey", format!("unexpected reply {text:?}"))
    })?;
    Ok((value != 0, output_lines(output)))
}
