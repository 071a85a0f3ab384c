#!/usr/bin/env bash
# Interrupted clones that resume (issue 13's acceptance), on the largest
# corpus bundle by default: for each source (the bundle file, and `hg
# serve` of the same repository over http), a fetch into an empty mirror
# is killed (the test hook, as abrupt as kill -9) at 25%, 50% and 75% of
# the changesets, with a checkpoint every fifth of them; the rerun must
# import only the rest (the count it reads or the server sends) and end
# like an uninterrupted clone: the same notes tree, the same refs, the
# same tree and parents of the metadata commit (only the chain of
# metadata commits differs). Prints, for each case, the changesets kept,
# the changesets the rerun imported, and the rerun's wall and CPU time
# (user+sys) next to the uninterrupted clone's.
#
# Usage: bench/resume.sh [NAME]   (default: nginx)
#   EVERY=N   changesets per checkpoint (default: a fifth of the bundle)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=${HG:-$root/.venv/bin/hg}
name=${1:-nginx}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-remote-hg"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-cinnabar"
export PATH=$work/bin:$PATH GIT_CINNABAR_CHECK=no-version-check
bundle=$shared/corpus/$name.hg
total=$(zcat "$shared/corpus/$name.map.gz" | wc -l)
every=${EVERY:-$(( (total + 4) / 5 ))}

"$hg" init "$work/$name-hg"
"$hg" -R "$work/$name-hg" unbundle -q "$bundle"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$hg" -R "$work/$name-hg" serve -a 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
sleep 2

# Runs a command under GNU time; sets wall and cpu.
measure() {
  local out=$work/time.txt
  /usr/bin/time -v -o "$out" "$@" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  cpu=$(awk '/User time|System time/ { s += $NF } END { printf "%.2f", s }' "$out")
}

# A bare repository whose origin mirrors $2.
repo() { git init -q --bare "$work/$1"; git -C "$work/$1" remote add --mirror=fetch origin "$2"; }
fetch() { git -C "$work/$1" -c cinnabar.checkpoint="$every" fetch -q origin; }
changesets() { git -C "$work/$1" notes --ref=cinnabar list 2>/dev/null | wc -l; }
state() {
  local d=$work/$1
  git -C "$d" for-each-ref --format='%(objectname) %(refname)' |
    grep -v -e ' refs/cinnabar/metadata$' -e ' refs/notes/cinnabar$' -e ' refs/cinnabar/checked$'
  git -C "$d" rev-parse 'refs/notes/cinnabar^{tree}' 'refs/cinnabar/metadata^{tree}'
  for p in 1 2 3 4 5; do git -C "$d" rev-parse "refs/cinnabar/metadata^$p"; done
}

echo "# $name: $total changesets, a checkpoint every $every; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-14s %6s %9s %9s %8s %s\n' source case kept imported wall cpu-s end-state
for source in bundle http; do
  case $source in
    bundle) url=hg::$bundle ;;
    http) url=hg::http://127.0.0.1:$port/ ;;
  esac
  repo "$source-full" "$url"
  measure git -C "$work/$source-full" -c cinnabar.checkpoint="$every" fetch -q origin
  printf '%-7s %-14s %6s %9s %9s %8s %s\n' "$source" uninterrupted 0 "$total" "$wall" "$cpu" reference
  state "$source-full" >"$work/$source-full.state"
  for pct in 25 50 75; do
    d=$source-$pct
    repo "$d" "$url"
    if GIT_CINNABAR_DEBUG_ABORT_AFTER_CHANGESETS=$(( total * pct / 100 )) fetch "$d" 2>/dev/null; then
      echo "$d: the fetch was not killed" >&2; exit 1
    fi
    kept=$(changesets "$d")
    measure env GIT_CINNABAR_LOG=checkpoint git -C "$work/$d" -c cinnabar.checkpoint="$every" fetch -q origin
    imported=$(sed -n -e 's/.* sent \([0-9]*\) changesets.*/\1/p' \
      -e 's/.*importing the other \([0-9]*\)$/\1/p' "$work/err.txt" | head -1)
    state "$d" >"$work/$d.state"
    if cmp -s "$work/$d.state" "$work/$source-full.state"; then same=same; else same=DIFFERENT; fi
    printf '%-7s %-14s %6s %9s %9s %8s %s\n' "$source" "killed at $pct%" "$kept" "$imported" "$wall" "$cpu" "$same"
    [ "$same" = same ] && [ "$imported" = $(( total - kept )) ] || exit 1
  done
done
