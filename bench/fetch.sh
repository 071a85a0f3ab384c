#!/usr/bin/env bash
# Times the daily operation on a clone of a corpus history: a no-op
# `git fetch`, and a `git fetch` of one new changeset (committed in the hg
# repository just before), over `hg serve --stdio` (a local `hg::/path`),
# each under `/usr/bin/time -v`; then `hg pull` of one changeset into an hg
# clone of the same repository, for comparison.
#
# Usage: bench/fetch.sh [NAME [RUNS]]   (default: nginx, 3 runs)
# CINNABAR_BIN: a directory holding the git-cinnabar binary to time
# (default: this tree's release build, built first).
# CINNABAR_BENCH_DIR: where the hg repository and clones are kept between
# runs (default: a temporary directory, removed at exit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=$(realpath "${HG:-$root/.venv/bin/hg}")
name=${1:-nginx}
runs=${2:-3}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
bin=$(mktemp -d)
if [ -z "${CINNABAR_BENCH_DIR:-}" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$bin" "$work"' EXIT
else
  work=$CINNABAR_BENCH_DIR
  mkdir -p "$work"
  trap 'rm -rf "$bin"' EXIT
fi
mkdir "$bin/real"
if [ -n "${CINNABAR_BIN:-}" ]; then
  ln -s "$CINNABAR_BIN/git-cinnabar" "$bin/real/git-remote-hg"
else
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  ln -s "$root/target/release/git-cinnabar" "$bin/real/git-remote-hg"
fi
# The helper alone is timed too (its wall, CPU and peak RSS), through a
# wrapper that appends them to $work/helper.txt.
cat >"$bin/git-remote-hg" <<EOS
#!/bin/sh
exec /usr/bin/time -f '%e %U %S %M' -a -o "$work/helper.txt" "$bin/real/git-remote-hg" "\$@"
EOS
# The same for the `hg serve --stdio` the helper runs (a child of the
# helper: its CPU is also in the helper's, and is taken out below).
cat >"$bin/hg" <<EOS
#!/bin/sh
exec /usr/bin/time -f '%e %U %S %M' -a -o "$work/hgserve.txt" "$hg" "\$@"
EOS
chmod +x "$bin/git-remote-hg" "$bin/hg"
export HG="$bin/hg" PATH="$bin:$PATH" HGUSER="bench <bench@example.com>" HGPLAIN=1
src=$work/$name-hg
if [ ! -d "$src/.hg" ]; then
  "$hg" init "$src"
  "$hg" -R "$src" unbundle -q "$shared/corpus/$name.hg"
  "$hg" -R "$src" update -q tip
fi
clone=$work/$name-git
# A fresh clone for each binary: the clone is made by the binary timed.
rm -rf "$clone" "$work/$name-hgclone"
git clone -q "hg::$src" "$clone"
"$hg" clone -q -U "$src" "$work/$name-hgclone"

measure() { # label, command...
  local out=$work/time.txt
  : >"$work/helper.txt"
  : >"$work/hgserve.txt"
  /usr/bin/time -v -o "$out" "${@:2}" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  local wall rss helper=""
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
  if [ -s "$work/helper.txt" ]; then
    # Summed over the helper processes of the command, and over the hg
    # servers they ran: wall, CPU (the helper's without its hg's).
    helper=$(awk '/^[0-9]/ { if (FILENAME ~ /helper/) { w += $1; c += $2 + $3 }
        else { hw += $1; hc += $2 + $3 } }
      END { printf "%5.2f s %5.2f s   %5.2f s %5.2f s", w, c - hc, hw, hc }' \
      "$work/helper.txt" "$work/hgserve.txt")
  fi
  printf '%-10s %-24s %8s %6d MB   %s\n' "$name" "$1" "$wall" $((rss / 1024)) "$helper"
}

commit() {
  echo "bench $(date +%s%N)" >>"$src/bench.txt"
  "$hg" -R "$src" commit -q -A -m "bench commit" "$src/bench.txt"
}

printf '%-10s %-24s %8s %9s   %s\n' clone operation wall peak-RSS \
  "helper wall, CPU;  hg serve wall, CPU"
for _ in $(seq "$runs"); do
  measure "git fetch (no-op)" git -C "$clone" fetch -q
done
for _ in $(seq "$runs"); do
  commit
  measure "git fetch (1 changeset)" git -C "$clone" fetch -q
  measure "hg pull (1 changeset)" "$hg" -R "$work/$name-hgclone" pull -q "$src"
done
