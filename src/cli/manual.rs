//! The prose of the `git-cinnabar(1)` man page, in a small markup rendered
//! to roff: `# TITLE` starts a section, a blank line a paragraph, lines
//! indented by four spaces are shown as typed, and `* term -- text` is a
//! tagged paragraph.

/// The sections of `git-cinnabar(1)` after the description.
pub const MAIN: &str = r#"
# GETTING STARTED
`git cinnabar setup` creates `git-remote-hg` beside the `git-cinnabar` binary; with that directory on PATH, git handles `hg::` URLs itself:

    git clone hg::https://hg.example.org/repo
    cd repo && git fetch && git pull

`git cinnabar setup` also installs these man pages and the bash and zsh completions under the binary's prefix (`<bin>/../share`) and says how to make them found.

# URLS
* hg::https://host/path, hg::http://host/path -- A Mercurial server over HTTP(S); a URL serving a bundle file works too. git's `http.proxy`, `http.sslCAInfo`, `http.sslVerify` and `http.followRedirects` apply; passwords come from the URL or `git credential`.
* hg::ssh://[user@]host[:port]/path -- Runs `hg -R path serve --stdio` on the host, through the program git would use (`GIT_SSH_COMMAND`, `core.sshCommand`, `GIT_SSH`, `ssh.variant`).
* hg::/path/to/repo, hg::file:///path, hg::relative/path -- A local Mercurial repository (through the local `hg`). A relative path is resolved where it was given; a clone records the absolute path.
* hg::/path/to/bundle.hg -- A Mercurial bundle file (`hg bundle`, HG10 or HG20).
* hg://host[:[port.]proto]/path -- The form that survives msys path mangling: `hg://host/path` is https, `:http` selects http, `:8080.http` a port, `hg://:file/path` a local path.
* hg::tags: -- The Mercurial tags of the imported changesets (`git cinnabar fetch --tags` fetches from it).

# REFS
A Mercurial repository has named branches, several heads per branch and bookmarks. With the default `cinnabar.refs` (`bookmarks,heads,tips`), a remote shows as:

    refs/heads/branches/<branch>/tip      the branch tip
    refs/heads/branches/<branch>/<node>   its other heads
    refs/heads/bookmarks/<bookmark>       bookmarks

so `git clone` gives `origin/branches/default/tip`, and HEAD is the bookmark `@` if there is one, else the tip of `default`. `cinnabar.refs` takes a comma list of `bookmarks`, `heads`, `tips` (or `all`): `tips` alone gives `refs/heads/<branch>`, `bookmarks` alone `refs/heads/<bookmark>`, `heads` alone `refs/heads/<branch>/<node>`.

The metadata lives in `refs/cinnabar/metadata` and `refs/notes/cinnabar` (and `refs/cinnabar/checked` after a successful fsck). Mirrors (`git clone --mirror`) keep them through `git fetch --prune`.

# PUSH
Pushing to Mercurial is not implemented by this version yet; `git cinnabar bundle` writes a Mercurial bundle of git commits.

# CONFIGURATION
Each setting `X` is read from the environment variable `GIT_CINNABAR_X` (upper case, `-` as `_`), then `remote.<remote>.cinnabar-X` for a named remote, then `cinnabar.X`.
* cinnabar.refs -- Which refs a remote shows: a comma list of `bookmarks`, `heads`, `tips`, or `all` (the default). See REFS.
* cinnabar.pushrefs -- The same for pushes (git-cinnabar 0.7); not used here yet.
* cinnabar.clonebundle -- The URL of a bundle to start a first clone from, instead of the server's clone bundles; empty disables clone bundles.
* cinnabar.checkpoint -- Changesets per checkpoint when an import holds more (default 10000, or a tenth of an import of more than 100000 changesets, so that a source is read at most ten times; 0 for none): a bundle file, a clone bundle or a server's response is imported in chunks, the metadata committed after each, and an interrupted clone or fetch resumes after the last one (the next `git fetch` asks the server only for what is missing). A server's response is first kept, compressed, in a temporary file of the git directory; a clone bundle is kept in `cinnabar/clonebundle.hg` of the git directory until it is imported, and a clone killed while importing it imports the rest of it first. `git clone` removes the directory of a clone that fails: for a very large repository, `git init`, `git remote add` and `git fetch` keep the checkpoints of an interrupted first fetch.
* cinnabar.checkpoint-seconds -- A checkpoint about every that many seconds as well (default none, 0 for none): the first chunk takes 1000 changesets, and each next one is sized from the time the previous one took (at least 100 changesets), `cinnabar.checkpoint` remaining the largest size. Each chunk reads its source again, so small values make imports slower.
* cinnabar.clone -- A cinnabarclone manifest (lines `<url>[#<branch>] [graft=<commit>,…]`) naming a git mirror of the metadata (a git repository, or a git bundle over http(s) or in a file) that a first clone starts from before fetching the rest from Mercurial; it replaces the server's own manifest (`contrib/cinnabarclone.py`); empty disables both. A mirror that cannot be used is skipped with a warning (an error with `cinnabar.check=cinnabarclone`).
* cinnabar.check -- A comma list of extra checks: `helper`, `manifests`, `version-check`, `nodeid`, `files`, `time`, `traceback`, `no-bundle2`, `cinnabarclone`, `clonebundles`, `unbundler`; `all` for the main ones, `no-` before a name turns it off.
* cinnabar.compat -- `0.6` makes commits as git-cinnabar 0.6 did for changesets whose commit would collide with another's.
* cinnabar.log -- Logging: a comma list of `target[:level][>path]`, `*` for every target (`find-common` logs the discovery round trips, `clonebundle` the clone bundle choice, `checkpoint` each checkpoint and how many changesets a server sent, `cinnabarclone` the mirror choice, `notes` how many notes trees a fetch read).
* cinnabar.graft -- `true` grafts the fetched changesets onto git commits already in the repository (another converter's history): a changeset reuses the commit with the same tree, author time and parents (then subject and author break ties); the fetch fails when several commits match, and when nothing could be grafted ("Nothing to graft", metadata unchanged). A URL fetches its branches as `refs/cinnabar/graft/*` and grafts onto those (first clone only).
* cinnabar.data, cinnabar.graft-refs, cinnabar.experiments -- Push settings of git-cinnabar 0.7 (`graft-refs` is deprecated: a warning); not used here yet.
* cinnabar.version-check, cinnabar.fsck, cinnabar.helper -- Written or obsolete settings of git-cinnabar; ignored.

# ENVIRONMENT
* HG -- The Mercurial program to run for local repositories (default: `hg` on PATH). Mercurial is needed for local repositories and ssh servers, not for bundles or HTTP.
* GIT_CINNABAR_LOG, GIT_CINNABAR_CHECK, GIT_CINNABAR_REFS, ... -- Any setting of CONFIGURATION.
* GIT_SSH_COMMAND, GIT_SSH, GIT_SSH_VARIANT -- The ssh program, as for git.
* GIT_SSL_CAINFO, GIT_SSL_NO_VERIFY, http_proxy, https_proxy -- HTTPS and proxies, as for git.

# EXAMPLES
Clone, then fetch new changesets and Mercurial tags:

    git clone hg::https://hg.example.org/repo
    git -C repo fetch
    git -C repo cinnabar fetch --tags

Map between Mercurial changesets and git commits:

    git cinnabar hg2git 7f112d2205d7
    git cinnabar git2hg HEAD

Fetch a single changeset, check the metadata, and start over:

    git cinnabar fetch origin 7f112d2205d7324a6ca52b7077569fa084e1fa9e
    git cinnabar fsck --full
    git cinnabar clear && git fetch

# SEE ALSO
git-remote-helpers(7), git-clone(1), hg(1)
"#;

/// Escapes text for roff, with `code` spans in bold.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut bold = false;
    for c in text.chars() {
        match c {
            '`' => {
                out.push_str(if bold { "\\fR" } else { "\\fB" });
                bold = !bold;
            }
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            _ => out.push(c),
        }
    }
    if bold {
        out.push_str("\\fR");
    }
    out
}

/// Renders the markup to roff.
pub fn roff(markup: &str) -> String {
    let mut out = String::new();
    let mut literal = false;
    for line in markup.lines() {
        if let Some(code) = line.strip_prefix("    ") {
            if !literal {
                out.push_str(".PP\n.RS 4\n.nf\n");
                literal = true;
            }
            out.push_str(&inline(code).replace('`', ""));
            out.push('\n');
            continue;
        }
        if literal {
            out.push_str(".fi\n.RE\n");
            literal = false;
        }
        if let Some(title) = line.strip_prefix("# ") {
            out.push_str(&format!(".SH {title}\n"));
        } else if let Some(item) = line.strip_prefix("* ") {
            let (term, text) = item.split_once(" -- ").unwrap_or((item, ""));
            out.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                inline(term),
                inline(text)
            ));
        } else if line.is_empty() {
            continue;
        } else {
            let text = inline(line);
            // A line starting with a dot or quote would be a request.
            let text = if text.starts_with(['.', '\'']) {
                format!("\\&{text}")
            } else {
                text
            };
            out.push_str(&format!(".PP\n{text}\n"));
        }
    }
    if literal {
        out.push_str(".fi\n.RE\n");
    }
    out
}
