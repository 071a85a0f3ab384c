#!/usr/bin/env bash
# Clones each shared corpus bundle, side by side in one run, with our tool
# (git clone --mirror hg::BUNDLE, release build), with git-cinnabar when a
# build of it is given, and with `hg clone -U BUNDLE`. Prints, for each
# tool: wall time, CPU time (user+sys, children included), peak RSS,
# voluntary context switches (and per 1,000 objects of the git pack), and
# for the git clones the size of .git/objects before and after
# `git repack -adf`.
#
# Usage: bench/clone.sh [NAME|PATH.hg ...]   (default: every corpus bundle)
#   GIT_CINNABAR_BIN=DIR   a directory holding git-cinnabar's own
#                          git-remote-hg (e.g. a 0.7.4 build), to compare
#   RUNS=N                 runs per tool (default 1); every run is printed
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=${HG:-$root/.venv/bin/hg}
runs=${RUNS:-1}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-remote-hg"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-cinnabar"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ripgrep dillo coveragepy flask nginx churn)

source "$root/bench/lib.sh"

# Prints a git clone's row (object count, switches per 1k, pack sizes).
git_row() { # label dir
  local objects pack repack
  objects=$(git -C "$2" count-objects -v | sed -n 's/^in-pack: //p')
  pack=$(du -sm "$2/objects" | cut -f1)
  git -C "$2" repack -adfq
  repack=$(du -sm "$2/objects" | cut -f1)
  printf '%-12s %-14s %9s %7s %7s %8s %8s %8s %8s %9s\n' "$name" "$1" "$wall" "$cpu" "$rss" \
    "$objects" "$vol" "$(awk -v v="$vol" -v o="$objects" 'BEGIN { printf "%.1f", v * 1000 / o }')" \
    "$pack" "$repack"
}

printf '%-12s %-14s %9s %7s %7s %8s %8s %8s %8s %9s\n' \
  bundle tool wall cpu-s rss-MB objects vol-cs cs/1k pack-MB repack-MB
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${names[@]}"; do
  case $name in
    *.hg) bundle=$(cd "$(dirname "$name")" && pwd)/$(basename "$name"); name=$(basename "$name" .hg) ;;
    *) bundle=$shared/corpus/$name.hg ;;
  esac
  for _ in $(seq "$runs"); do
    rm -rf "$work/git" "$work/ref" "$work/hg"
    PATH="$work/bin:$PATH" GIT_CINNABAR_CHECK=no-version-check \
      measure git clone -q --mirror "hg::$bundle" "$work/git"
    git_row ours "$work/git"
    if [ -n "${GIT_CINNABAR_BIN:-}" ]; then
      PATH="$GIT_CINNABAR_BIN:$PATH" GIT_CINNABAR_CHECK=no-version-check \
        measure git clone -q --mirror "hg::$bundle" "$work/ref"
      git_row git-cinnabar "$work/ref"
    fi
    measure "$hg" clone -q -U "$bundle" "$work/hg"
    printf '%-12s %-14s %9s %7s %7s %8s %8s\n' "$name" "hg clone -U" "$wall" "$cpu" "$rss" - "$vol"
  done
done
