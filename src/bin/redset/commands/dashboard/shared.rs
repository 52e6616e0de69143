//! Reads of one set's details — next items, leases, dead letters — shared by the
//! requests within a second, so that several open pages do not multiply the commands
//! sent. A change made through the dashboard forgets the set's reads.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::reply::ApiError;

/// How long a read's answer is given to the requests that ask the same.
const SHARE_FOR: Duration = Duration::from_secs(1);

type Outcome = Result<Value, ApiError>;

/// A read: when it was first asked, and its outcome once there is one.
struct Read {
    at: Instant,
    outcome: Arc<OnceCell<Outcome>>,
}

/// The set and what was asked of it (the read and its parameters).
type Asked = (String, String);

/// The reads under way or answered within [`SHARE_FOR`], by set and what was asked.
#[derive(Default)]
pub struct SharedReads {
    reads: Mutex<HashMap<Asked, Read>>,
}

impl SharedReads {
    fn reads(&self) -> MutexGuard<'_, HashMap<Asked, Read>> {
        // Every change to the map is one call that cannot panic: keep using it.
        self.reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer to `asked` (what and with which parameters) of `set`: one being read
    /// or read within the last second, else `read()`'s. A failure is not shared on.
    pub async fn read<F, R>(&self, set: &str, asked: String, read: F) -> Outcome
    where
        F: FnOnce() -> R,
        R: Future<Output = Outcome>,
    {
        let cell = {
            let mut reads = self.reads();
            let now = Instant::now();
            reads.retain(|_, kept| now.duration_since(kept.at) <= SHARE_FOR);
            let read = reads
                .entry((set.to_owned(), asked))
                .or_insert_with(|| Read {
                    at: now,
                    outcome: Arc::default(),
                });
            read.outcome.clone()
        };
        let outcome = cell.get_or_init(read).await.clone();
        if outcome.is_err() {
            self.reads()
                .retain(|_, kept| !Arc::ptr_eq(&kept.outcome, &cell));
        }
        outcome
    }

    /// Forgets every read of `set`: it was changed.
    pub fn forget(&self, set: &str) {
        self.reads().retain(|(name, _), _| name != set);
    }
}
