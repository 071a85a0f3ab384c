#!/bin/bash
# Builds odd hg repositories under /tmp/hgt/recipes/NAME with real hg commands.
export HGPLAIN=1 HGRCPATH= HGENCODING=utf-8 HGUSER="test <test@example.org>"
HG=/work/main/.venv/bin/hg
R=/tmp/hgt/recipes
mkdir -p $R
new() { rm -rf $R/$1; $HG init $R/$1; cd $R/$1; }
ci() { $HG commit -q -d "0 0" "$@"; }

r_empty_repo() { new empty_repo; }
r_empty_commit() { new empty_commit; echo a > a; ci -Am a; ci --config ui.allowemptycommit=1 -m empty; ci --config ui.allowemptycommit=1 -m empty2; }
r_empty_file() { new empty_file; : > e; ci -Am e; echo x > e; ci -m x; : > e; ci -m again; }
r_names() { new names; echo 1 > "a b"; echo 2 > "é"; echo 3 > "日本語"; echo 4 > " lead"; echo 5 > "trail "; echo 6 > 'back\slash'; echo 7 > "-dash"; echo 8 > 'HEAD'; echo 9 > 'a:b'; echo 10 > 'tab	x'; printf 'x' > $'\xe9latin1'; ci -Am names; }
r_sortorder() { new sortorder; mkdir a; echo 1 > a/b; echo 2 > a-b; echo 3 > a.b; echo 4 > a0; echo 5 > "a b"; ci -Am sort; $HG rm -q a/b; mkdir -p a.b.d; echo 6 > a.b.d/x; ci -Am sort2; }
r_long_path() { new long_path; p=$(printf 'd%.0s' {1..120})/$(printf 'e%.0s' {1..120})/$(printf 'F%.0s' {1..200}); mkdir -p $(dirname $p); echo x > $p; mkdir -p $(printf 'a/%.0s' {1..60}); echo y > $(printf 'a/%.0s' {1..60})f; ci -Am long; }
r_hgtags_odd() { new hgtags_odd; echo a > a; ci -Am a; n=$($HG log -r . -T '{node}'); printf '%s one\n\n%s  spaced tag  \ngarbage line\n%s\n0000000000000000000000000000000000000000 one\n1234567890123456789012345678901234567890 unknown\n%s t\xe9\n' $n $n $n $n > .hgtags; ci -Am tags; $HG tag -q -d "0 0" -r 0 two; $HG tag -q -d "0 0" --remove two; }
r_hgtags_heads() { new hgtags_heads; echo a > a; ci -Am a; $HG tag -q -d "0 0" -r 0 t1; $HG up -q 0; echo b > b; ci -Am b; $HG tag -q -d "0 0" -r 0 t1 -f; $HG tag -q -d "0 0" -r . t2; }
r_merge_same_parents() { new merge_same_parents; echo a > a; ci -Am a; echo b > a; ci -m b; $HG debugsetparents 1 1; ci --config ui.allowemptycommit=1 -m same; }
r_null_p1() { new null_p1; echo a > a; ci -Am a; echo b > a; ci -m b; $HG debugsetparents null 1 ; ci --config ui.allowemptycommit=1 -m nullp1 || true; }
r_closed_branches() { new closed_branches; echo a > a; ci -Am a; $HG branch -q feature; echo f > f; ci -Am f; ci --close-branch -m close; $HG up -q default; $HG branch -q other; echo o > o; ci -Am o; $HG up -q 0; echo c > c; ci -Am c; ci --close-branch -m closedefaulthead; $HG up -q 0; echo d > d; ci -Am d; }
r_git_names() { new git_names; echo a > a; ci -Am a; mkdir -p .git; echo x > .git/config; $HG add -q .git/config 2>/dev/null; ci -m dotgit 2>/dev/null || true; }
r_git_names2() { new git_names2; mkdir sub; mkdir -p sub/.GIT; echo x > sub/.GIT/hooks; $HG add -q sub/.GIT/hooks; ci -m GIT; }
r_git_names3() { new git_names3; echo x > .gitmodules; mkdir -p "git~1"; echo y > "git~1/x"; echo z > .gitattributes; ci -Am gitfiles; }
r_copy_other_parent() { new copy_other_parent; echo a > a; ci -Am a; echo b > b; ci -Am b; $HG up -q 0; echo c > c; ci -Am c; $HG merge -q 1; $HG cp b b2; ci -m merge; }
r_copy_merge_both() { new copy_merge_both; echo a > a; ci -Am a; $HG mv a b; ci -m mv; $HG up -q 0; echo a2 >> a; ci -m change; $HG merge -q 1; ci -m merge; }
r_obsolete() { new obsolete; printf '[experimental]\nevolution=all\n' > .hg/hgrc; echo a > a; ci -Am a; echo b > a; ci -m b; echo c > a; $HG commit -q -d "0 0" --amend -m b2; $HG up -q 0; echo d > d; ci -Am d; $HG debugobsolete -d "0 0" $(printf '1%.0s' {1..40}); $HG prune -q -r . 2>/dev/null || true; }
r_extras() { new extras; /work/main/.venv/bin/python /tmp/hgt/mkextra.py .; }
r_tz() { new tz; echo a > a; $HG commit -q -Am a -d "1000 30"; echo b > a; $HG commit -q -m b -d "1000 -50400"; echo c > a; $HG commit -q -m c -d "2147483647 43200"; echo d > a; $HG commit -q -m d -d "1000 -1"; echo e > a; $HG commit -q -m e -d "1000 59"; }
r_users() { new users; echo a > a; ci -Am a -u "nobody"; echo b > a; ci -m b -u "<>"; echo c > a; ci -m c -u "Foo <bar"; echo d > a; ci -m d -u "a <b> <c>"; echo e > a; ci -m e -u " spaced "; echo f > a; ci -m f -u "x@y"; echo g > a; ci -m g -u "Jos� <j@x>"; }
r_messages() { new messages; echo a > a; printf 'no newline' > m; $HG commit -q -d "0 0" -A -l m; echo b > a; printf '\n\nleading\r\nCRLF\r\n  trailing  \n\n\n' > m; ci -l m; echo c > a; printf 'caf\xe9 latin1' > m; HGENCODING=latin1 $HG commit -q -d '0 0' -l m; }
r_flags() { new flags; echo a > a; ci -Am a; chmod +x a; ci -m exec; ln -s a l; ci -Am link; rm l; ln -s nowhere/../x l; ci -m link2; rm l; echo l > l; ci -m unlink; chmod -x a; ci -m noexec; ln -s $(printf 'T%.0s' {1..300}) ll; ci -Am longlink; }
r_meta_header() { new meta_header; printf '\x01\nnot meta\x01\nrest' > m; ci -Am m; printf '\x01\n' > m; ci -m m2; $HG cp m m3; ci -m copy; }
r_case_rename() { new case_rename; echo a > A; ci -Am A; $HG mv A a; ci -m lower; }
r_file_dir_swap() { new file_dir_swap; echo a > x; ci -Am file; $HG rm -q x; mkdir x; echo b > x/y; ci -Am dir; $HG rm -q x/y; echo c > x; ci -Am file2; }
r_subrepo() { new subrepo; $HG init sub; echo s > sub/s; (cd sub; ci -Am s); echo "sub = sub" > .hgsub; $HG add -q .hgsub; ci -m sub; }
r_multiroot() { new multiroot; echo a > a; ci -Am a; $HG up -q null; echo b > b; ci -Am b; $HG merge -q 0; ci -m m; }
r_secret() { new secret; echo a > a; ci -Am a; echo s > a; ci -m s --secret; }
r_bookmarks() { new bookmarks; echo a > a; ci -Am a; $HG book -q "odd name"; $HG book -q "x/y"; $HG book -q "@"; $HG book -q "é"; $HG book -q -r 0 "a..b" 2>/dev/null || true; }
r_branch_names() { new branch_names; echo a > a; ci -Am a; for b in "with space" "é" "a/b" "tip1" "x..y" "ends." "-lead" "a@{b"; do $HG up -q 0; $HG branch -q -f -- "$b"; echo "$b" > "f$RANDOM"; ci -Am "$b"; done; }
r_binary() { new binary; head -c 70000 /dev/urandom > bin; printf 'a\r\nb\r\n' > crlf; printf '\0\0\0' > nul; ci -Am bin; head -c 1000 /dev/urandom >> bin; ci -m bin2; }
r_large() { new large; seq 1 2000000 > big; ci -Am big; seq 5 2000000 > big; ci -m big2; }
r_many_files() { new many_files; for i in $(seq 1 3000); do echo $i > f$i; done; ci -Am many; }
r_censor() { new censor; echo secret > a; ci -Am a; echo public > a; ci -m b; $HG --config extensions.censor= censor -q -r 0 a; }
r_lfs() { new lfs; printf '[extensions]\nlfs=\n[lfs]\ntrack=all()\nurl=file:///tmp/hgt/lfsstore\n' > .hg/hgrc; echo big > a; ci -Am a; }
r_largefiles() { new largefiles; printf '[extensions]\nlargefiles=\n' > .hg/hgrc; echo big > a; $HG add -q --large a; ci -m a; }
r_treemanifest() { rm -rf $R/treemanifest; $HG init --config experimental.treemanifest=1 $R/treemanifest; cd $R/treemanifest; mkdir d; echo a > d/a; ci -Am a; }
r_narrow() { :; }
r_convert_extra() { new convert_extra; rm -rf /tmp/hgt/gsrc; git init -q /tmp/hgt/gsrc; (cd /tmp/hgt/gsrc; echo a > a; git add a; GIT_AUTHOR_DATE="@1000 +0200" GIT_COMMITTER_DATE="@2000 -0500" git -c user.name=A -c user.email=a@x commit -qm a; echo b> a; GIT_AUTHOR_DATE="@1000 +0200" GIT_COMMITTER_DATE="@2000 -0500" GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@x git -c user.name=A -c user.email=a@x commit -qam b); cd $R; rm -rf convert_extra; $HG --config extensions.convert= convert -q --config convert.git.committeractions=replaceauthor,messagedifferent /tmp/hgt/gsrc convert_extra >/dev/null; }
r_dirs_only_change() { new dirs_only; mkdir -p d/e; echo a > d/e/a; ci -Am a; $HG mv -q d/e d/f; ci -m mv; }
r_removed_readd() { new removed_readd; echo a > a; ci -Am a; $HG rm -q a; ci -m rm; echo a > a; ci -Am readd; }
r_hgtags_in_merge() { new hgtags_merge; echo a > a; ci -Am a; $HG tag -q -d "0 0" t1; $HG up -q 0; $HG tag -f -q -d "0 0" -r 0 t2; $HG merge -q --tool internal:union 1 2>/dev/null; ci -m merge; }
r_hgtags_weird_encoding() { new hgtags_enc; echo a > a; ci -Am a; n=$($HG log -r . -T '{node}'); printf '%s\tTAB\r\n%s CR\r\n%s\n' $n $n $n > .hgtags; ci -Am tags; }
r_tag_named_tip() { new tag_tip; echo a > a; ci -Am a; n=$($HG log -r . -T '{node}'); printf '%s tip\n%s default\n%s a/../b\n%s a..b\n%s x:y\n' $n $n $n $n $n > .hgtags; ci -Am tags; }

for f in "$@"; do ( r_$f ) || echo "recipe $f failed"; done
