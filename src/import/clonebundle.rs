//! Clone bundles (spec 9.6): a first clone may start from a bundle the
//! server points at, then fetch only what the bundle lacks.

use super::error::{invalid, Result, ResultExt};

use super::chunked::Checkpoints;
use super::importer::Importer;
use crate::wire::http::get_stream;
use crate::wire::open::WireConfig;
use crate::wire::url::strip_credentials;
use crate::wire::{select_clonebundle, HgPeer};

/// Imports the clone bundle `configured` names (`cinnabar.clonebundle`),
/// or else the first usable one of the server's manifest (an empty setting
/// disables them). Returns whether one was imported. A bundle that cannot
/// be downloaded is skipped with a warning unless `required`; one that
/// fails half-way is an error.
pub fn import(
    peer: &mut dyn HgPeer,
    configured: Option<String>,
    config: &WireConfig,
    importer: &mut Importer,
    required: bool,
    log: bool,
    checkpoints: &Checkpoints,
) -> Result<bool> {
    let server = peer.url().to_string();
    let url = match configured {
        Some(url) => Some(url).filter(|u| !u.is_empty()),
        None if peer.capability("clonebundles").is_some() => {
            select_clonebundle(&peer.clonebundles()?)
        }
        None => None,
    };
    let Some(url) = url else {
        if required {
            return Err(invalid(format!("{server} offers no usable clone bundle")));
        }
        return Ok(false);
    };
    let shown = strip_credentials(&url);
    if log {
        eprintln!("DEBUG clonebundle: fetching {shown}");
    }
    let stream = match get_stream(&url, &config.http) {
        Ok(stream) => stream,
        Err(e) if !required => {
            eprintln!("warning: cannot use the clone bundle: {e}");
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    };
    if checkpoints.enabled() {
        // Kept on disk and imported in passes, so that an interrupted
        // clone resumes (see [`super::resume`]).
        super::resume::import_clonebundle(importer, Box::new(stream), &shown, checkpoints)?;
    } else {
        importer
            .import_stream(Box::new(stream), &mut |_| {})
            .context_with(|| format!("while importing the clone bundle {shown}"))?;
    }
    Ok(true)
}
