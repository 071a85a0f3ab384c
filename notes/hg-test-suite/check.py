#!/usr/bin/env python3
"""check.py NAME SOURCE: clone hg::SOURCE with our binary and compare with hg."""
import os, subprocess, sys, shutil, tempfile
HG = "/work/main/.venv/bin/hg"
env = dict(os.environ)
env.update(PATH="/tmp/hgt/bin:/work/main/.venv/bin:" + env["PATH"], HGPLAIN="1", HGRCPATH="",
           HGENCODING="utf-8", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
           GIT_CINNABAR_CHECK="no-version-check", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e",
           GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
def run(args, cwd=None, inp=None):
    p = subprocess.run(args, cwd=cwd, env=env, input=inp, capture_output=True)
    return p.returncode, p.stdout, p.stderr
name, src = sys.argv[1], os.path.abspath(sys.argv[2])
work = tempfile.mkdtemp(prefix="hgt-" + name.replace("/", "_") + "-", dir="/tmp/hgt/work")
notes = []
def out(msg): notes.append(msg)
# reference hg repo
if os.path.isdir(src):
    ref = src
else:
    ref = os.path.join(work, "ref")
    run([HG, "init", ref])
    rc, o, e = run([HG, "unbundle", "-q", src], cwd=ref)
    if rc: out("hg unbundle rc=%d: %s" % (rc, e.decode(errors='replace').strip().splitlines()[-1:] ))
clone = os.path.join(work, "clone.git")
rc, o, e = run(["git", "clone", "-q", "--mirror", "hg::" + src, clone], cwd=work)
err = e.decode(errors="replace")
if "panick" in err: out("PANIC: " + err)
if rc:
    refs = run(["git", "for-each-ref"], cwd=clone)[1].decode() if os.path.isdir(clone) else ""
    out("clone rc=%d refs=%r: %s" % (rc, refs, " | ".join(err.strip().splitlines()[-3:])))
    print(name, "::", "; ".join(notes)); sys.exit(0)
elif err.strip():
    out("clone warnings: " + " | ".join(err.strip().splitlines()[-4:]))
rc, o, e = run(["git", "cinnabar", "fsck", "--full"], cwd=clone)
if rc: out("fsck --full rc=%d: %s" % (rc, e.decode(errors='replace').strip()[-500:]))
nodes = run([HG, "log", "--hidden", "-T", "{node} {manifest % '{node}'} {branch}\n"], cwd=ref)[1].decode().split("\n")
nodes = [n.split(" ") for n in nodes if n]
rc, o, e = run(["git", "cinnabar", "hg2git", "--batch"], cwd=clone, inp="".join(n[0] + "\n" for n in nodes).encode())
gits = o.decode().split()
missing = [n[0] for n, g in zip(nodes, gits) if g == "0" * 40]
if rc or len(gits) != len(nodes) or missing:
    out("hg2git rc=%d, %d/%d mapped, missing %s" % (rc, len(gits) - len(missing), len(nodes), missing[:3]))
h2g = dict(zip([n[0] for n in nodes], gits))
# heads
rc, o, e = run([HG, "heads", "--closed", "-T", "{branch}\\0{node}\\n"], cwd=ref)
want = set()
for l in o.decode().splitlines():
    b, n = l.split("\x00")
    want.add((b, h2g.get(n)))
refs = run(["git", "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/branches/"], cwd=clone)[1].decode().splitlines()
have = set()
for l in refs:
    r, g = l.split(" ")
    b = r[len("refs/heads/branches/"):].rsplit("/", 1)[0]
    have.add((b, g))
if want != have:
    out("heads differ: hg-only %s git-only %s" % (sorted(want - have)[:4], sorted(have - want)[:4]))
# data
bad = 0; checked = 0
mans = set()
for n in nodes:
    for kind, node in (("-c", n[0]), ("-m", n[1])):
        if kind == "-m":
            if node in mans or node == "0" * 40: continue
            mans.add(node)
        a = run([HG, "debugdata", "--hidden", kind, node], cwd=ref)[1]
        rc, b, e = run(["git", "cinnabar", "data", kind, node], cwd=clone)
        checked += 1
        if a != b:
            bad += 1
            if bad < 3: out("data %s %s differs (rc=%d %s)" % (kind, node[:12], rc, e.decode(errors='replace').strip()[:200]))
# files: each file revision of each manifest
seen = set()
for m in list(mans)[:50]:
    text = run([HG, "debugdata", "-m", m], cwd=ref)[1]
    for line in text.split(b"\n"):
        if not line: continue
        path, rest = line.split(b"\0", 1)
        fn = rest[:40].decode()
        if (path, fn) in seen: continue
        seen.add((path, fn))
        if len(seen) > 300: break
        a = subprocess.run([HG, "debugdata", path.decode('utf-8', 'surrogateescape'), fn], cwd=ref, env=env, capture_output=True).stdout
        rc, b, e = run(["git", "cinnabar", "data", fn], cwd=clone)
        checked += 1
        if a != b:
            bad += 1
            if bad < 5: out("data file %r %s differs (rc=%d %s)" % (path, fn[:12], rc, e.decode(errors='replace').strip()[:200]))
print(name, "::", "OK" if not notes else "; ".join(notes), "[%d changesets, %d data compared, %d bad]" % (len(nodes), checked, bad))
