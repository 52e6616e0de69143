//! The API's changes — requeue, purge, recover, pause, resume — each asked as a [`SetChange`] (the
//! set, the guard's leave, the body), made through the same reads and writes as the
//! CLI's commands (counted in the server-side counters of a set that counts), logged,
//! answered with what it changed, and followed by a fresh reading of the set so that
//! the page shows its effect at once.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use super::extract::SetChange;
use super::reply::{json, ApiError};
use super::views::member_id;
use super::Dashboard;
use crate::commands::requeue;
use crate::render;
use crate::set::OpSet;

/// What a change did: the API's answer, and the log's line.
trait Changed: Serialize {
    /// What was done to `set`, for the log.
    fn describe(&self, set: &str) -> String;
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Requeued {
    requeued: u64,
    /// Asked for, but no longer dead (requeued or purged meanwhile by someone else).
    not_found: u64,
}

impl Changed for Requeued {
    fn describe(&self, set: &str) -> String {
        let letters = render::count(self.requeued, "dead letter", "dead letters");
        match self.not_found {
            0 => format!("requeued {letters} of {set:?}"),
            gone => format!("requeued {letters} of {set:?} ({gone} no longer dead)"),
        }
    }
}

#[derive(Serialize)]
struct Purged {
    purged: u64,
}

impl Changed for Purged {
    fn describe(&self, set: &str) -> String {
        let letters = render::count(self.purged, "dead letter", "dead letters");
        format!("purged {letters} of {set:?}")
    }
}

/// `{ requeued, dead }`.
#[derive(Serialize)]
#[serde(transparent)]
struct Recovered(redset::Recovered);

impl Changed for Recovered {
    fn describe(&self, set: &str) -> String {
        let Recovered(redset::Recovered { requeued, dead }) = self;
        format!("recovered the expired leases of {set:?}: {requeued} requeued, {dead} to the dead letters")
    }
}

/// `{ paused, changed }`: the set's state after a pause or a resume, and whether it was
/// otherwise before.
#[derive(Serialize)]
struct Paused {
    paused: bool,
    changed: bool,
}

impl Changed for Paused {
    fn describe(&self, set: &str) -> String {
        match (self.paused, self.changed) {
            (true, true) => format!("paused {set:?}"),
            (true, false) => format!("paused {set:?} (it was paused already)"),
            (false, true) => format!("resumed {set:?}"),
            (false, false) => format!("resumed {set:?} (it was not paused)"),
        }
    }
}

/// Which dead letters a requeue asks for.
enum Choice {
    All,
    /// By id (the member in base64), each once.
    Ids(HashSet<String>),
}

impl Choice {
    /// `{ all: true }` or `{ ids: [id…] }`, nothing else.
    fn of(body: &Map<String, Value>) -> Result<Choice, ApiError> {
        let not_ids =
            || ApiError::bad_request("\"ids\" must be a non-empty array of dead-letter ids");
        match (body.get("all"), body.get("ids")) {
            (Some(Value::Bool(true)), None) => Ok(Choice::All),
            (None, Some(Value::Array(ids))) if !ids.is_empty() => ids
                .iter()
                .map(|id| id.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .map(Choice::Ids)
                .ok_or_else(not_ids),
            (None, Some(_)) => Err(not_ids()),
            _ => Err(ApiError::bad_request(
                "give either \"all\": true or \"ids\": [...]",
            )),
        }
    }
}

/// `POST api/sets/{set}/requeue` with `{ all: true }` or `{ ids: [...] }`: dead letters
/// back into the set, with their scores.
pub async fn requeue(
    State(dashboard): State<Arc<Dashboard>>,
    asked: SetChange,
) -> Result<Response, ApiError> {
    let choice = Choice::of(&asked.body)?;
    dashboard
        .change(asked, |set| async move {
            let letters = set.dead_letters().await?;
            let chosen: Vec<Vec<u8>> = letters
                .iter()
                .map(|letter| letter.member())
                .filter(|member| match &choice {
                    Choice::All => true,
                    Choice::Ids(ids) => ids.contains(&member_id(member)),
                })
                .map(<[u8]>::to_vec)
                .collect();
            let requeued = match chosen.is_empty() {
                true => 0,
                false => requeue::requeue(&set, &chosen).await?,
            };
            let asked = match &choice {
                Choice::All => chosen.len(),
                Choice::Ids(ids) => ids.len(),
            };
            Ok(Requeued {
                requeued,
                not_found: (asked as u64).saturating_sub(requeued),
            })
        })
        .await
}

/// `POST api/sets/{set}/purge`: every dead letter deleted.
pub async fn purge(
    State(dashboard): State<Arc<Dashboard>>,
    asked: SetChange,
) -> Result<Response, ApiError> {
    dashboard
        .change(asked, |set| async move {
            Ok(Purged {
                purged: set.purge().await?,
            })
        })
        .await
}

/// `POST api/sets/{set}/recover`: every expired lease back to the set, or to the dead
/// letters after the maximum deliveries of the set's consumers (or `--max-deliveries`).
pub async fn recover(
    State(dashboard): State<Arc<Dashboard>>,
    asked: SetChange,
) -> Result<Response, ApiError> {
    dashboard
        .change(
            asked,
            |set| async move { Ok(Recovered(set.recover().await?)) },
        )
        .await
}

/// `POST api/sets/{set}/pause`: no consumer is handed an item until a resume.
pub async fn pause(
    State(dashboard): State<Arc<Dashboard>>,
    asked: SetChange,
) -> Result<Response, ApiError> {
    dashboard.set_paused(asked, true).await
}

/// `POST api/sets/{set}/resume`: the set's consumers are handed items again.
pub async fn resume(
    State(dashboard): State<Arc<Dashboard>>,
    asked: SetChange,
) -> Result<Response, ApiError> {
    dashboard.set_paused(asked, false).await
}

impl Dashboard {
    /// Pauses or resumes the set, saying whether that changed its state.
    async fn set_paused(&self, asked: SetChange, paused: bool) -> Result<Response, ApiError> {
        self.change(asked, |set| async move {
            let was = set.stats().await?.paused;
            match paused {
                true => set.pause().await?,
                false => set.resume().await?,
            }
            Ok(Paused {
                paused,
                changed: was != paused,
            })
        })
        .await
    }

    /// Changes the set with `make`: the set's reads forgotten before and after, the
    /// change logged, and the set read again so that the page shows it at once. The
    /// set recovers with its consumers' maximum deliveries (or `--max-deliveries`), and
    /// counts its changes if it counts.
    async fn change<F, R, T>(&self, asked: SetChange, make: F) -> Result<Response, ApiError>
    where
        F: FnOnce(OpSet) -> R,
        R: Future<Output = Result<T, ApiError>>,
        T: Changed,
    {
        let SetChange { entry, change, .. } = asked;
        self.shared.forget(&entry.name);
        let conn = self.context.redis.conn().await?;
        let (set, _, _) = OpSet::of_kind(conn, &entry.name, entry.kind)
            .recovering_as_its_consumers(self.max_deliveries)
            .await?;
        let changed = make(set).await?;
        self.shared.forget(&entry.name);
        self.log(&change.peer, &changed.describe(&entry.name));
        self.sampler.sample_set(&self.context.redis, &entry).await;
        Ok(json(StatusCode::OK, &changed))
    }
}
