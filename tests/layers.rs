//! The module layering of `src/` (README, "Layout"): no module uses one
//! above it or beside it, and no source file imports another in a loop.
//!
//! The check reads every `crate::…` and `super::…` path of each file
//! (`use` lines and paths in code alike, comments and strings left out)
//! and resolves it to the file that defines it. `pub use` re-exports of a
//! module's own children are a facade, not a dependency, and are not
//! counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom; a module may use only modules of lower layers.
const LAYERS: &[&[&str]] = &[
    &["util"],
    &["hg", "store"],
    &["wire", "convert"],
    &["metadata"],
    &["import", "export"],
    &["query", "fsck"],
    &["helper"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("cannot read src") {
        let path = entry.expect("cannot read src").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are
/// `["a", "b"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

/// Code without comments, string literals and `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("//") || line.starts_with("pub use") {
            continue;
        }
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' && prev != '\'' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The paths `crate::a::b…` and `super::a…` a file names, absolute, with
/// `{…}` groups expanded one level.
fn paths_of(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
            && (i == 0 || !ident(bytes[i - 1]) && bytes[i - 1] != ':');
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len() && (ident(bytes[j]) || bytes[j] == ':') {
            j += 1;
        }
        let path: String = bytes[i..j].iter().collect();
        let mut segs: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut base: Vec<String> = Vec::new();
        if segs[0] == "crate" {
            segs.remove(0);
        } else {
            // `super` in `a/b.rs` (module `a::b`) and in `a/mod.rs`
            // (module `a`) is the module above.
            base = module.to_vec();
            while segs.first().is_some_and(|s| s == "super") {
                segs.remove(0);
                base.pop();
            }
        }
        let prefix: Vec<String> = base.into_iter().chain(segs).collect();
        if j + 1 < bytes.len() && bytes[j] == '{' {
            let end = bytes[j..]
                .iter()
                .position(|&c| c == '}')
                .map_or(j, |p| j + p);
            let group: String = bytes[j + 1..end].iter().collect();
            for item in group.split(',') {
                let item = item.trim().split("::").next().unwrap_or("").trim();
                if !item.is_empty() && item != "self" {
                    let mut p = prefix.clone();
                    p.push(item.to_string());
                    out.push(p);
                }
            }
            out.push(prefix);
            i = end;
        } else {
            out.push(prefix);
            i = j;
        }
    }
    out
}

/// The file defining the longest prefix of `path`.
fn resolve(path: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|n| files.get(&path[..n].to_vec()).cloned())
}

#[test]
fn modules_use_only_lower_layers_and_files_form_no_cycle() {
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    let files: BTreeMap<Vec<String>, PathBuf> =
        all.iter().map(|f| (module_of(f), f.clone())).collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &all {
        let text = std::fs::read_to_string(file).expect("cannot read source");
        let module = module_of(file);
        for path in paths_of(&code_of(&text), &module) {
            let Some(top) = path.first() else { continue };
            let own = module.first().cloned().unwrap_or_default();
            if let (Some(from), Some(to)) = (layer(&own), layer(top)) {
                if top != &own && to >= from {
                    problems.push(format!(
                        "{}: uses crate::{} (layer {to}) from {own} (layer {from})",
                        file.display(),
                        path.join("::")
                    ));
                }
            }
            if let Some(target) = resolve(&path, &files) {
                if &target != file {
                    edges.entry(file.clone()).or_default().insert(target);
                }
            }
        }
    }
    // Cycles between files: depth-first search with colours.
    fn visit(
        node: &PathBuf,
        edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<PathBuf, u8>,
        stack: &mut Vec<PathBuf>,
        problems: &mut Vec<String>,
    ) {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => visit(next, edges, state, stack, problems),
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let cycle: Vec<String> = stack[start..]
                        .iter()
                        .chain(std::iter::once(next))
                        .map(|p| p.strip_prefix(src()).unwrap_or(p).display().to_string())
                        .collect();
                    problems.push(format!("import cycle: {}", cycle.join(" -> ")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
    }
    let mut state = BTreeMap::new();
    for file in &all {
        if !state.contains_key(file) {
            visit(file, &edges, &mut state, &mut Vec::new(), &mut problems);
        }
    }
    assert!(
        problems.is_empty(),
        "layering problems:\n{}",
        problems.join("\n")
    );
    // The check sees the tree.
    for module in ["hg", "store", "wire", "metadata", "import", "cli"] {
        assert!(
            files.contains_key(&vec![module.to_string()]),
            "no file for module {module}"
        );
    }
    assert!(edges.len() > 50, "only {} files import others", edges.len());
}
