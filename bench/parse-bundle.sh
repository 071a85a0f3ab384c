#!/bin/sh
# Parses and verifies Mercurial bundles with examples/verify_bundle (release
# build), under /usr/bin/time -v: throughput (bundle bytes and expanded
# text bytes per second) and peak RSS, with and without the delta-base
# plan (see src/hg/verify.rs).
#
# Usage: bench/parse-bundle.sh [BUNDLE...]
# Default bundles: churn.hg and nginx.hg of the corpus
# ($CINNABAR_SHARED, else ../shared next to the repository).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
if [ $# -eq 0 ]; then
    set -- "$shared/corpus/churn.hg" "$shared/corpus/nginx.hg"
fi
if [ ! -x /usr/bin/time ]; then
    echo "needs GNU time: apt-get install -y time" >&2
    exit 1
fi
(cd "$root" && cargo build --quiet --release --example verify_bundle)
bin=$root/target/release/examples/verify_bundle
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for bundle in "$@"; do
    for mode in plan --no-plan; do
        if [ "$mode" = plan ]; then
            /usr/bin/time -v "$bin" "$bundle" 2>"$out"
        else
            /usr/bin/time -v "$bin" --no-plan "$bundle" 2>"$out"
        fi
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
        echo "  mode: $mode, peak RSS: $((rss / 1024)) MB"
    done
done
