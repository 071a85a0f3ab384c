#!/bin/sh
# See git-cinnabar at work in one command: builds it (release mode) and
# clones the small Mercurial bundle examples/first-run/demo.hg (made by
# examples/first-run/make-demo.sh) into a new git repository.
#   ./first-run.sh [<directory>]     (default: target/first-run/demo)
# $GIT_CINNABAR names an already built binary to use instead of building.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bundle=$here/examples/first-run/demo.hg
dest=${1:-$here/target/first-run/demo}
if [ -z "${GIT_CINNABAR:-}" ]; then
    echo "Building git-cinnabar (cargo build --release)..." >&2
    cargo build --release --quiet --manifest-path "$here/Cargo.toml"
    GIT_CINNABAR=$here/target/release/git-cinnabar
fi
if [ $# -eq 0 ] && [ -d "$dest" ]; then
    # Our own default directory: start again from scratch.
    rm -rf "$dest"
fi
mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
"$GIT_CINNABAR" clone "$bundle" "$dest"
bin=$(cd "$(dirname "$GIT_CINNABAR")" && pwd)
cat <<MSG

Cloned the Mercurial bundle $bundle
into the git repository $dest. Try:

  cd $dest
  git log --graph --oneline --branches --remotes # default and stable branches
  git ls-tree -r HEAD                               # an executable (100755), a symlink (120000)
  git log --follow --oneline -- greet.sh            # the rename
  PATH=$bin:\$PATH git cinnabar git2hg HEAD          # the Mercurial changeset of a commit
  PATH=$bin:\$PATH git cinnabar fetch --tags         # Mercurial tags as git tags (v1.0)

To install for real: cargo install --path $here && git cinnabar setup
MSG
