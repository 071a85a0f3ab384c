//! Servers for the network tests: `hg serve` and a small WSGI wrapper
//! around hgweb (Basic auth, failures), on 127.0.0.1 with a free port,
//! stopped when dropped; an ssh stand-in for `GIT_SSH_COMMAND`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use super::*;

/// A server process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// `hg serve` of `repo` with extra `--config` items.
    pub fn hg(repo: &Path, configs: &[&str]) -> Server {
        let mut cmd = command(hg_path(), repo);
        cmd.args(["serve", "-p", "0", "--address", "127.0.0.1", "-R"])
            .arg(repo);
        for c in configs {
            cmd.args(["--config", c]);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // "listening at http://localhost:PORT/ (bound to 127.0.0.1:PORT)"
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().trim_end_matches(')').parse().ok())
            .unwrap_or_else(|| panic!("unexpected hg serve output {line:?}"));
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        Server { child, port }
    }

    /// The WSGI wrapper (see `WSGI`) in `mode` for `repo`.
    pub fn wsgi(dir: &Path, repo: &Path, mode: &str) -> Server {
        let script = dir.join("server.py");
        std::fs::write(&script, WSGI).unwrap();
        let mut cmd = command(python_path(), dir);
        cmd.arg(&script).arg(repo).arg(mode);
        cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("unexpected server output {line:?}"));
        Server { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python running Mercurial.
pub fn python_path() -> PathBuf {
    let hg = hg_path();
    if let Some(dir) = hg.parent().filter(|d| !d.as_os_str().is_empty()) {
        let p = dir.join("python3");
        if p.exists() {
            return p;
        }
    }
    "python3".into()
}

/// A WSGI server around hgweb. Modes: `auth` (Basic auth user:s3cret),
/// `error500` (getbundle fails), `truncate` (getbundle replies stop half
/// way, as when the server dies), `redirect` (`/old` moved to `/`), `file` (serves the file given instead of
/// a repository), `proxy` (an HTTP proxy logging the URLs to the file
/// given), `noheader` (no `httpheader`, `httpmediatype` nor `batch`
/// capability: arguments go in the query string, replies are zlib streams,
/// one command per request), `plain`
/// (nothing special).
pub const WSGI: &str = r#"
import base64, os, sys
from wsgiref.simple_server import make_server, WSGIRequestHandler
from mercurial.hgweb import hgweb

path, mode = sys.argv[1], sys.argv[2]

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

if mode == 'proxy':
    import urllib.request, urllib.error
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    def app(environ, start_response):
        url = environ['PATH_INFO']
        if environ.get('QUERY_STRING'):
            url += '?' + environ['QUERY_STRING']
        if not url.startswith('http://'):
            start_response('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'not a proxy request']
        with open(path, 'a') as log:
            log.write(url + '\n')
        headers = {k[5:].replace('_', '-'): v for k, v in environ.items()
                   if k.startswith('HTTP_') and k not in ('HTTP_HOST', 'HTTP_PROXY_CONNECTION')}
        if environ.get('CONTENT_TYPE'):
            headers['Content-Type'] = environ['CONTENT_TYPE']
        length = int(environ.get('CONTENT_LENGTH') or 0)
        body = environ['wsgi.input'].read(length) if length else None
        request = urllib.request.Request(url, data=body, headers=headers,
                                         method=environ['REQUEST_METHOD'])
        try:
            response = opener.open(request)
        except urllib.error.HTTPError as e:
            response = e
        start_response('%d %s' % (response.status, response.reason),
                       [('Content-Type', response.headers.get('Content-Type', 'text/plain'))])
        return [response.read()]
elif mode == 'file':
    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        with open(path, 'rb') as f:
            return [f.read()]
else:
    web = hgweb(path.encode())
    def app(environ, start_response):
        query = environ.get('QUERY_STRING', '')
        getbundle = 'cmd=getbundle' in query
        if mode == 'auth':
            expected = 'Basic ' + base64.b64encode(b'user:s3cret').decode()
            if environ.get('HTTP_AUTHORIZATION') != expected:
                start_response('401 Unauthorized', [
                    ('WWW-Authenticate', 'Basic realm="hg"'),
                    ('Content-Type', 'text/plain')])
                return [b'authentication required']
        if mode == 'redirect' and environ.get('PATH_INFO', '').startswith('/old'):
            start_response('301 Moved Permanently', [('Location', '/?' + query)])
            return [b'moved']
        if mode == 'error500' and getbundle:
            start_response('500 Internal Server Error', [('Content-Type', 'text/plain')])
            return [b'oops']
        if mode == 'noheader' and 'cmd=capabilities' in query:
            captured = {}
            def keep(status, headers, exc_info=None):
                captured['s'] = (status, [(k, v) for k, v in headers
                                          if k.lower() != 'content-length'])
            data = b''.join(web(environ, keep))
            data = b' '.join(t for t in data.split(b' ')
                             if not t.startswith((b'httpheader', b'httpmediatype'))
                             and t != b'batch')
            start_response(*captured['s'])
            return [data]
        result = web(environ, start_response)
        if mode == 'truncate' and getbundle:
            data = b''.join(result)
            return [data[:len(data) // 2]]
        return result

server = make_server('127.0.0.1', 0, app, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
"#;

/// Writes an ssh stand-in that ignores its options and the host and runs
/// the remote command (`hg -R <path> serve --stdio`) in `home`, with the
/// real hg. `filter` is appended to the pipeline (e.g. `| head -c 1000`).
pub fn fake_ssh(dir: &Path, home: &Path, filter: &str) -> PathBuf {
    let script = dir.join(format!("ssh-{}.sh", filter.len()));
    let hg = hg_path();
    let prefix = match hg.parent().filter(|_| hg.is_absolute()) {
        Some(dir) => format!("'{}'/", dir.display()),
        None => String::new(),
    };
    let text = format!(
        "#!/bin/sh\n\
         # arguments: [options] host command\n\
         while [ $# -gt 1 ]; do echo \"$1\" >> '{log}'; shift; done\n\
         echo 'ssh stand-in' >&2\n\
         cd '{home}' || exit 1\n\
         eval \"{prefix}$1\" {filter}\n",
        log = dir.join("ssh-args.log").display(),
        home = home.display(),
    );
    std::fs::write(&script, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The refs of the corpus clone of `name` (`NAME.refs`, from the bundle),
/// as a clone from a server gives them: the metadata is the same, but a
/// server's branchmap counts as branch heads only the changesets without
/// descendants in their branch, where a bundle's graph gives every
/// changeset without a child in its branch (spec 3.9). Refs for heads the
/// server does not list are dropped, using `hg heads --closed` of `repo`.
pub fn served_corpus_refs(repo: &Path, name: &str) -> Vec<String> {
    let heads = hg(repo, &["heads", "--closed", "-T", "{node}\n"]);
    let heads: Vec<&str> = heads.lines().collect();
    corpus_refs(name)
        .into_iter()
        .filter(|line| {
            let last = line.rsplit('/').next().unwrap_or_default();
            !(line.contains(" refs/heads/branches/")
                && last.len() == 40
                && last.bytes().all(|b| b.is_ascii_hexdigit())
                && !heads.contains(&last))
        })
        .collect()
}
