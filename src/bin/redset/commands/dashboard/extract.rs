//! What the API's handlers take from a request, each refused with the API's typed
//! error: the set named in the path, the query's parameters, the right to change data
//! (the guard's check and who asked), a JSON object body, and a change of a set made of
//! the three — refused for its set (404) before its token (401/403), and for its token
//! before its body (400/413), as the Node host does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode};
use serde_json::{Map, Value};

use super::registry::Entry;
use super::reply::ApiError;
use super::Dashboard;

/// The largest body taken (a requeue's ids).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The set named in the path (`api/sets/{set}/…`, percent-decoded), if shown.
pub struct SetEntry(pub Entry);

impl FromRequestParts<Arc<Dashboard>> for SetEntry {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        dashboard: &Arc<Dashboard>,
    ) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, dashboard)
            .await
            .map_err(|_| ApiError::bad_request("the set name is not valid percent-encoding"))?;
        dashboard
            .registry
            .get(&name)
            .map(SetEntry)
            .ok_or_else(|| ApiError::not_found(format!("no set {name:?} on this dashboard")))
    }
}

/// The query's parameters.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::try_from_uri(&parts.uri)
            .map(|Query(params)| Params(params))
            .map_err(|err| ApiError::bad_request(format!("the query is not valid: {err}")))
    }
}

impl Params {
    /// The text of `name`, empty if absent.
    pub fn text(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The integer `name` within `min..=max`, `fallback` if absent.
    pub fn count(
        &self,
        name: &str,
        fallback: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ApiError> {
        let Some(text) = self.0.get(name) else {
            return Ok(fallback);
        };
        text.trim()
            .parse()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("{name:?} must be an integer from {min} to {max}"))
            })
    }
}

/// A change allowed by the guard, and who asks for it (for the log).
pub struct Change {
    /// The peer's address.
    pub peer: String,
}

impl FromRequestParts<Arc<Dashboard>> for Change {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        dashboard: &Arc<Dashboard>,
    ) -> Result<Self, ApiError> {
        dashboard.guard.check_write(&parts.headers)?;
        Ok(Change {
            peer: peer(&parts.extensions),
        })
    }
}

/// The address of whoever asks, as the server saw it, for the log.
pub fn peer(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "-".to_owned(), |ConnectInfo(peer)| peer.to_string())
}

/// The body: a JSON object, at most [`MAX_BODY_BYTES`]; no body is `{}`.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        ApiError::too_large(format!("the body is over {MAX_BODY_BYTES} bytes"))
                    }
                    _ => ApiError::bad_request(rejection.body_text()),
                })?;
        let not_json = || ApiError::bad_request("the body is not JSON");
        let text = std::str::from_utf8(&bytes).map_err(|_| not_json())?.trim();
        if text.is_empty() {
            return Ok(JsonObject(Map::new()));
        }
        match serde_json::from_str(text).map_err(|_| not_json())? {
            Value::Object(object) => Ok(JsonObject(object)),
            _ => Err(ApiError::bad_request("the body must be a JSON object")),
        }
    }
}

/// A change asked of a set: the set, the guard's leave, and the body, taken in that
/// order.
pub struct SetChange {
    /// The set.
    pub entry: Entry,
    /// Who asks, allowed to.
    pub change: Change,
    /// The body.
    pub body: Map<String, Value>,
}

impl FromRequest<Arc<Dashboard>> for SetChange {
    type Rejection = ApiError;

    async fn from_request(request: Request, dashboard: &Arc<Dashboard>) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let SetEntry(entry) = SetEntry::from_request_parts(&mut parts, dashboard).await?;
        let change = Change::from_request_parts(&mut parts, dashboard).await?;
        let request = Request::from_parts(parts, body);
        let JsonObject(body) = JsonObject::from_request(request, dashboard).await?;
        Ok(SetChange {
            entry,
            change,
            body,
        })
    }
}
