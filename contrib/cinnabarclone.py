# Mercurial extension: offer a pre-built git-cinnabar mirror to clients.
#
# Written for this project (a reimplementation of git-cinnabar); it speaks
# the same `cinnabarclone` wire command as git-cinnabar's own extension.
"""serve a git-cinnabar metadata mirror (cinnabarclone)

When the repository has a `.hg/cinnabar.manifest` file, the server
advertises the `cinnabarclone` capability and answers the `cinnabarclone`
wire command (pull permission) with the contents of that file. A
git-cinnabar client making a first clone then fetches the git mirror it
names, and only asks this server for the changesets the mirror lacks.

Each line of the manifest reads::

    <url>[#<branch>] [graft=<commit>[,<commit>...]]

`<url>` is a git repository (http, https or git URL) or a git bundle
served over http(s). `<branch>` names the ref holding the metadata
commit (`refs/cinnabar/<branch>`, then `refs/heads/<branch>`, or a full
ref name); without it the client tries names derived from the Mercurial
URL, then `metadata`. Clients skip lines with parameters they do not
know.

Enable it on the server with::

    [extensions]
    cinnabarclone = /path/to/contrib/cinnabarclone.py
"""

from mercurial import extensions, wireprototypes, wireprotov1server

testedwith = b'7.2.4'

MANIFEST = b'cinnabar.manifest'


def _capabilities(orig, repo, proto):
    caps = orig(repo, proto)
    if repo.vfs.exists(MANIFEST):
        caps.append(b'cinnabarclone')
    return caps


def _manifest(repo, proto):
    return wireprototypes.bytesresponse(repo.vfs.tryread(MANIFEST))


def extsetup(ui):
    extensions.wrapfunction(wireprotov1server, '_capabilities', _capabilities)
    wireprotov1server.wireprotocommand(
        b'cinnabarclone', b'', permission=b'pull'
    )(_manifest)
