import sys
from mercurial import ui as uimod, hg, context
u = uimod.ui.load()
repo = hg.repository(u, sys.argv[1].encode())
def mk(parents, files, extra, desc, user=b"test <test@example.org>", date=(0, 0)):
    def fctx(repo, memctx, path):
        return context.memfilectx(repo, memctx, path, files[path])
    ctx = context.memctx(repo, parents, desc, list(files), fctx, user, date, extra)
    return repo.commitctx(ctx)
with repo.wlock(), repo.lock(), repo.transaction(b"x"):
    n0 = mk([None, None], {b"a": b"a\n"}, {b"convert_revision": b"deadbeef", b"weird key": b"v\nwith\0nul\\and\rcr", b"": b"emptykey"}, b"extras")
    n1 = mk([n0, None], {b"a": b"b\n"}, {b"committer": b"C <c@x> 2000 18000"}, b"committer extra")
    n2 = mk([n1, None], {b"a": b"c\n"}, {b"committer": b"Just Name"}, b"committer no email")
    n3 = mk([n2, None], {b"a": b"d\n"}, {b"committer": b"C <c@x> 2000 -0500"}, b"committer git tz")
    n4 = mk([n3, None], {b"a": b"e\n"}, {b"branch": b"default"}, b"explicit default")
    n5 = mk([n4, None], {b"a": b"f\n"}, {b"close": b"1", b"amend_source": b"ab" * 20, b"rebase_source": b"cd" * 20}, b"close")
    n6 = mk([n5, None], {b"a": b"g\n"}, {b"committer": b"garbage"}, b"committer garbage")
    n7 = mk([n6, None], {b"a": b"h\n"}, {b"committer": b"C <c@x> notanumber 0"}, b"committer bad time")
