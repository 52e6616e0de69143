//! Lua scripts as redset sends them: the source, with the helper files it names put in
//! place, and its SHA1 for `EVALSHA`.

use std::borrow::Cow;

/// A Lua script with its SHA1, as `EVALSHA` wants it.
///
/// ```
/// use redset::core::Script;
/// let script = Script::new("return 1");
/// assert_eq!(script.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
/// ```
#[derive(Debug)]
pub struct Script {
    source: Cow<'static, str>,
    sha1: String,
}

/// Appends `source` to `out` with its include lines resolved (see
/// [`Script::with_includes`]); `placed` names the helpers already in.
fn include_into<'a>(
    out: &mut String,
    source: &str,
    helpers: &[(&'a str, &'static str)],
    placed: &mut Vec<&'a str>,
) {
    for line in source.split_inclusive('\n') {
        let helper = line
            .trim_end()
            .strip_prefix(INCLUDE)
            .and_then(|rest| rest.strip_suffix('"'))
            .and_then(|name| helpers.iter().find(|(known, _)| *known == name));
        match helper {
            Some((name, _)) if placed.contains(name) => {}
            Some((name, text)) => {
                placed.push(name);
                include_into(out, text.trim_end_matches('\n'), helpers, placed);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
}

/// The line that puts a helper file in place, as BullMQ's scripts name theirs:
/// `--- @include "lease/common"`.
const INCLUDE: &str = "--- @include \"";

impl Script {
    /// Wraps a script's source and computes its SHA1.
    pub fn new(source: impl Into<Cow<'static, str>>) -> Self {
        let source = source.into();
        Script {
            sha1: sha1_smol::Sha1::from(source.as_bytes())
                .digest()
                .to_string(),
            source,
        }
    }

    /// A script whose `--- @include "name"` lines are replaced by the helper of that
    /// name among `helpers`, whose own include lines are resolved the same way; a
    /// helper already in place is not put in twice. A name not among them is left as
    /// the line it is (a Lua comment), which the tests of every script rule out.
    ///
    /// ```
    /// use redset::core::Script;
    /// let helpers = [("math/one", "local one = 1"), ("math/two", "--- @include \"math/one\"\nlocal two = one + one")];
    /// let script = Script::with_includes("--- @include \"math/two\"\n--- @include \"math/one\"\nreturn two", &helpers);
    /// assert_eq!(script.source(), "local one = 1\nlocal two = one + one\nreturn two");
    /// ```
    pub fn with_includes(source: &'static str, helpers: &[(&str, &'static str)]) -> Self {
        if !source.lines().any(|line| line.starts_with(INCLUDE)) {
            return Script::new(source);
        }
        let mut out = String::with_capacity(source.len());
        let mut placed = Vec::new();
        include_into(&mut out, source, helpers, &mut placed);
        Script::new(out)
    }

    /// The Lua source, helpers included.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The hex SHA1 of the source.
    pub fn sha1(&self) -> &str {
        &self.sha1
    }

    /// Whether an `--- @include` line was left unresolved.
    #[cfg(test)]
    pub(crate) fn has_unresolved_include(&self) -> bool {
        self.source.lines().any(|line| line.starts_with(INCLUDE))
    }
}
