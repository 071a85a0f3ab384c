#!/usr/bin/env bash
# The git → hg direction, release build, under GNU time (wall, peak RSS):
#
# 1. `git cinnabar bundle -t none-v2 FILE -- --all` of a clone of each named
#    corpus bundle, against `hg bundle -t none-v2 --all` of the same
#    repository; the bundle is then `hg unbundle`d into an empty
#    repository, `hg verify` must pass and its changesets must be exactly
#    those of NAME.map.gz (the round trip the tests check for the smaller
#    corpus repositories: this covers nginx and churn too).
# 2. `git push` of markupsafe's main (corpus/push/markupsafe.git.bundle)
#    to an empty Mercurial repository over `hg serve --stdio` (ssh to a
#    stand-in that runs the command locally), against `hg push` of the same
#    changesets between two Mercurial repositories over the same transport.
#    The pushed changesets must be exactly those of markupsafe.map.
#
# Usage: bench/push.sh [NAME...]   (default: nginx flask churn)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CINNABAR_SHARED:-$root/../shared}
hg=${HG:-$root/.venv/bin/hg}
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
for n in git-cinnabar git-remote-hg; do ln -s "$root/target/release/git-cinnabar" "$work/bin/$n"; done
ln -s "$hg" "$work/bin/hg"
export PATH="$work/bin:$PATH" GIT_CINNABAR_CHECK=no-version-check HGRCPATH= HGPLAIN=1
# ssh stand-in: runs the remote command (`hg -R PATH serve --stdio`) here.
cat >"$work/ssh" <<'EOF'
#!/bin/sh
while [ $# -gt 1 ]; do shift; done
exec sh -c "$1"
EOF
chmod +x "$work/ssh"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(nginx flask churn)

measure() { # label, command...
  local out=$work/time.txt
  /usr/bin/time -v -o "$out" "${@:2}" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
  printf '%-12s %-34s %10s %8d MB\n' "$name" "$1" "$wall" $((rss / 1024))
}

# The changesets of `hg log` in $1, sorted, against the first field of the
# map $2 (gzip or not).
same_changesets() {
  "$hg" -R "$1" log -T '{node}\n' | sort >"$work/got"
  case "$2" in *.gz) zcat "$2" ;; *) cat "$2" ;; esac | cut -d' ' -f"$3" | sort >"$work/want"
  cmp -s "$work/got" "$work/want" || { echo "$1: changesets differ from $2" >&2; return 1; }
}

printf '%-12s %-34s %10s %11s\n' what tool wall peak-RSS
for name in "${names[@]}"; do
  rm -rf "$work/git" "$work/hg" "$work/back" "$work"/*.bundle
  git clone -q --mirror "hg::$shared/corpus/$name.hg" "$work/git"
  "$hg" init "$work/hg"
  "$hg" -R "$work/hg" unbundle -q "$shared/corpus/$name.hg"
  measure "git cinnabar bundle --all" \
    git -C "$work/git" cinnabar bundle -t none-v2 "$work/ours.bundle" -- --all
  measure "hg bundle --all" "$hg" -R "$work/hg" bundle -q -t none-v2 --all "$work/hg.bundle"
  "$hg" init "$work/back"
  "$hg" -R "$work/back" unbundle -q "$work/ours.bundle"
  "$hg" -R "$work/back" verify -q 2>/dev/null
  same_changesets "$work/back" "$shared/corpus/$name.map.gz" 1
  echo "$name: round trip exact ($(wc -l <"$work/got") changesets, hg verify passes)"
done

name=markupsafe
rm -rf "$work/ms.git" "$work/srv" "$work/src" "$work/srv2"
git -c init.defaultBranch=main clone -q --bare "$shared/corpus/push/markupsafe.git.bundle" "$work/ms.git"
"$hg" init "$work/srv"
GIT_SSH_COMMAND="$work/ssh" measure "git push (ours, over ssh stdio)" \
  git -C "$work/ms.git" push -q "hg::ssh://localhost/$work/srv" main:refs/heads/branches/default/tip
"$hg" -R "$work/srv" verify -q
same_changesets "$work/srv" "$shared/corpus/push/markupsafe.map" 2
"$hg" clone -q -U "$work/srv" "$work/src"
"$hg" init "$work/srv2"
measure "hg push (over ssh stdio)" \
  "$hg" -R "$work/src" push -q -e "$work/ssh" "ssh://localhost/$work/srv2"
echo "markupsafe: push exact ($(wc -l <"$work/got") changesets, hg verify passes)"
