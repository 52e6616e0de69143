//! A scripted transport for testing code that uses redset, without a server.
//!
//! [`Scripted`] is a connection (sync and async) that expects a sequence of commands
//! and answers each with a given reply, an error reply, or a failure (the connection
//! dropped, a timeout). A command that differs from the next expected one gets an error
//! reply (code `SCRIPTED`) whose message is a diff of the two, and [`Scripted::assert_done`] panics with every
//! such difference and every expected command that was never sent. Hand it to a set as
//! you would a real connection:
//!
//! ```
//! use redset::core::Reply;
//! use redset::testing::Scripted;
//! use redset::SortedSet;
//!
//! let conn = Scripted::new()
//!     .expect(&["ZPOPMIN", "jobs", "1"], Reply::Array(vec![Reply::bulk("job-1"), Reply::bulk("0")]))
//!     .expect_dropped(&["ZPOPMIN", "jobs", "1"]);
//! let mut jobs = SortedSet::new(conn.clone(), "jobs");
//! assert_eq!(jobs.pop().unwrap().as_deref(), Some("job-1"));
//! // A pop whose connection dropped may have taken an item: never repeated, and said so.
//! assert!(matches!(jobs.pop(), Err(redset::Error::OutcomeUnknown { .. })));
//! conn.assert_done();
//! ```
//!
//! An argument `"*"` in an expected command matches any argument (a script's SHA1, a
//! timestamp). Script calls go out as `EVALSHA`; answer the first with
//! `Reply::error("NOSCRIPT …")` to see the fallback to `EVAL`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use redis::{RedisError, RedisResult, Value};

use crate::core::Reply;

/// What the connection does with an expected command.
#[derive(Debug, Clone)]
enum Answer {
    Reply(Reply),
    /// The connection drops after the command went out: it may have taken effect.
    Dropped,
    /// No reply in time.
    TimedOut,
}

#[derive(Debug)]
struct Expected {
    args: Vec<String>,
    answer: Answer,
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Expected>,
    sent: Vec<Vec<String>>,
    mismatches: Vec<String>,
}

/// A connection that answers from a script: see the [module docs](self). Clones share
/// the script, so keep one to call [`assert_done`](Self::assert_done).
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    state: Arc<Mutex<State>>,
}

impl Scripted {
    /// A connection that expects nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(self, args: &[&str], answer: Answer) -> Self {
        self.lock().script.push_back(Expected {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            answer,
        });
        self
    }

    /// Expects `command` next and answers `reply` (an error reply too:
    /// `Reply::error("WRONGTYPE …")`).
    ///
    /// ```
    /// use redset::core::Reply;
    /// let conn = redset::testing::Scripted::new().expect(&["ZCARD", "jobs"], Reply::Int(2));
    /// assert_eq!(redset::SortedSet::new(conn, "jobs").len().unwrap(), 2);
    /// ```
    pub fn expect(self, command: &[&str], reply: Reply) -> Self {
        self.push(command, Answer::Reply(reply))
    }

    /// Expects `command` next, then drops the connection: the command may or may not
    /// have taken effect.
    ///
    /// ```
    /// let conn = redset::testing::Scripted::new().expect_dropped(&["ZCARD", "jobs"]).expect_dropped(&["ZCARD", "jobs"]);
    /// // A read is repeated once after a failure; both failed.
    /// let err = redset::SortedSet::new(conn, "jobs").len().unwrap_err();
    /// assert!(matches!(err, redset::Error::Connection(_)));
    /// ```
    pub fn expect_dropped(self, command: &[&str]) -> Self {
        self.push(command, Answer::Dropped)
    }

    /// Expects `command` next, then gives no reply in time (an I/O timeout).
    pub fn expect_timeout(self, command: &[&str]) -> Self {
        self.push(command, Answer::TimedOut)
    }

    /// Every command sent so far, as text (non-UTF-8 bytes replaced).
    pub fn sent(&self) -> Vec<Vec<String>> {
        self.lock().sent.clone()
    }

    /// Panics unless every command sent was the one expected and every expected
    /// command was sent.
    pub fn assert_done(&self) {
        let state = self.lock();
        let mut report = String::new();
        for mismatch in &state.mismatches {
            let _ = writeln!(report, "{mismatch}");
        }
        for left in &state.script {
            let _ = writeln!(report, "expected, never sent: {:?}", left.args);
        }
        assert!(report.is_empty(), "scripted connection:\n{report}");
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere (a failed assertion) must not hide the script's report.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The answer to one packed command.
    fn answer(&self, packed: &[u8]) -> RedisResult<Value> {
        self.answer_args(unpack(packed))
    }

    /// The answers to a packed pipeline, command by command, an error reply as an
    /// element; a dropped connection or a timeout fails it there, leaving the rest of
    /// it unanswered (and off the script).
    fn answer_all(&self, packed: &[u8]) -> RedisResult<Vec<Value>> {
        let mut rest = packed;
        let mut values = Vec::new();
        while !rest.is_empty() {
            match self.answer_args(unpack_next(&mut rest)) {
                Ok(value) => values.push(value),
                Err(err) => values.push(Value::ServerError(err.try_into()?)),
            }
        }
        Ok(values)
    }

    /// The answer to one command's arguments.
    fn answer_args(&self, args: Vec<String>) -> RedisResult<Value> {
        let mut state = self.lock();
        state.sent.push(args.clone());
        let Some(expected) = state.script.pop_front() else {
            let message = format!("unexpected command {args:?}: the script has ended");
            state.mismatches.push(message.clone());
            return Err(mismatch(message));
        };
        let matches = expected.args.len() == args.len()
            && expected
                .args
                .iter()
                .zip(&args)
                .all(|(e, a)| e == "*" || e == a);
        if !matches {
            let message = diff(&expected.args, &args);
            state.mismatches.push(message.clone());
            return Err(mismatch(message));
        }
        match expected.answer {
            Answer::Reply(Reply::Error { code, message }) => {
                let detail = message.strip_prefix(code.as_str()).map(str::trim);
                Err(redis::make_extension_error(
                    code.clone(),
                    detail.map(str::to_owned),
                ))
            }
            Answer::Reply(reply) => Ok(to_value(reply)),
            Answer::Dropped => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "scripted connection dropped",
            )
            .into()),
            Answer::TimedOut => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "scripted connection timed out",
            )
            .into()),
        }
    }
}

/// A command off the script, as an error reply with the code `SCRIPTED`: a driver
/// passes it on as it is (never sends it again), so the diff reaches the test.
fn mismatch(message: String) -> RedisError {
    redis::make_extension_error("SCRIPTED".to_owned(), Some(message))
}

/// A command that differs from the expected one, argument by argument.
fn diff(expected: &[String], sent: &[String]) -> String {
    let mut out = String::from("command differs from the script:\n");
    for i in 0..expected.len().max(sent.len()) {
        let (e, s) = (expected.get(i), sent.get(i));
        let same = matches!((e, s), (Some(e), Some(s)) if e == "*" || e == s);
        let mark = if same { ' ' } else { '!' };
        let show = |arg: Option<&String>| arg.map_or("nothing".to_owned(), |a| format!("{a:?}"));
        let _ = writeln!(out, "{mark} [{i}] expected {}, sent {}", show(e), show(s));
    }
    out
}

/// The arguments of a packed RESP array of bulk strings.
fn unpack(packed: &[u8]) -> Vec<String> {
    unpack_next(&mut &packed[..])
}

/// The arguments of the first packed command in `rest`, which moves past it.
fn unpack_next(rest: &mut &[u8]) -> Vec<String> {
    let mut args = Vec::new();
    let line = |rest: &mut &[u8]| -> Option<Vec<u8>> {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = rest[..end].to_vec();
        *rest = &rest[end + 2..];
        Some(line)
    };
    let Some(header) = line(rest) else {
        *rest = &[];
        return args;
    };
    let count: usize = String::from_utf8_lossy(header.get(1..).unwrap_or_default())
        .parse()
        .unwrap_or(0);
    for _ in 0..count {
        let Some(len) = line(rest) else { break };
        let len: usize = String::from_utf8_lossy(len.get(1..).unwrap_or_default())
            .parse()
            .unwrap_or(0);
        let Some(bytes) = rest.get(..len) else { break };
        args.push(String::from_utf8_lossy(bytes).into_owned());
        *rest = rest.get(len + 2..).unwrap_or_default();
    }
    args
}

/// The core's reply as the `redis` crate's value (error replies are handled apart).
fn to_value(reply: Reply) -> Value {
    match reply {
        Reply::Nil => Value::Nil,
        Reply::Int(n) => Value::Int(n),
        Reply::Bulk(bytes) => Value::BulkString(bytes),
        Reply::Status(text) => Value::SimpleString(text),
        Reply::Double(d) => Value::Double(d),
        Reply::Bool(b) => Value::Boolean(b),
        Reply::Array(items) => Value::Array(items.into_iter().map(to_value).collect()),
        Reply::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (to_value(k), to_value(v)))
                .collect(),
        ),
        // Error replies are answered as errors before this; the rest has no RESP form.
        Reply::Error { message, .. } => Value::SimpleString(message),
        Reply::Other(text) => Value::SimpleString(text),
    }
}

impl redis::ConnectionLike for Scripted {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.answer(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        _offset: usize,
        _count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.answer_all(cmd)
    }

    fn get_db(&self) -> i64 {
        0
    }

    fn check_connection(&mut self) -> bool {
        true
    }

    fn is_open(&self) -> bool {
        true
    }
}

#[cfg(feature = "tokio")]
impl redis::aio::ConnectionLike for Scripted {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        let answer = self.answer(&cmd.get_packed_command());
        Box::pin(async move { answer })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        _offset: usize,
        _count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        let answer = self.answer_all(&cmd.get_packed_pipeline());
        Box::pin(async move { answer })
    }

    fn get_db(&self) -> i64 {
        0
    }
}
