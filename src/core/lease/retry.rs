//! `retry` and `release`: a held lease's item given back, for another try after a
//! backoff (or to the dead letters), or at once and uncounted.

use std::sync::LazyLock;
use std::time::Duration;

use super::record::{Lease, Retried};
use super::wire::duration_ms;
use super::Leases;
use crate::core::operation::Operation;
use crate::core::protocol::{Arg, Error, Script};

pub(super) static RETRY: LazyLock<Script> =
    LazyLock::new(|| script!("lease/retry.lua", &super::INCLUDES));

impl<S> Leases<S> {
    /// See [`SetCore::retry`](crate::core::SetCore::retry).
    pub fn retry<T>(
        &self,
        lease: &Lease<T>,
        delay: Option<Duration>,
        reason: &str,
    ) -> impl Operation<Output = Retried> {
        let delay = delay.unwrap_or_else(|| {
            self.policy
                .backoff
                .delay(lease.deliveries, lease.token ^ lease.deadline_ms())
        });
        // A scheduled set's score is the time: it goes back due at now + delay.
        let mode = if self.target.kind.due_by_time() {
            "retry-at"
        } else {
            "retry"
        };
        self.retry_call(lease, delay, mode, reason)
    }

    /// See [`SetCore::release`](crate::core::SetCore::release).
    pub fn release<T>(&self, lease: &Lease<T>) -> impl Operation<Output = Retried> {
        self.retry_call(lease, Duration::ZERO, "release", "")
    }

    /// See [`SetCore::rate_limited`](crate::core::SetCore::rate_limited).
    pub fn rate_limited<T>(
        &self,
        lease: &Lease<T>,
        retry_after: Duration,
    ) -> impl Operation<Output = Retried> {
        self.retry_call(lease, retry_after, "rate-limited", "")
    }

    fn retry_call<T>(
        &self,
        lease: &Lease<T>,
        delay: Duration,
        mode: &str,
        reason: &str,
    ) -> impl Operation<Output = Retried> {
        let lost = self.lost(vec![lease.token]);
        let reason = if reason.is_empty() {
            format!("retried after {} deliveries", lease.deliveries)
        } else {
            reason.to_owned()
        };
        let args = vec![
            lease.member.clone(),
            lease.token.to_string().into_bytes(),
            Arg::from(duration_ms(delay)).0,
            Arg::from(self.policy.max_deliveries as usize).0,
            Arg::from(mode).0,
            Arg::from(reason.as_str()).0,
        ];
        self.replicated(self.call(
            &RETRY,
            args,
            move |d, reply| match d.integers(reply)?.as_slice() {
                [0, _] => Err(lost),
                [1 | 2, at] => Ok(Retried::Requeued {
                    at_ms: u64::try_from(*at).unwrap_or(0),
                }),
                [3, _] => Ok(Retried::Dead),
                _ => Err(Error::protocol("EVALSHA", "unexpected retry reply")),
            },
        ))
    }
}
