//! Any input: open it as a bundle, read every changegroup, rebuild and
//! check every revision (with and without a delta-base plan). Errors are
//! fine; panics, hangs and runaway memory are bugs.
#![no_main]

use cinnabar::hg::verify::{verify_bundle, BasePlan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let single = verify_bundle(data, None);
    if let Ok(plan) = BasePlan::scan(data) {
        let planned = verify_bundle(data, Some(&plan));
        // Both paths agree on validity.
        assert_eq!(single.is_ok(), planned.is_ok());
    }
});
