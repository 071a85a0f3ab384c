# Repositories Mercurial's commands cannot make, written through its API.
import sys
from mercurial import ui as uimod, hg, context, node as nodemod
u = uimod.ui.load()
kind, path = sys.argv[1], sys.argv[2].encode()
repo = hg.repository(u, path, create=True)
def mk(parents, files, desc, extra=None, user=b"test <test@example.org>", date=(0, 0)):
    def fctx(repo, memctx, p):
        if files[p] is None:
            return None
        data, copy = files[p] if isinstance(files[p], tuple) else (files[p], None)
        return context.memfilectx(repo, memctx, p, data, copysource=copy)
    ctx = context.memctx(repo, parents, desc, list(files), fctx, user, date, extra or {})
    return repo.commitctx(ctx)
with repo.wlock(), repo.lock(), repo.transaction(b"x"):
    if kind == "null_p1":
        a = mk([None, None], {b"a": b"a\n"}, b"a")
        b = mk([None, a], {b"a": b"b\n"}, b"p1 null, p2 a")
    elif kind == "copy_from_p2":
        a = mk([None, None], {b"a": b"a\n"}, b"a")
        b = mk([a, None], {b"b": b"b\n"}, b"b")
        c = mk([a, None], {b"c": b"c\n"}, b"c")
        m = mk([c, b], {b"d": (b"b\n", b"b")}, b"merge copying p2's b")
    elif kind == "files_list_odd":
        a = mk([None, None], {b"a": b"a\n"}, b"a")
        # a changeset listing a file it removes that never existed
        b = mk([a, None], {b"a": b"b\n", b"ghost": None}, b"lists ghost")
    elif kind == "copy_to_self":
        a = mk([None, None], {b"a": b"a\n"}, b"a")
        b = mk([a, None], {b"b": (b"a\n", b"a"), b"a": None}, b"rename keeps content")
        c = mk([b, None], {b"c": (b"a\n", b"nonexistent")}, b"copy from nowhere")
