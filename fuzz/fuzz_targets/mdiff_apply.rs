//! Input: 2 bytes of base length (little endian), the base, the delta.
//! Checks that `apply` and `patched_len` agree, that the git delta made
//! from a valid delta has the right sizes, and that `diff` round-trips.
#![no_main]

use cinnabar::hg::mdiff::{apply, diff, git_delta, patched_len};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let split = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    let (base, delta) = rest.split_at(split);
    let mut out = Vec::new();
    match apply(base, delta, &mut out) {
        Ok(()) => {
            assert_eq!(patched_len(base.len(), delta), Ok(out.len()));
            let g = git_delta(base.len(), 0, 0, delta, out.len());
            assert!(g.is_some());
            let d = diff(base, &out);
            let mut again = Vec::new();
            assert!(apply(base, &d, &mut again).is_ok());
            assert_eq!(again, out);
        }
        Err(_) => {
            assert!(patched_len(base.len(), delta).is_err());
            assert!(out.is_empty());
        }
    }
});
