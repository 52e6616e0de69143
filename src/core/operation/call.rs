//! One logical request: a plain command, a script call, or a reply known without asking.

use crate::core::protocol::{Command, Reply, Script};

/// One logical request. A script call is first sent as `EVALSHA` and, if the server
/// answers `NOSCRIPT` (restarted, flushed, failed over), once more as `EVAL`, which
/// also caches the script for the next call: [`Exchange`](super::Exchange) is the one
/// place that does it.
#[derive(Debug, Clone)]
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

    /// The command to send, the call given up for it: no argument copied (a prepared
    /// command, sent once); `None` for a [`Call::Known`] reply.
    pub fn into_command(self) -> Option<Command> {
        match self.into_opening() {
            Opening::Send(cmd) => Some(cmd),
            Opening::Known(_) => None,
        }
    }

    /// How the call opens. Not generic, and kept out of line, so that it is made once
    /// rather than in every operation's [`Exchange`](super::Exchange) (issue 20's size
    /// target).
    #[inline(never)]
    pub(super) fn opening(&self) -> Opening {
        self.clone().into_opening()
    }

    fn into_opening(self) -> Opening {
        match self {
            Call::Command(cmd) => Opening::Send(cmd),
            Call::Script {
                script,
                keys,
                args,
                by_source,
            } => Opening::Send(
                script_command(script, by_source, keys.len(), args.len())
                    .with_args(keys)
                    .with_args(args),
            ),
            Call::Known(reply) => Opening::Known(reply),
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

/// How a [`Call`] opens: the command it sends, or its reply where that is known.
pub(super) enum Opening {
    Send(Command),
    Known(Reply),
}

/// The head of a script call with room for its keys and arguments: `EVALSHA sha
/// numkeys`, or `EVAL` with the source once the server said it lacks the script.
fn script_command(script: &Script, by_source: bool, keys: usize, args: usize) -> Command {
    let head = if by_source {
        Command::with_capacity("EVAL", 3 + keys + args).arg(script.source())
    } else {
        Command::with_capacity("EVALSHA", 3 + keys + args).arg(script.sha1())
    };
    head.arg(keys)
}
