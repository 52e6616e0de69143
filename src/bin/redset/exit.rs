//! How a command ends when it does not succeed: a message on stderr and an exit code
//! that says what happened (the table is in `redset --help`).

use std::process::ExitCode;

/// Why a command stopped. Each kind has its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// Redis could not be reached or answered with an error (exit 1).
    Redis(redset::Error),
    /// A local failure: the terminal, the listening socket (exit 1).
    Io(std::io::Error),
    /// The command line asks for something that cannot be done (exit 2).
    Usage(String),
    /// The user declined, or could not be asked and gave no `--yes` (exit 3).
    NotConfirmed(String),
    /// Nothing was found to show or to change (exit 4).
    NothingThere(String),
}

impl Failure {
    /// The process's exit code.
    pub fn code(&self) -> u8 {
        match self {
            Failure::Redis(_) | Failure::Io(_) => 1,
            Failure::Usage(_) => 2,
            Failure::NotConfirmed(_) => 3,
            Failure::NothingThere(_) => 4,
        }
    }

    /// Says why on stderr and gives the exit code.
    pub fn report(self) -> ExitCode {
        anstream::eprintln!("redset: {self}");
        ExitCode::from(self.code())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Redis(err) => write!(f, "error: {err}"),
            Failure::Io(err) => write!(f, "error: {err}"),
            Failure::Usage(text) => write!(f, "error: {text}"),
            Failure::NotConfirmed(text) | Failure::NothingThere(text) => f.write_str(text),
        }
    }
}

impl From<redset::Error> for Failure {
    fn from(err: redset::Error) -> Self {
        Failure::Redis(err)
    }
}

impl From<redis::RedisError> for Failure {
    /// An error reply (from a command the CLI sends itself, such as `SCAN`) stays one;
    /// anything else is the connection's.
    fn from(err: redis::RedisError) -> Self {
        Failure::Redis(match err.code() {
            Some(code) => redset::Error::Server {
                code: code.to_owned(),
                message: err.to_string(),
            },
            None => redset::Error::Connection(Box::new(err)),
        })
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure::Io(err)
    }
}
