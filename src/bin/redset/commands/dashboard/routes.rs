//! The dashboard's routes — the page's files and the JSON API of `src/dashboard/api.js`
//! — with the Node host's answers to anything else: 404 for an unknown path, 405 (and
//! the methods allowed) for a known one asked with another method, each a typed JSON
//! error; and on every answer the headers that keep the page to itself (its own
//! scripts only, in no other site's frame).

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::Serialize;

use super::extract::{peer, Change, MAX_BODY_BYTES};
use super::history::Flow;
use super::reply::{json, method_not_allowed, ApiError, ErrorView, Failed};
use super::views::{epoch_ms, kind_name, StatsView};
use super::{page, reads, writes, Dashboard};

/// The methods of a read, and of a change.
const READ: &str = "GET, HEAD";
const CHANGE: &str = "POST";

const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Every route of the dashboard, over its state.
pub fn router(dashboard: Arc<Dashboard>) -> Router {
    let read = |route: MethodRouter<Arc<Dashboard>>| or_refuse(route, READ);
    let change = |route: MethodRouter<Arc<Dashboard>>| or_refuse(route, CHANGE);
    Router::new()
        .route("/api/sets", read(get(overview)))
        .route("/api/session", change(post(session)))
        .route("/api/sets/{set}/items", read(get(reads::items)))
        .route("/api/sets/{set}/in-flight", read(get(reads::in_flight)))
        .route("/api/sets/{set}/dead", read(get(reads::dead)))
        .route("/api/sets/{set}/groups", read(get(reads::groups)))
        .route("/api/sets/{set}/history", read(get(reads::history)))
        .route("/api/sets/{set}/requeue", change(post(writes::requeue)))
        .route("/api/sets/{set}/purge", change(post(writes::purge)))
        .route("/api/sets/{set}/recover", change(post(writes::recover)))
        .route("/api/sets/{set}/pause", change(post(writes::pause)))
        .route("/api/sets/{set}/resume", change(post(writes::resume)))
        .merge(page::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::map_response(with_security_headers))
        .layer(middleware::from_fn_with_state(
            dashboard.clone(),
            log_failures,
        ))
        .with_state(dashboard)
}

/// The route, refusing any other method than those in `allow` with a 405.
pub fn or_refuse<S>(route: MethodRouter<S>, allow: &'static str) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route.fallback(move |method: Method| async move { method_not_allowed(allow, method.as_str()) })
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("nothing at {}", uri.path()))
}

/// Logs the requests the host failed to answer (Redis out of reach, say).
async fn log_failures(
    State(dashboard): State<Arc<Dashboard>>,
    request: Request,
    next: Next,
) -> Response {
    let asked = format!("{} {}", request.method(), request.uri());
    let peer = peer(request.extensions());
    let response = next.run(request).await;
    if let Some(Failed(why)) = response.extensions().get::<Failed>() {
        dashboard.log(&peer, &format!("{asked} failed: {why}"));
    }
    response
}

async fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Overview {
    writes: &'static str,
    refresh_ms: u128,
    now: u64,
    sets: Vec<SetSummary>,
}

/// A set's latest figures: `stats` null before its first read, `error` the last read's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SetSummary {
    name: String,
    kind: &'static str,
    kind_guessed: bool,
    stats: Option<StatsView>,
    flow: Option<Flow>,
    error: Option<ErrorView>,
    sampled_at: Option<u64>,
}

/// `GET api/sets`: every set and its latest figures, as the sampler read them.
async fn overview(State(dashboard): State<Arc<Dashboard>>) -> Response {
    dashboard.sampler.ready().await;
    let sets = dashboard
        .registry
        .list()
        .into_iter()
        .map(|entry| {
            let latest = dashboard.sampler.latest(&entry.name);
            let reading = latest.as_ref().and_then(|l| l.reading);
            SetSummary {
                kind: kind_name(entry.kind.kind),
                kind_guessed: entry.kind_guessed(),
                stats: reading.map(|r| StatsView::from(&r.stats)),
                flow: latest.as_ref().and_then(|l| l.flow),
                error: latest.and_then(|l| l.error),
                sampled_at: reading.map(|r| r.at_ms),
                name: entry.name,
            }
        })
        .collect();
    let overview = Overview {
        writes: dashboard.guard.mode(),
        refresh_ms: dashboard.sampler.refresh().as_millis(),
        now: epoch_ms(SystemTime::now()),
        sets,
    };
    json(StatusCode::OK, &overview)
}

#[derive(Serialize)]
struct Session {
    writes: &'static str,
}

/// `POST api/session`: checks the token (the [`Change`] extractor), changes nothing.
async fn session(State(dashboard): State<Arc<Dashboard>>, _: Change) -> Response {
    json(
        StatusCode::OK,
        &Session {
            writes: dashboard.guard.mode(),
        },
    )
}
