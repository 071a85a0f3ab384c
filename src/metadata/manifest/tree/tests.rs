//! Tests of the manifest tree: deltas against text application, partial
//! lines refused, fast-import editing, shared directories.

use super::*;

fn line(path: &str, n: u8, flag: &str) -> Vec<u8> {
    let mut v = path.as_bytes().to_vec();
    v.push(0);
    HgNode([n; 20]).write_hex(&mut v);
    v.extend_from_slice(flag.as_bytes());
    v.push(b'\n');
    v
}

fn delta(hunks: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (s, e, d) in hunks {
        out.extend_from_slice(&s.to_be_bytes());
        out.extend_from_slice(&e.to_be_bytes());
        out.extend_from_slice(&(d.len() as u32).to_be_bytes());
        out.extend_from_slice(d);
    }
    out
}

fn apply_text(base: &[u8], d: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    crate::hg::mdiff::apply(base, d, &mut out).unwrap();
    out
}

#[test]
fn deltas_match_text_application() {
    let paths = ["a", "a.txt", "a/b", "a/c/d", "a/c/e", "a0", "b/x", "z"];
    let mut text = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        text.extend(line(p, i as u8 + 1, if i == 3 { "x" } else { "" }));
    }
    // hg sorts by full path; check our tree order agrees.
    let mut tree = ManifestTree::new();
    tree.apply_delta(HgNode::NULL, &delta(&[(0, 0, text.clone())]))
        .unwrap();
    let mut sorted = paths.to_vec();
    sorted.sort();
    let mut expect = Vec::new();
    for p in sorted {
        let i = paths.iter().position(|q| *q == p).unwrap();
        expect.extend(line(p, i as u8 + 1, if i == 3 { "x" } else { "" }));
    }
    assert_eq!(tree.text(), expect);
    assert_eq!(tree.text_len() as usize, expect.len());

    // Replace the lines of a/c/d and a/c/e with one new line, and drop z.
    let base = tree.text();
    let start = base.windows(5).position(|w| w == b"a/c/d").unwrap() as u32;
    let l = (line("a/c/d", 4, "x").len() + line("a/c/e", 5, "").len()) as u32;
    let zs = base.windows(2).position(|w| w == b"z\0").unwrap() as u32;
    let d = delta(&[
        (start, start + l, line("a/c/f", 9, "l")),
        (zs, base.len() as u32, Vec::new()),
    ]);
    let expected = apply_text(&base, &d);
    tree.apply_delta(HgNode::NULL, &d).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&tree.text()),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(tree.text_len() as usize, expected.len());
    assert_eq!(
        tree.node(&HgNode::NULL, &HgNode::NULL),
        HgNode::hash(&HgNode::NULL, &HgNode::NULL, &expected)
    );
}

#[test]
fn refuses_partial_lines() {
    let mut tree = ManifestTree::new();
    tree.apply_delta(HgNode::NULL, &delta(&[(0, 0, line("a", 1, ""))]))
        .unwrap();
    assert!(tree
        .apply_delta(HgNode::NULL, &delta(&[(1, 43, Vec::new())]))
        .is_err());
    assert!(tree
        .apply_delta(HgNode::NULL, &delta(&[(0, 42, Vec::new())]))
        .is_err());
    assert!(tree
        .apply_delta(HgNode::NULL, &delta(&[(0, 99, Vec::new())]))
        .is_err());
    assert!(tree
        .apply_delta(HgNode::NULL, &delta(&[(0, 43, Vec::new())]))
        .is_ok());
    assert_eq!(tree.text_len(), 0);
}

#[test]
fn fast_import_editing_loses_a_file_under_a_directory() {
    let mut exact = ManifestTree::new();
    let applied = exact
        .apply_delta(HgNode::NULL, &delta(&[(0, 0, line("a", 1, ""))]))
        .unwrap();
    assert!(!applied.clash);
    let base = exact.clone();
    let len = exact.text_len() as u32;
    let d = delta(&[(len, len, line("a/b", 2, ""))]);
    let applied = exact.apply_delta(HgNode::NULL, &d).unwrap();
    assert!(applied.clash);
    assert_eq!(
        exact.text(),
        [line("a", 1, ""), line("a/b", 2, "")].concat()
    );
    let mut lossy = base;
    lossy
        .apply_as_fast_import(HgNode::NULL, &applied.removed, &d)
        .unwrap();
    // The file `a` gave way to the directory.
    assert_eq!(lossy.text(), line("a/b", 2, ""));
    assert_eq!(lossy.text_len() as usize, lossy.text().len());
    assert_eq!(exact.lines_missing_from(&lossy).unwrap(), line("a", 1, ""));
    assert_eq!(lossy.describe(b"a"), "the directory \"a/\"");
    // Removing `a` removes the whole directory there.
    let d = delta(&[(0, line("a", 1, "").len() as u32, Vec::new())]);
    let applied = exact.apply_delta(HgNode::NULL, &d).unwrap();
    lossy
        .apply_as_fast_import(HgNode::NULL, &applied.removed, &d)
        .unwrap();
    assert_eq!(exact.text(), line("a/b", 2, ""));
    assert!(lossy.text().is_empty());
    assert_eq!(lossy.describe(b"a/b"), "nothing");
}

#[test]
fn shares_directories() {
    let mut a = ManifestTree::new();
    a.insert(b"d/x", HgNode([1; 20]), Flag::Regular);
    a.insert(b"e/y", HgNode([2; 20]), Flag::Regular);
    let mut b = a.clone();
    b.insert(b"e/z", HgNode([3; 20]), Flag::Exec);
    let (Node::Dir(da), Node::Dir(db)) = (&a.root.entries[0].node, &b.root.entries[0].node) else {
        panic!()
    };
    assert!(Arc::ptr_eq(da, db));
    assert_eq!(a.text().len() + line("e/z", 3, "x").len(), b.text().len());
    assert_eq!(b.get(b"e/z"), Some((HgNode([3; 20]), Flag::Exec)));
    assert_eq!(b.get(b"e"), None);
    assert_eq!(b.get(b"e/q"), None);
    assert_eq!(b.get(b"d/x/y"), None);
}

/// The text from kept directory lines (see `text.rs`) is that of the lines
/// themselves after every kind of edit, shared directories included.
#[test]
fn kept_lines_follow_edits() {
    fn lines_text(tree: &ManifestTree) -> Vec<u8> {
        let mut out = Vec::new();
        tree.for_each_line(&mut |l| l.write(&mut out));
        out
    }
    fn check(tree: &ManifestTree) {
        let text = lines_text(tree);
        assert_eq!(tree.text(), text);
        assert_eq!(tree.text_len() as usize, text.len());
        let (p1, p2) = (HgNode([7; 20]), HgNode::NULL);
        assert_eq!(tree.node(&p1, &p2), HgNode::hash(&p1, &p2, &text));
    }
    let mut a = ManifestTree::new();
    for (i, p) in ["a", "b/c", "b/d/e", "b/d/f", "b/g", "b.x", "c/h", "z"]
        .iter()
        .enumerate()
    {
        a.insert(p.as_bytes(), HgNode([i as u8 + 1; 20]), Flag::Regular);
    }
    check(&a);
    let mut b = a.clone();
    b.insert(b"b/d/e", HgNode([9; 20]), Flag::Exec);
    b.insert(b"b/a", HgNode([10; 20]), Flag::Link);
    b.remove(b"z");
    check(&b);
    check(&a);
    b.remove(b"b/d/e");
    b.remove(b"b/d/f");
    b.insert(b"c/h", HgNode([11; 20]), Flag::Regular);
    check(&b);
    // Fast-import editing: a file gives way to a directory and back.
    let mut c = b.clone();
    let len = c.text_len() as u32;
    let d = delta(&[(len, len, line("z/y", 12, ""))]);
    c.apply_as_fast_import(HgNode::NULL, &[], &d).unwrap();
    check(&c);
    let d = delta(&[(0, 0, line("a/q", 13, ""))]);
    c.apply_as_fast_import(HgNode::NULL, &[], &d).unwrap();
    check(&c);
    c.apply_as_fast_import(HgNode::NULL, &[b"b".to_vec()], &delta(&[]))
        .unwrap();
    check(&c);
    check(&b);
    check(&a);
}
