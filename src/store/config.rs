//! Configuration given on git's command line (`git -c key=value …`).
//!
//! git hands `-c` settings to the programs it runs (remote helpers among
//! them) through the environment: `GIT_CONFIG_PARAMETERS` holds
//! space-separated, shell-single-quoted items, either `'key=value'` (old
//! form) or `'key'='value'` (git ≥ 2.31), where a `'` inside an item is
//! written `'\''`; `'key'` alone, or `'key'=`, is a boolean set without a
//! value. `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`
//! (from `git --config-env` and scripts) is read too, before
//! `GIT_CONFIG_PARAMETERS`, as git does. gix applies neither, so this
//! module parses them and [`Repo`](super::Repo) consults them first.

use std::ffi::OsString;

use super::error::{Result, StoreError};

/// One configuration item from the environment: a normalised key and its
/// value (`None` for a key given without a value, an implicit `true`).
pub type ConfigItem = (String, Option<String>);

/// Configuration overrides taken from the environment; later items win.
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    items: Vec<ConfigItem>,
}

impl ConfigOverrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`
    /// then `GIT_CONFIG_PARAMETERS` from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// Like [`from_env`](Self::from_env) with a custom variable lookup.
    pub fn from_vars(mut var: impl FnMut(&str) -> Option<OsString>) -> Result<Self> {
        let mut items = Vec::new();
        if let Some(count) = var("GIT_CONFIG_COUNT") {
            let count = lossy(count);
            let count = count.trim();
            let n: usize = if count.is_empty() {
                0
            } else {
                count.parse().map_err(|_| StoreError::ConfigEnv {
                    var: "GIT_CONFIG_COUNT".into(),
                    reason: format!("not a count: {count:?}"),
                })?
            };
            for i in 0..n {
                let key_var = format!("GIT_CONFIG_KEY_{i}");
                let value_var = format!("GIT_CONFIG_VALUE_{i}");
                let key = var(&key_var)
                    .map(lossy)
                    .ok_or_else(|| StoreError::ConfigEnv {
                        var: key_var.clone(),
                        reason: "missing".into(),
                    })?;
                let value = var(&value_var)
                    .map(lossy)
                    .ok_or_else(|| StoreError::ConfigEnv {
                        var: value_var.clone(),
                        reason: "missing".into(),
                    })?;
                let key = normalize_key(&key).ok_or_else(|| StoreError::ConfigEnv {
                    var: key_var,
                    reason: format!("invalid key {key:?}"),
                })?;
                items.push((key, Some(value)));
            }
        }
        if let Some(params) = var("GIT_CONFIG_PARAMETERS") {
            items.extend(parse_config_parameters(&lossy(params))?);
        }
        Ok(ConfigOverrides { items })
    }

    /// Builds overrides from already parsed items (keys are normalised).
    pub fn from_items(items: impl IntoIterator<Item = ConfigItem>) -> Self {
        ConfigOverrides {
            items: items
                .into_iter()
                .filter_map(|(k, v)| normalize_key(&k).map(|k| (k, v)))
                .collect(),
        }
    }

    /// The last value given for `key`: `None` if the key is not overridden,
    /// `Some(None)` if it is given without a value.
    pub fn get(&self, key: &str) -> Option<Option<&str>> {
        let key = normalize_key(key)?;
        self.items
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_deref())
    }

    /// All items, in order.
    pub fn items(&self) -> &[ConfigItem] {
        &self.items
    }
}

fn lossy(s: OsString) -> String {
    s.to_string_lossy().into_owned()
}

/// Normalises a configuration key the way git does: the section (before the
/// first dot) and the variable name (after the last dot) are case
/// insensitive and lowercased; a subsection in between keeps its case.
/// Returns `None` for a key without a section or variable name.
pub fn normalize_key(key: &str) -> Option<String> {
    let first = key.find('.')?;
    let last = key.rfind('.')?;
    let section = &key[..first];
    let name = &key[last + 1..];
    if section.is_empty() || name.is_empty() {
        return None;
    }
    let mut out = section.to_ascii_lowercase();
    if last > first {
        out.push_str(&key[first..last]);
    }
    out.push('.');
    out.push_str(&name.to_ascii_lowercase());
    Some(out)
}

/// Parses the value of `GIT_CONFIG_PARAMETERS` into normalised items.
pub fn parse_config_parameters(s: &str) -> Result<Vec<ConfigItem>> {
    let bogus = |reason: &str| StoreError::ConfigEnv {
        var: "GIT_CONFIG_PARAMETERS".into(),
        reason: reason.into(),
    };
    let mut items = Vec::new();
    let mut rest = s.trim_start_matches(is_space);
    while !rest.is_empty() {
        let (first, after) = dequote_step(rest).ok_or_else(|| bogus("unterminated quote"))?;
        let (key, value) = match after.chars().next() {
            None => split_old_style(first),
            Some(c) if is_space(c) => split_old_style(first),
            Some('=') => {
                let after_eq = &after[1..];
                match after_eq.chars().next() {
                    Some('\'') => {
                        let (value, after_value) =
                            dequote_step(after_eq).ok_or_else(|| bogus("unterminated quote"))?;
                        if after_value.chars().next().is_some_and(|c| !is_space(c)) {
                            return Err(bogus("garbage after a quoted value"));
                        }
                        rest = after_value;
                        let key = normalize_key(&first)
                            .ok_or_else(|| bogus(&format!("invalid key {first:?}")))?;
                        items.push((key, Some(value)));
                        rest = rest.trim_start_matches(is_space);
                        continue;
                    }
                    None => (first, None),
                    Some(c) if is_space(c) => (first, None),
                    Some(_) => return Err(bogus("unquoted value")),
                }
            }
            Some(_) => return Err(bogus("garbage after a quoted key")),
        };
        let key = normalize_key(&key).ok_or_else(|| bogus(&format!("invalid key {key:?}")))?;
        items.push((key, value));
        rest = match after.strip_prefix('=') {
            Some(a) => a,
            None => after,
        };
        rest = rest.trim_start_matches(is_space);
    }
    Ok(items)
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\n'
}

/// `key=value` split at the first `=`; no `=` means no value.
fn split_old_style(item: String) -> (String, Option<String>) {
    match item.split_once('=') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (item, None),
    }
}

/// Reads one single-quoted word at the start of `s` (which must start with
/// `'`), where `'\''` and `'\!'` stand for `'` and `!`. Returns the word and
/// what follows it.
fn dequote_step(s: &str) -> Option<(String, &str)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'\'') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let c = *bytes.get(i)?;
        if c != b'\'' {
            out.push(c);
            i += 1;
            continue;
        }
        // Out of the quotes: either the end of the word, or an escaped
        // quote or bang followed by a new quoted part.
        i += 1;
        if bytes.get(i) == Some(&b'\\')
            && matches!(bytes.get(i + 1), Some(b'\'') | Some(b'!'))
            && bytes.get(i + 2) == Some(&b'\'')
        {
            out.push(bytes[i + 1]);
            i += 3;
            continue;
        }
        let word = String::from_utf8_lossy(&out).into_owned();
        return Some((word, &s[i..]));
    }
}

/// A cinnabar setting: `GIT_CINNABAR_<KEY>`, then
/// `remote.<remote>.cinnabar-<key>`, then `cinnabar.<key>`.
pub fn cinnabar_setting(repo: &super::Repo, remote: Option<&str>, key: &str) -> Option<String> {
    let env = format!("GIT_CINNABAR_{}", key.to_uppercase().replace('-', "_"));
    if let Ok(v) = std::env::var(env) {
        return Some(v);
    }
    if let Some(r) = remote {
        if let Some(v) = repo.config_string(&format!("remote.{r}.cinnabar-{key}")) {
            return Some(v);
        }
    }
    repo.config_string(&format!("cinnabar.{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<ConfigItem> {
        match parse_config_parameters(s) {
            Ok(v) => v,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn item(k: &str, v: Option<&str>) -> ConfigItem {
        (k.to_string(), v.map(str::to_string))
    }

    #[test]
    fn normalizes_keys() {
        assert_eq!(normalize_key("Core.Bare").as_deref(), Some("core.bare"));
        assert_eq!(
            normalize_key("Remote.OrIgin.URL").as_deref(),
            Some("remote.OrIgin.url")
        );
        assert_eq!(
            normalize_key("a.b.c.D").as_deref(),
            Some("a.b.c.d"),
            "subsection may hold dots"
        );
        assert_eq!(normalize_key("nodot"), None);
        assert_eq!(normalize_key(".x"), None);
        assert_eq!(normalize_key("x."), None);
    }

    #[test]
    fn old_style() {
        assert_eq!(
            parse("'cinnabar.check=all' 'Core.Foo=a b'"),
            vec![
                item("cinnabar.check", Some("all")),
                item("core.foo", Some("a b"))
            ]
        );
        assert_eq!(parse("'x.flag'"), vec![item("x.flag", None)]);
        assert_eq!(parse("'x.e='"), vec![item("x.e", Some(""))]);
        assert_eq!(parse(""), vec![]);
        assert_eq!(parse("  "), vec![]);
    }

    #[test]
    fn new_style() {
        assert_eq!(
            parse("'cinnabar.check'='all' 'remote.Origin.url'='hg::x=y'"),
            vec![
                item("cinnabar.check", Some("all")),
                item("remote.Origin.url", Some("hg::x=y"))
            ]
        );
        assert_eq!(
            parse("'x.flag'= 'y.z'='1'"),
            vec![item("x.flag", None), item("y.z", Some("1"))]
        );
        assert_eq!(parse("'x.flag'="), vec![item("x.flag", None)]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(r"'a.b'='it'\''s' 'c.d=x'\!'y'"),
            vec![item("a.b", Some("it's")), item("c.d", Some("x!y"))]
        );
        assert_eq!(
            parse(r"'we'\''ird.k'='v'"),
            vec![item("we'ird.k", Some("v"))]
        );
    }

    #[test]
    fn bogus() {
        for s in [
            "'unterminated",
            "noquote",
            "'a.b'='v'x",
            "'a.b'=v",
            "'a.b'x",
            "'nodot'='v'",
        ] {
            assert!(parse_config_parameters(s).is_err(), "{s:?} should fail");
        }
    }

    #[test]
    fn env_lookup_and_precedence() -> Result<()> {
        let vars = |name: &str| -> Option<OsString> {
            match name {
                "GIT_CONFIG_COUNT" => Some("2".into()),
                "GIT_CONFIG_KEY_0" => Some("A.B".into()),
                "GIT_CONFIG_VALUE_0" => Some("from-count".into()),
                "GIT_CONFIG_KEY_1" => Some("c.d".into()),
                "GIT_CONFIG_VALUE_1" => Some("only-count".into()),
                "GIT_CONFIG_PARAMETERS" => Some("'a.b'='first' 'a.b'='second'".into()),
                _ => None,
            }
        };
        let o = ConfigOverrides::from_vars(vars)?;
        assert_eq!(o.get("a.B"), Some(Some("second")));
        assert_eq!(o.get("c.d"), Some(Some("only-count")));
        assert_eq!(o.get("e.f"), None);
        Ok(())
    }
}
