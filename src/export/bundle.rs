//! Bundle files of converted commits (spec 8.4): bundle1 (`HG10`) with a
//! changegroup 01, bundle2 (`HG20`) with one `changegroup` part of version
//! 02, or a headerless changegroup 01 (`raw`).

use std::io::Write;

use super::changegroup::write_changegroup;
use super::error::{io_error, Result};
use super::Converted;
use crate::hg::bundle::{Bundle1Writer, Bundle2Writer, BundleSpec};
use crate::hg::CgVersion;
use crate::metadata::State;
use crate::store::Store;

/// Writes a bundle of `changesets` in the format `spec` names.
pub fn write_bundle<W: Write>(
    store: &mut Store,
    state: &State,
    changesets: &[Converted],
    spec: BundleSpec,
    out: W,
) -> Result<W> {
    let err = || io_error("cannot write the bundle");
    match spec {
        BundleSpec::Raw => write_changegroup(store, state, changesets, CgVersion::V1, out),
        BundleSpec::V1(compression) => {
            let writer = Bundle1Writer::new(out, compression).map_err(err())?;
            let writer = write_changegroup(store, state, changesets, CgVersion::V1, writer)?;
            writer.finish().map_err(err())
        }
        BundleSpec::V2(compression) => {
            let mut writer = Bundle2Writer::new(out, compression).map_err(err())?;
            let part = writer
                .start_part("changegroup", true, &[("version", "02")])
                .map_err(err())?;
            let part = write_changegroup(store, state, changesets, CgVersion::V2, part)?;
            part.finish().map_err(err())?;
            writer.finish().map_err(err())
        }
    }
}
