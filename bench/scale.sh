#!/usr/bin/env bash
# The scale harness: generates synthetic bundles (examples/gen-bundle) of
# each shape at three sizes and clones each, side by side, with our tool
# (git clone --mirror hg::BUNDLE, release build) and with Mercurial
# (hg clone -U BUNDLE). Prints, for each: wall time, CPU time (user+sys),
# peak RSS, voluntary context switches (and per 1,000 objects of the git
# pack), and for ours the size of .git/objects before and after
# `git repack -adf`.
#
# Usage: bench/scale.sh [SHAPE...]      (default: long wide merge-heavy)
#
# Sizes (changesets, or files:changesets for wide) can be set with
#   LONG_SIZES="5000 15000 45000" WIDE_SIZES="50000:250 50000:750 50000:2250"
#   MERGE_SIZES="2000 4000 8000"
# The 1,000,000-changeset long shape is LONG_SIZES=1000000 (about an hour
# here). long keeps about LONG_FILES files (default 1000) from its first
# changeset on, so that its manifest does not grow with the history;
# LONG_FILES=grow is the growing variant (N/50 files at the tip, the
# manifest and the time per changeset growing with N).
# SEED (default 1) and MANIFEST_BASE (p1, default, or prev) go to the
# generator; KEEP=DIR keeps the bundles in DIR. REPACK=no skips the
# `git repack -adf` (hours on millions of objects); HG=no skips hg.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hg=${HG:-$root/.venv/bin/hg}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --example gen-bundle
gen=$root/target/release/examples/gen-bundle
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-remote-hg"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-cinnabar"
bundles=${KEEP:-$work/bundles}
mkdir -p "$bundles"
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(long wide merge-heavy)
: "${LONG_SIZES:=5000 15000 45000}"
: "${WIDE_SIZES:=50000:250 50000:750 50000:2250}"
: "${MERGE_SIZES:=2000 4000 8000}"

source "$root/bench/lib.sh"

printf '%-12s %-14s %-6s %9s %9s %8s %7s %9s %8s %8s %9s\n' \
  shape size tool wall cpu-s rss-MB objects vol-cs cs/1k-obj pack-MB repack-MB
for shape in "${shapes[@]}"; do
  case $shape in
    long) sizes=$LONG_SIZES ;;
    wide) sizes=$WIDE_SIZES ;;
    merge-heavy) sizes=$MERGE_SIZES ;;
    *) echo "unknown shape $shape" >&2; exit 2 ;;
  esac
  for size in $sizes; do
    args=(--changesets "${size#*:}" --seed "${SEED:-1}" --manifest-base "${MANIFEST_BASE:-p1}")
    [ "$shape" = wide ] && args+=(--files "${size%%:*}")
    name=$shape-$size
    if [ "$shape" = long ] && [ "${LONG_FILES:-1000}" != grow ]; then
      args+=(--files "${LONG_FILES:-1000}")
      name=long-f${LONG_FILES:-1000}-$size
    fi
    bundle=$bundles/$name.hg
    [ -f "$bundle" ] || "$gen" "$shape" "$bundle" "${args[@]}" >"$bundles/$name.txt"
    rm -rf "$work/git" "$work/hg"
    PATH="$work/bin:$PATH" GIT_CINNABAR_CHECK=no-version-check \
      measure git clone -q --mirror "hg::$bundle" "$work/git"
    objects=$(git -C "$work/git" count-objects -v | sed -n 's/^in-pack: //p')
    pack=$(du -sm "$work/git/objects" | cut -f1)
    repack=
    if [ "${REPACK:-yes}" != no ]; then
      git -C "$work/git" repack -adfq
      repack=$(du -sm "$work/git/objects" | cut -f1)
    fi
    printf '%-12s %-14s %-6s %9s %9s %8s %7s %9s %8s %8s %9s\n' "$shape" "$size" ours \
      "$wall" "$cpu" "$rss" "$objects" "$vol" $((vol * 1000 / objects)) "$pack" "$repack"
    rm -rf "$work/git"
    [ "$hg" = no ] && continue
    measure "$hg" clone -q -U "$bundle" "$work/hg"
    printf '%-12s %-14s %-6s %9s %9s %8s %7s %9s %8s %8s %9s\n' "$shape" "$size" hg \
      "$wall" "$cpu" "$rss" "" "$vol" "" "" ""
    rm -rf "$work/git" "$work/hg"
  done
done
for f in "$bundles"/*.txt; do cat "$f"; done
