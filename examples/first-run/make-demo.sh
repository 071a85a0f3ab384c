#!/bin/sh
# Builds the demo Mercurial repository behind first-run.sh and its bundle:
#   examples/first-run/make-demo.sh <dir>
# gives <dir>/repo (a Mercurial repository: two branches, a tag, a bookmark,
# a rename, an executable and a symbolic link) and <dir>/demo.hg (`hg bundle
# --all` of it; bundles carry no bookmarks). The shipped demo.hg was made by
# this script; users, dates and contents are fixed, so the changeset ids are
# the same on every run. Mercurial is `$HG`, or `hg` on PATH.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 <directory>" >&2
    exit 1
fi
HG=${HG:-hg}
export HGPLAIN=1 HGRCPATH= HGENCODING=utf-8 HGUSER="Demo User <demo@example.org>"
mkdir -p "$1"
cd "$1"
rm -rf repo demo.hg
"$HG" init repo
cd repo
commit() { "$HG" commit -q -d "$1 0" -m "$2"; }

printf 'A small Mercurial repository cloned with git-cinnabar.\n' > README
printf '#!/bin/sh\necho hello\n' > hello.sh
chmod +x hello.sh
"$HG" add -q README hello.sh
commit 1700000000 "Add a README and an executable script"

ln -s README README.link
"$HG" add -q README.link
commit 1700000100 "Add a symbolic link to the README"

"$HG" mv -q hello.sh greet.sh
commit 1700000200 "Rename hello.sh to greet.sh"

"$HG" tag -q -d "1700000300 0" -m "Tag version 1.0" v1.0

"$HG" branch -q stable
printf 'Maintenance notes.\n' > NOTES
"$HG" add -q NOTES
commit 1700000400 "Start the stable branch"

"$HG" update -q default
printf 'Work after 1.0.\n' >> README
commit 1700000500 "Edit the README on default"
"$HG" bookmark -q demo-feature

"$HG" bundle -q --all ../demo.hg
