//! One logical request: a plain command, a script call, or a reply known without asking.

use crate::core::protocol::{Arg, Command, Reply, Script};

/// One logical request. A script call is first sent as `EVALSHA` and, if the server
/// answers `NOSCRIPT` (restarted, flushed, failed over), once more as `EVAL`, which
/// also caches the script for the next call: [`Exchange`](super::Exchange) is the one
/// place that does it.
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

    /// Whether `reply` says the server does not have the script, after which the call
    /// is sent again by its source (`EVAL`). Once only: an `EVAL` is never answered so.
    pub(super) fn falls_back(&mut self, reply: &Reply) -> bool {
        match (self, reply) {
            (Call::Script { by_source, .. }, Reply::Error { code, .. })
                if code == "NOSCRIPT" && !*by_source =>
            {
                *by_source = true;
                true
            }
            _ => false,
        }
    }
}
