#!/usr/bin/env bash
# `git cinnabar hg2git --batch` / `git2hg --batch` throughput and
# `fsck --full` wall time and peak RSS on corpus clones made with our tool
# (release build). Lookups: every changeset id of the corpus map, repeated
# to COUNT ids (default 2,000,000), piped in at once; the startup cost
# (loading the metadata) is measured separately with an empty input and
# subtracted.
#
# Usage: bench/lookups.sh [NAME...]   (default: nginx)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
count=${COUNT:-2000000}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$bin" "$work"' EXIT
ln -s "$root/target/release/git-cinnabar" "$bin/git-remote-hg"
ln -s "$root/target/release/git-cinnabar" "$bin/git-cinnabar"
export PATH=$bin:$PATH
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(nginx)

now() { date +%s.%N; }

for name in "${names[@]}"; do
  clone=$work/$name.git
  git clone -q --mirror "hg::$shared/corpus/$name.hg" "$clone"
  zcat "$shared/corpus/$name.map.gz" > "$work/map"
  lines=$(wc -l < "$work/map")
  reps=$(( (count + lines - 1) / lines ))
  : > "$work/hg.in"; : > "$work/git.in"
  for _ in $(seq "$reps"); do
    cut -d' ' -f1 "$work/map" >> "$work/hg.in"
    cut -d' ' -f2 "$work/map" >> "$work/git.in"
  done
  n=$(wc -l < "$work/hg.in")
  for cmd in hg2git git2hg; do
    input=$work/hg.in; [ $cmd = git2hg ] && input=$work/git.in
    t0=$(now); git -C "$clone" cinnabar $cmd --batch < /dev/null > /dev/null; t1=$(now)
    git -C "$clone" cinnabar $cmd --batch < "$input" > "$work/out"; t2=$(now)
    [ "$(wc -l < "$work/out")" -eq "$n" ] || { echo "wrong answer count" >&2; exit 1; }
    awk -v name="$name" -v cmd="$cmd" -v n="$n" -v s="$t0" -v l="$t1" -v e="$t2" 'BEGIN {
      load = l - s; total = e - l; per = n / (total - load);
      printf "%-8s %-7s %9d ids  startup %.3f s  total %.3f s  %.2f M lookups/s\n", name, cmd, n, load, total, per / 1e6 }'
  done
  /usr/bin/time -v -o "$work/time" git -C "$clone" cinnabar fsck --full 2> "$work/err" || { cat "$work/err"; exit 1; }
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
  cpu=$(sed -n 's/.*Percent of CPU this job got: //p' "$work/time")
  printf '%-8s fsck --full  wall %s  peak RSS %d MB  CPU %s  (%s)\n' "$name" "$wall" $((rss / 1024)) "$cpu" "$(tail -1 "$work/err")"
done
