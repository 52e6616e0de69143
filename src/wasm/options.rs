//! A set's options beyond serializer, scorer and logger, as the JS face passes them
//! (through serde-wasm-bindgen), checked here: the clock, replication, the original's
//! lock, dedup, counting, flow control (rate limits, groups), the lease policy, and
//! whether waits block.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::errors::refused;
use super::params::duration;
use crate::core::{Backoff, Clock, Groups, RateLimit, Replication, Serializer, SetCore, Waiting};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetOptions {
    /// Honour the original Python redset's lock (scheduled sets; default true).
    original_lock: Option<bool>,
    /// Seconds a scheduled pop waits for that lock (default 10).
    lock_timeout: Option<f64>,
    /// Deliveries after which an item goes to the dead letters (default 5).
    max_deliveries: Option<u32>,
    /// The retry backoff, in ms.
    backoff: Option<BackoffOptions>,
    /// Whose clock says "now": "client" (default) or "server".
    clock: Option<String>,
    /// The deduplication window of adds, in ms.
    dedup_window: Option<f64>,
    /// Writes wait for this many replicas, up to `timeout` ms.
    wait_for_replicas: Option<WaitOptions>,
    /// Whether waits block in Redis (the JS face has connections of their own for
    /// them) rather than poll.
    blocking_waits: Option<bool>,
    /// Whether the scripts count what they do on the set.
    metrics: Option<bool>,
    /// Pops and takes honour pause and the limits too.
    flow_control: Option<bool>,
    /// The set's rate limit.
    rate_limit: Option<RateOptions>,
    /// Fair groups: `true`, or their limits.
    groups: Option<GroupOptions>,
    /// ms to wait for each reply: the JS driver's, checked here with the rest.
    timeout: Option<f64>,
}

/// `{ max, periodMs, burst? }`: at most `max` items per `periodMs`, `burst` at once.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateOptions {
    max: f64,
    period_ms: f64,
    burst: Option<f64>,
}

impl RateOptions {
    fn limit(&self, what: &str) -> Result<RateLimit, JsValue> {
        let count = |n: f64, name: &str| -> Result<u32, JsValue> {
            if n.is_finite() && n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n) {
                Ok(n as u32)
            } else {
                Err(js_sys::RangeError::new(&format!(
                    "{what}.{name} must be a whole number from 1, got {n}"
                ))
                .into())
            }
        };
        let max = count(self.max, "max")?;
        let burst = count(self.burst.unwrap_or(1.0), "burst")?;
        let per = duration(self.period_ms, 1000.0, &format!("{what}.periodMs"))?;
        RateLimit::with_burst(max, per, burst)
            .map_err(|e| js_sys::RangeError::new(&format!("{what}: {e}")).into())
    }
}

/// `true`, or `{ concurrency?, rateLimit? }`: each group's limits.
#[derive(Debug)]
enum GroupOptions {
    On(bool),
    Limits(GroupLimits),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupLimits {
    concurrency: Option<u32>,
    rate_limit: Option<RateOptions>,
}

/// A boolean or an object, told apart by the value's own type: not `#[serde(untagged)]`,
/// whose buffering of the value in serde's `Content` was a tenth of the wasm module's
/// set constructor (issue 20's size target), and whose error named no expected type.
impl<'de> Deserialize<'de> for GroupOptions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = GroupOptions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a boolean or { concurrency?, rateLimit? }")
            }
            fn visit_bool<E>(self, on: bool) -> Result<GroupOptions, E> {
                Ok(GroupOptions::On(on))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<GroupOptions, A::Error> {
                let limits =
                    Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(GroupOptions::Limits(limits))
            }
        }
        deserializer.deserialize_any(Either)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaitOptions {
    replicas: u32,
    timeout: f64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BackoffOptions {
    base: Option<f64>,
    cap: Option<f64>,
}

impl SetOptions {
    /// The options object (undefined or null: the defaults); a `TypeError` for a field
    /// of the wrong type.
    pub fn from_js(value: JsValue) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(SetOptions::default());
        }
        serde_wasm_bindgen::from_value(value).map_err(|e| refused("invalid set options", e))
    }

    pub fn apply<S: Serializer>(self, mut core: SetCore<S>) -> Result<SetCore<S>, JsValue> {
        if let Some(ms) = self.timeout {
            duration(ms, 1000.0, "timeout (ms)")?;
        }
        if let Some(honoured) = self.original_lock {
            core = core.with_original_lock(honoured);
        }
        if let Some(seconds) = self.lock_timeout {
            core = core.with_lock_timeout(duration(seconds, 1.0, "lockTimeout (seconds)")?);
        }
        match self.clock.as_deref() {
            None | Some("client") => {}
            Some("server") => core = core.with_clock(Clock::Server),
            Some(other) => {
                return Err(js_sys::TypeError::new(&format!(
                    "clock must be 'client' or 'server', not {other:?}"
                ))
                .into())
            }
        }
        if let Some(ms) = self.dedup_window {
            core = core.with_dedup_window(Some(duration(ms, 1000.0, "dedupWindow (ms)")?));
        }
        if let Some(wait) = self.wait_for_replicas {
            let timeout = duration(wait.timeout, 1000.0, "waitForReplicas.timeout (ms)")?;
            core = core.with_replication(Some(Replication {
                replicas: wait.replicas,
                timeout,
            }));
        }
        if self.blocking_waits == Some(true) {
            core = core.with_waiting(Waiting::Blocking);
        }
        if let Some(counting) = self.metrics {
            core = core.with_metrics(counting);
        }
        if let Some(pops_too) = self.flow_control {
            core = core.with_flow_control(pops_too);
        }
        if let Some(rate) = &self.rate_limit {
            core = core.with_rate_limit(Some(rate.limit("rateLimit")?));
        }
        match self.groups {
            None | Some(GroupOptions::On(false)) => {}
            Some(GroupOptions::On(true)) => core = core.with_groups(Some(Groups::default())),
            Some(GroupOptions::Limits(GroupLimits {
                concurrency,
                rate_limit,
            })) => {
                let rate = rate_limit
                    .map(|r| r.limit("groups.rateLimit"))
                    .transpose()?;
                core = core.with_groups(Some(Groups { concurrency, rate }));
            }
        }
        let mut policy = core.lease_policy();
        if let Some(max) = self.max_deliveries {
            if max == 0 {
                return Err(js_sys::RangeError::new("maxDeliveries must be at least 1").into());
            }
            policy.max_deliveries = max;
        }
        if let Some(backoff) = self.backoff {
            let defaults = Backoff::default();
            policy.backoff = Backoff {
                base: match backoff.base {
                    Some(ms) => duration(ms, 1000.0, "backoff.base (ms)")?,
                    None => defaults.base,
                },
                cap: match backoff.cap {
                    Some(ms) => duration(ms, 1000.0, "backoff.cap (ms)")?,
                    None => defaults.cap,
                },
            };
        }
        Ok(core.with_lease_policy(policy))
    }
}
