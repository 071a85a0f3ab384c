//! Parses Mercurial bundles, rebuilds every revision from its delta chain
//! and checks every node, printing throughput figures.
//!
//! Usage: `verify_bundle [--no-plan] BUNDLE...`
//!
//! By default, a first pass records where each delta base is last used so
//! that the second pass caches only the texts it still needs (memory
//! bounded by the delta-base working set). `--no-plan` does a single pass
//! that caches every text of the current group.

use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

use cinnabar::hg::verify::{verify_bundle, BasePlan};

fn main() -> ExitCode {
    let mut plan_first = true;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--no-plan" {
            plan_first = false;
        } else {
            paths.push(arg);
        }
    }
    if paths.is_empty() {
        eprintln!("usage: verify_bundle [--no-plan] BUNDLE...");
        return ExitCode::from(2);
    }
    let mut status = ExitCode::SUCCESS;
    for path in paths {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let open = || File::open(&path);
        let start = Instant::now();
        let result = (|| -> Result<_, Box<dyn std::error::Error>> {
            let plan = if plan_first {
                Some(BasePlan::scan(open()?)?)
            } else {
                None
            };
            let scan = start.elapsed();
            let stats = verify_bundle(open()?, plan.as_ref())?;
            Ok((scan, stats))
        })();
        let elapsed = start.elapsed().as_secs_f64();
        match result {
            Ok((scan, s)) => {
                let mb = |b: u64| b as f64 / 1e6;
                println!(
                    "{path}: {} changegroup(s), {} changesets, {} manifests, {} files, {} file revisions, {} unchecked",
                    s.changegroups, s.changesets, s.manifests, s.files, s.file_revisions, s.unchecked
                );
                println!(
                    "  bundle {:.1} MB, deltas {:.1} MB, expanded texts {:.1} MB, largest text {:.2} MB, peak texts held {:.2} MB",
                    mb(size),
                    mb(s.delta_bytes),
                    mb(s.text_bytes),
                    mb(s.max_text),
                    mb(s.peak_held_bytes)
                );
                println!(
                    "  {elapsed:.2} s (plan pass {:.2} s): {:.1} MB/s of bundle, {:.1} MB/s of expanded text",
                    scan.as_secs_f64(),
                    mb(size) / elapsed,
                    mb(s.text_bytes) / elapsed
                );
            }
            Err(e) => {
                println!("{path}: error: {e}");
                status = ExitCode::FAILURE;
            }
        }
    }
    status
}
