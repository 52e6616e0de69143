//! Tracing: a `tracing` span per operation (`redset.<operation>`) and per worker job
//! (`redset.job`), with the set's name, the operation, how many items it handled and
//! how it ended — so an application bridges them to OpenTelemetry with
//! `tracing-opentelemetry`. With no subscriber listening, a span costs a disabled
//! callsite check.

use tracing::Span;

use crate::core::{Error, GroupStats, Recovered, Retried, Stats};

/// How many items an operation's output handled, for `redset.items`, when that says
/// something (a list's length, an item or none).
pub(crate) trait Items {
    /// The count, if the output has one.
    fn items(&self) -> Option<i64> {
        None
    }
}

impl<T> Items for Vec<T> {
    fn items(&self) -> Option<i64> {
        i64::try_from(self.len()).ok()
    }
}

impl<T> Items for Option<T> {
    fn items(&self) -> Option<i64> {
        Some(i64::from(self.is_some()))
    }
}

impl Items for Recovered {
    fn items(&self) -> Option<i64> {
        i64::try_from(self.requeued + self.dead).ok()
    }
}

impl Items for () {}
impl Items for bool {}
impl Items for u64 {}
impl Items for f64 {}
impl Items for Stats {}
impl Items for GroupStats {}
impl Items for Retried {}

/// Records how an operation ended on its span: `redset.outcome` ("ok", or the error's
/// kind), `redset.items`, and `otel.status_code` "ERROR" for a failure (an empty set is
/// not one).
pub(crate) fn finish<T: Items>(span: &Span, result: &Result<T, Error>) {
    match result {
        Ok(output) => {
            span.record("redset.outcome", "ok");
            if let Some(items) = output.items() {
                span.record("redset.items", items);
            }
        }
        Err(error) => {
            span.record("redset.outcome", outcome(error));
            if !error.is_empty() {
                span.record("otel.status_code", "ERROR");
                span.record("error.message", tracing::field::display(error));
            }
        }
    }
}

/// An error's kind, as a span's `redset.outcome`.
pub(crate) fn outcome(error: &Error) -> &'static str {
    match error {
        Error::Empty { .. } => "empty",
        Error::InvalidInput(_) => "invalid_input",
        Error::Server { .. } => "server_error",
        Error::Connection(_) => "connection_error",
        Error::OutcomeUnknown { .. } => "outcome_unknown",
        Error::Protocol { .. } => "protocol_error",
        Error::LockTimeout { .. } => "lock_timeout",
        Error::LeaseLost { .. } => "lease_lost",
        Error::Serializer(_) => "serializer_error",
        Error::NotReplicated { .. } => "not_replicated",
        Error::Unsupported { .. } => "unsupported",
    }
}

/// The span of one operation: `redset.<name>` under the target `redset`.
macro_rules! op_span {
    ($name:ident, $set:expr) => {
        tracing::info_span!(
            target: "redset",
            concat!("redset.", stringify!($name)),
            redset.set = $set,
            redset.operation = stringify!($name),
            redset.items = tracing::field::Empty,
            redset.outcome = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            error.message = tracing::field::Empty,
        )
    };
}

pub(crate) use op_span;
