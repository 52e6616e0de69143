//! The API's reads of one set: its next items, its leases, its dead letters (searched
//! by text), its groups — read when asked, shared by the requests within a second —
//! and its history, kept by the sampler.

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::extract::{Params, SetEntry};
use super::registry::Entry;
use super::reply::{json, ApiError};
use super::views::{DeadLetterView, EntryView, GroupView, LeaseView};
use super::Dashboard;
use crate::set::OpSet;

/// The most rows a read lists.
const MAX_ROWS: usize = 1000;

#[derive(Serialize)]
struct Items {
    items: Vec<EntryView>,
}

#[derive(Serialize)]
struct Leases {
    leases: Vec<LeaseView>,
}

#[derive(Serialize)]
struct Groups {
    groups: Vec<GroupView>,
}

#[derive(Serialize)]
struct DeadLetters {
    total: usize,
    matched: usize,
    letters: Vec<DeadLetterView>,
}

/// `GET api/sets/{set}/items?count=20`: the next eligible items, not removed.
pub async fn items(
    State(dashboard): State<Arc<Dashboard>>,
    SetEntry(entry): SetEntry,
    params: Params,
) -> Result<Response, ApiError> {
    let count = params.count("count", 20, 1, MAX_ROWS)?;
    let asked = format!("items {count}");
    dashboard
        .read_shared(&entry, asked, |set| async move {
            let items = set
                .peek(0, count)
                .await?
                .iter()
                .map(EntryView::from)
                .collect();
            Ok(Items { items })
        })
        .await
}

/// `GET api/sets/{set}/in-flight?limit=100`: the leases, earliest deadline first.
pub async fn in_flight(
    State(dashboard): State<Arc<Dashboard>>,
    SetEntry(entry): SetEntry,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.count("limit", 100, 1, MAX_ROWS)?;
    let asked = format!("in-flight {limit}");
    dashboard
        .read_shared(&entry, asked, |set| async move {
            let leases = set
                .in_flight(limit)
                .await?
                .iter()
                .map(LeaseView::from)
                .collect();
            Ok(Leases { leases })
        })
        .await
}

/// `GET api/sets/{set}/dead?q=&limit=100`: the dead letters, oldest first, whose item
/// or reason holds `q` (any case).
pub async fn dead(
    State(dashboard): State<Arc<Dashboard>>,
    SetEntry(entry): SetEntry,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.count("limit", 100, 1, MAX_ROWS)?;
    let q = params.text("q").to_lowercase();
    let asked = format!("dead {limit} {q}");
    dashboard
        .read_shared(&entry, asked, |set| async move {
            let letters: Vec<DeadLetterView> = set
                .dead_letters()
                .await?
                .iter()
                .map(DeadLetterView::from)
                .collect();
            let total = letters.len();
            let mut matched: Vec<DeadLetterView> =
                letters.into_iter().filter(|l| l.matches(&q)).collect();
            let count = matched.len();
            matched.truncate(limit);
            Ok(DeadLetters {
                total,
                matched: count,
                letters: matched,
            })
        })
        .await
}

/// `GET api/sets/{set}/groups?limit=100`: a grouped set's figures per group, those
/// with waiting items first (none for a set without groups).
pub async fn groups(
    State(dashboard): State<Arc<Dashboard>>,
    SetEntry(entry): SetEntry,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.count("limit", 100, 1, MAX_ROWS)?;
    let asked = format!("groups {limit}");
    dashboard
        .read_shared(&entry, asked, |set| async move {
            let groups = set
                .groups(limit)
                .await?
                .iter()
                .map(GroupView::from)
                .collect();
            Ok(Groups { groups })
        })
        .await
}

/// `GET api/sets/{set}/history`: the figures over the last hour, a point per step
/// (`null` before the set's first read).
pub async fn history(
    State(dashboard): State<Arc<Dashboard>>,
    SetEntry(entry): SetEntry,
) -> Response {
    dashboard.sampler.ready().await;
    json(StatusCode::OK, &dashboard.sampler.history(&entry.name))
}

impl Dashboard {
    /// Answers with `read(set)`'s result, or with that of the same read by a request
    /// within the last second.
    async fn read_shared<F, R, T>(
        &self,
        entry: &Entry,
        asked: String,
        read: F,
    ) -> Result<Response, ApiError>
    where
        F: FnOnce(OpSet) -> R,
        R: Future<Output = Result<T, ApiError>>,
        T: Serialize,
    {
        let answer = self
            .shared
            .read(&entry.name, asked, || async {
                let conn = self.context.redis.conn().await?;
                let value = read(OpSet::of_kind(conn, &entry.name, entry.kind)).await?;
                serde_json::to_value(value)
                    .map_err(|err| ApiError::internal(format!("cannot write JSON: {err}")))
            })
            .await?;
        Ok(json(StatusCode::OK, &answer))
    }
}
