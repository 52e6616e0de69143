//! Lua scripts as redset sends them: the source, with the helper files it names put in
//! place, and its SHA1 for `EVALSHA`.

use std::borrow::Cow;

use super::include::{includes_any, resolve};

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
    sha1: Cow<'static, str>,
}

impl Script {
    /// Wraps a script's source and computes its SHA1.
    pub fn new(source: impl Into<Cow<'static, str>>) -> Self {
        let source = source.into();
        Script {
            sha1: Cow::Owned(digest(&source)),
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
        Script::new(resolved(source, helpers))
    }

    /// One of the crate's own scripts (see the `script!` macro): its source as
    /// `build.rs` wrote it, its helpers put in place as by
    /// [`with_includes`](Self::with_includes), and `sha1` the SHA1 `build.rs` computed
    /// of it so resolved. The SHA is checked in debug builds; release builds carry no
    /// SHA1 code (4 KB of the wasm module, issue 20's size target).
    #[cfg_attr(test, allow(dead_code))]
    pub(crate) fn built(
        source: &'static str,
        sha1: &'static str,
        helpers: &[(&str, &'static str)],
    ) -> Self {
        let source = resolved(source, helpers);
        debug_assert_eq!(digest(&source), sha1, "build.rs hashed another source");
        Script {
            source,
            sha1: Cow::Borrowed(sha1),
        }
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
        includes_any(&self.source)
    }
}

/// `source` with its include lines resolved among `helpers`; itself when it has none.
fn resolved(source: &'static str, helpers: &[(&str, &'static str)]) -> Cow<'static, str> {
    if !includes_any(source) {
        return Cow::Borrowed(source);
    }
    let find = |name: &str| helpers.iter().find(|(known, _)| *known == name).copied();
    Cow::Owned(resolve(source, &find))
}

/// The hex SHA1 of a script's source, as `SCRIPT LOAD` answers it.
fn digest(source: &str) -> String {
    sha1_smol::Sha1::from(source.as_bytes())
        .digest()
        .to_string()
}
