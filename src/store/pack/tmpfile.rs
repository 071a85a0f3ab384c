//! Temporary files of a pack being written, named as git names them.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use crate::store::error::{Result, StoreError};

/// Creates `dir/<prefix>XXXXXX` that did not exist before.
pub(super) fn create_temp(dir: &Path, prefix: &str) -> Result<(File, PathBuf)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let seed = Sha1::digest(format!("{}-{nanos}-{n}-{attempt}", std::process::id()));
        let suffix: String = seed[..6]
            .iter()
            .map(|b| {
                const ALPHABET: &[u8; 62] =
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                ALPHABET[*b as usize % 62] as char
            })
            .collect();
        let path = dir.join(format!("{prefix}{suffix}"));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(StoreError::io(format!("creating {}", path.display()), e)),
        }
    }
    Err(StoreError::io(
        format!("creating a temporary file in {}", dir.display()),
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free name"),
    ))
}
