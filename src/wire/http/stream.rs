//! Reading responses as streams: clone bundles ([`get_stream`]), content
//! types, and the compressed `getbundle` stream.

use std::io::Read;

use reqwest::blocking::Response;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::Url;

use super::config::{build_client, FollowRedirects, HttpConfig};
use crate::wire::url::strip_credentials;
use crate::wire::WireError;

/// Downloads `url` (a clone bundle) as a stream.
pub fn get_stream(url: &str, config: &HttpConfig) -> Result<Box<dyn Read + Send>, WireError> {
    let display = strip_credentials(url);
    let bad = |detail: String| WireError::Protocol {
        command: "GET".into(),
        url: display.clone(),
        detail,
    };
    let client = build_client(config).map_err(|e| bad(format!("cannot set up HTTP: {e}")))?;
    let mut redirects = 0;
    let mut target = Url::parse(url).map_err(|e| bad(format!("invalid URL: {e}")))?;
    loop {
        let response = client
            .get(target.clone())
            .send()
            .map_err(|e| bad(e.to_string()))?;
        let status = response.status();
        if status.is_redirection() && config.follow_redirects != FollowRedirects::No {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| response.url().join(l).ok());
            if let Some(next) = next.filter(|_| redirects < 10) {
                redirects += 1;
                target = next;
                continue;
            }
        }
        if !status.is_success() {
            return Err(bad(format!("HTTP error {status}")));
        }
        return Ok(Box::new(response));
    }
}
pub(super) fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_string())
        .unwrap_or_default()
}
/// Reads the compressed `getbundle` stream of a response.
pub(super) fn decompress(
    mut response: Response,
    url: &str,
) -> Result<Box<dyn Read + Send>, WireError> {
    let content_type = content_type(&response);
    let bad = |detail: String| WireError::Protocol {
        command: "getbundle".into(),
        url: url.to_string(),
        detail,
    };
    match content_type.as_str() {
        "application/mercurial-0.1" => Ok(Box::new(flate2::read::ZlibDecoder::new(response))),
        "application/mercurial-0.2" => {
            let mut len = [0u8];
            response
                .read_exact(&mut len)
                .map_err(|source| WireError::Io {
                    context: format!("cannot read the reply to `getbundle` from {url}"),
                    source,
                })?;
            let mut name = vec![0u8; len[0] as usize];
            response
                .read_exact(&mut name)
                .map_err(|source| WireError::Io {
                    context: format!("cannot read the reply to `getbundle` from {url}"),
                    source,
                })?;
            match &name[..] {
                b"zstd" => Ok(Box::new(
                    zstd::stream::read::Decoder::new(response).map_err(|source| WireError::Io {
                        context: format!("cannot start zstd for {url}"),
                        source,
                    })?,
                )),
                b"zlib" => Ok(Box::new(flate2::read::ZlibDecoder::new(response))),
                b"none" => Ok(Box::new(response)),
                b"bzip2" => Ok(Box::new(bzip2::read::BzDecoder::new(response))),
                other => Err(bad(format!(
                    "unknown compression {:?}",
                    String::from_utf8_lossy(other)
                ))),
            }
        }
        other => Err(bad(format!("unexpected content type {other:?}"))),
    }
}
