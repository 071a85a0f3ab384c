#!/usr/bin/env bash
# A first clone of a corpus repository over HTTP (`hg serve` with
# contrib/cinnabarclone.py), plain and through cinnabarclone mirrors, with
# our tool (release build). The mirror is our clone of the repository up to
# revision REV (so the clone fetches the changesets after it from
# Mercurial), offered as a git bundle over HTTP (the server's manifest),
# as a git repository (a path in cinnabar.clone), and git-cinnabar 0.7.4's
# own bundle of the whole repository when the corpus has one. Prints wall
# time and peak RSS (GNU time) of each `git clone --mirror`.
#
# Usage: bench/cinnabarclone.sh [NAME [REV]]   (default: nginx 7500)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=${HG:-$root/.venv/bin/hg}
python=$(dirname "$hg")/python3
[ -x "$python" ] || python=python3
name=${1:-nginx}
rev=${2:-7500}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/bin" "$work/www"
ln -s "$root/target/release/git-cinnabar" "$work/bin/git-remote-hg"
export PATH="$work/bin:$PATH" GIT_CINNABAR_CHECK=no-version-check HG="$hg"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HGRCPATH=

bundle=$shared/corpus/$name.hg
"$hg" clone -q -U "$bundle" "$work/served"
"$hg" clone -q -U -r "$rev" "$bundle" "$work/partial"
git clone -q --mirror "hg::$work/partial" "$work/mirror.git"
git -C "$work/mirror.git" bundle create -q "$work/www/mirror.bundle" --all
total=$("$hg" -R "$work/served" log -T x | wc -c)
mirrored=$("$hg" -R "$work/partial" log -T x | wc -c)

# A static HTTP server for the bundle.
"$python" -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" \
  >"$work/http.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q 'port' "$work/http.log" && break; sleep 0.1; done
http_port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$work/http.log" | head -1)
echo "http://127.0.0.1:$http_port/mirror.bundle" >"$work/served/.hg/cinnabar.manifest"

"$hg" serve -R "$work/served" -p 0 --address 127.0.0.1 \
  --config "extensions.cinnabarclone=$root/contrib/cinnabarclone.py" >"$work/hg.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening' "$work/hg.log" && break; sleep 0.1; done
hg_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/hg.log" | head -1)
url="hg::http://127.0.0.1:$hg_port/"

measure() { # label, git config...
  local out=$work/time.txt dest=$work/clone.git
  rm -rf "$dest"
  local configs=()
  for c in "${@:2}"; do configs+=(-c "$c"); done
  /usr/bin/time -v -o "$out" git "${configs[@]}" clone -q --mirror "$url" "$dest" \
    >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  local wall rss changesets
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
  changesets=$(git -C "$dest" notes --ref=cinnabar list | wc -l)
  printf '%-44s %10s %8d MB %8d\n' "$1" "$wall" $((rss / 1024)) "$changesets"
}

echo "$name: $total changesets served, mirror of $mirrored"
printf '%-44s %10s %11s %8s\n' clone wall peak-RSS changesets
measure "plain (cinnabar.clone=)" "cinnabar.clone="
measure "server manifest: git bundle over HTTP"
measure "cinnabar.clone: git repository (path)" "cinnabar.clone=$work/mirror.git"
cinnabar_bundle=$shared/corpus/$name.git-cinnabar.bundle
if [ -f "$cinnabar_bundle" ]; then
  measure "cinnabar.clone: git-cinnabar 0.7.4's bundle" "cinnabar.clone=$cinnabar_bundle"
fi
