//! The Lua scripts redset runs server-side, and the EVALSHA → EVAL fallback.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::command::{Arg, Command};
use super::error::{Error, Result};
use super::operation::Step;
use super::reply::Reply;

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

    /// The Lua source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The hex SHA1 of the source.
    pub fn sha1(&self) -> &str {
        &self.sha1
    }
}

/// Atomically removes and returns up to `ARGV[2]` members of `KEYS[1]` whose score is
/// at most `ARGV[1]`, lowest score first; with `KEYS[2]`, only while the original
/// Python redset's lock there is not held (else it returns the lock's expiry).
pub static POP_DUE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/pop_due.lua")));

/// `ZADD` of one or many members, with its flags, that writes the wake-up marker
/// (`KEYS[2]`) when the set's head changed: `add` and each chunk of `add_many`.
pub static ADD: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("scripts/add.lua")));

/// Deletes a set and the companion keys it is given, atomically: `clear()`.
pub static CLEAR: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/clear.lua")));

/// One logical request: a plain command, or a script call that is first sent as
/// `EVALSHA` and, if the server answers `NOSCRIPT` (restarted, flushed, failed over),
/// once more as `EVAL`, which also caches the script for the next call.
#[derive(Debug)]
pub(crate) enum Call {
    Command(Command),
    Script {
        script: &'static Script,
        keys: Vec<Vec<u8>>,
        args: Vec<Vec<u8>>,
        by_source: bool,
    },
    /// The reply is known without asking (e.g. `take(0)`): nothing is sent.
    Known(Reply),
}

/// What the call wants after a reply.
pub(crate) enum Outcome {
    /// Send the (new) command of [`Call::command`] again.
    Resend,
    /// The call's final reply.
    Reply(Reply),
}

impl Call {
    pub fn script(script: &'static Script, keys: Vec<Vec<u8>>, args: Vec<Vec<u8>>) -> Call {
        Call::Script {
            script,
            keys,
            args,
            by_source: false,
        }
    }

    /// The command to send now; `None` for a [`Call::Known`] reply.
    pub fn command(&self) -> Option<Command> {
        match self {
            Call::Command(cmd) => Some(cmd.clone()),
            Call::Script {
                script,
                keys,
                args,
                by_source,
            } => {
                let head = if *by_source {
                    Command::new("EVAL").arg(script.source())
                } else {
                    Command::new("EVALSHA").arg(script.sha1())
                };
                let with_keys = keys
                    .iter()
                    .fold(head.arg(keys.len()), |cmd, key| cmd.arg(Arg(key.clone())));
                Some(
                    args.iter()
                        .fold(with_keys, |cmd, a| cmd.arg(Arg(a.clone()))),
                )
            }
            Call::Known(_) => None,
        }
    }

    /// The step that sends this call's command; a protocol error for a known reply,
    /// which sends nothing.
    pub fn send<T>(&self) -> Result<Step<T>> {
        self.command()
            .map(Step::Send)
            .ok_or_else(|| Error::protocol(self.name(), "nothing to send"))
    }

    /// The name of the command this call sends, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Command(_) | Call::Known(_) => "command",
            Call::Script {
                by_source: true, ..
            } => "EVAL",
            Call::Script { .. } => "EVALSHA",
        }
    }

    pub fn on_reply(&mut self, reply: Reply) -> Outcome {
        match (self, &reply) {
            (Call::Script { by_source, .. }, Reply::Error { code, .. })
                if code == "NOSCRIPT" && !*by_source =>
            {
                *by_source = true;
                Outcome::Resend
            }
            _ => Outcome::Reply(reply),
        }
    }
}
