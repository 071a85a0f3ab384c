#!/usr/bin/env bash
# Clones each shared corpus bundle with our tool (git clone --mirror
# hg::BUNDLE, release build) and with `hg clone -U BUNDLE`, and prints wall
# time and peak RSS of each, as measured by GNU time.
#
# Usage: bench/clone.sh [NAME...]   (default: every corpus bundle)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=${HG:-$root/.venv/bin/hg}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$(mktemp -d)
trap 'rm -rf "$bin" "$work"' EXIT
ln -s "$root/target/release/git-cinnabar" "$bin/git-remote-hg"
work=$(mktemp -d)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ripgrep dillo coveragepy flask nginx churn)

measure() { # label, command...
  local out=$work/time.txt
  /usr/bin/time -v -o "$out" "${@:2}" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
  printf '%-12s %-22s %10s %8d MB\n' "$name" "$1" "$wall" $((rss / 1024))
}

printf '%-12s %-22s %10s %11s\n' bundle tool wall peak-RSS
for name in "${names[@]}"; do
  bundle=$shared/corpus/$name.hg
  rm -rf "$work/git" "$work/hg"
  PATH="$bin:$PATH" GIT_CINNABAR_CHECK=no-version-check \
    measure "git-cinnabar (ours)" git clone -q --mirror "hg::$bundle" "$work/git"
  measure "hg clone -U" "$hg" clone -q -U "$bundle" "$work/hg"
done
