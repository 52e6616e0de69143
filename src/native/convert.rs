//! Values across the driver's boundary: core commands as `redis::Cmd`s, and the `redis`
//! crate's values and errors as core replies and errors.

use redis::{ErrorKind, RedisError, Value};

use crate::core::{Bulks, Command, Error, Reply};

/// A core command as the tokio transport sends it (the sync one writes its bytes,
/// [`Command::write_resp`]).
#[cfg(feature = "tokio")]
pub(crate) fn to_cmd(command: &Command) -> redis::Cmd {
    let args = command.args();
    // Sized at once: grown argument by argument, its buffers were reallocated on
    // every call (a tenth of a pop's own cost in the driver).
    let mut cmd = redis::Cmd::with_capacity(args.len(), args.iter().map(Vec::len).sum());
    for arg in args {
        cmd.arg(arg.as_slice());
    }
    cmd
}

/// The name of a pipeline's first command, for errors.
pub(crate) fn pipeline_name(cmds: &[Command]) -> &str {
    cmds.first().map_or("pipeline", Command::name)
}

/// Whether a step's command should go once more: it is repeatable and its connection
/// failed (a connection that reconnects, such as [`Reconnecting`](super::Reconnecting)
/// or a `ConnectionManager`, then carries the repeat).
pub(crate) fn repeat_after(result: &redis::RedisResult<Value>, repeatable: bool) -> bool {
    repeatable && matches!(result, Err(err) if !is_error_reply(err))
}

/// The step's reply, an error reply, or its failure: a connection failure after a
/// command that must not be repeated (a pop) may have taken effect, so unless the
/// connection was refused outright it is [`Error::OutcomeUnknown`].
pub(crate) fn classify(
    result: redis::RedisResult<Value>,
    command: &str,
    repeatable: bool,
) -> Result<Reply, Error> {
    match result {
        Err(err) if !is_error_reply(&err) && !repeatable && !err.is_connection_refusal() => {
            Err(Error::OutcomeUnknown {
                command: command.to_owned(),
                source: Box::new(err),
            })
        }
        other => to_reply(other),
    }
}

/// A reply, or an error reply, from what the `redis` crate returned. Connection
/// failures stay errors.
pub(crate) fn to_reply(result: redis::RedisResult<Value>) -> Result<Reply, Error> {
    match result {
        Ok(value) => Ok(value_to_reply(value)),
        Err(err) if is_error_reply(&err) => Ok(error_reply(&err)),
        Err(err) => Err(Error::Connection(Box::new(err))),
    }
}

fn is_error_reply(err: &RedisError) -> bool {
    matches!(err.kind(), ErrorKind::Server(_) | ErrorKind::Extension) && err.code().is_some()
}

fn error_reply(err: &RedisError) -> Reply {
    let code = err.code().unwrap_or("ERR");
    Reply::Error {
        code: code.to_owned(),
        message: match err.detail() {
            Some(detail) => format!("{code} {detail}"),
            None => code.to_owned(),
        },
    }
}

/// A `redis` crate reply as the core's, for callers that drive the core themselves.
///
/// ```
/// use redset::core::Reply;
/// assert_eq!(Reply::from(redis::Value::Int(3)), Reply::Int(3));
/// ```
impl From<Value> for Reply {
    fn from(value: Value) -> Self {
        value_to_reply(value)
    }
}

/// `values` as [`Bulks`] when every one is a bulk string, read where they lie.
pub(crate) fn bulk_strings(values: &[Value]) -> Option<Bulks<'_>> {
    let strings = values
        .iter()
        .map(|value| match value {
            Value::BulkString(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Bulks::from_strings(strings, 1).ok()
}

fn value_to_reply(value: Value) -> Reply {
    match value {
        Value::Nil => Reply::Nil,
        Value::Int(n) => Reply::Int(n),
        Value::BulkString(bytes) => Reply::Bulk(bytes),
        Value::SimpleString(s) => Reply::Status(s),
        Value::Okay => Reply::Status("OK".to_owned()),
        Value::Double(d) => Reply::Double(d),
        Value::Boolean(b) => Reply::Bool(b),
        Value::VerbatimString { text, .. } => Reply::Bulk(text.into_bytes()),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            Reply::Array(items.into_iter().map(value_to_reply).collect())
        }
        Value::Map(pairs) => Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (value_to_reply(k), value_to_reply(v)))
                .collect(),
        ),
        Value::Attribute { data, .. } => value_to_reply(*data),
        Value::ServerError(err) => error_reply(&RedisError::from(err)),
        // Big numbers and shapes added later: nothing redset sends is answered with them,
        // so the core rejects them as a protocol error.
        #[allow(unreachable_patterns)]
        other => Reply::Other(format!("{other:?}")),
    }
}
