//! How the API answers: JSON that no cache keeps, and its refusals and failures as
//! `{ error: { code, message } }` with a status and a stable code (listed in
//! `src/dashboard/api.js`), the same as the Node host's.

use axum::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::exit::Failure;

/// A JSON answer with `status`.
pub fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [
                (CONTENT_TYPE, "application/json; charset=utf-8"),
                (CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        // Only maps with non-string keys fail to serialize; the API has none.
        Err(err) => ApiError::internal(format!("cannot write JSON: {err}")).into_response(),
    }
}

/// A request refused, or one that failed: its status, a stable code, and a message for
/// a person.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a ErrorView,
}

/// An error as the API's JSON gives it: `{ code, message }`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    /// A stable code.
    pub code: &'static str,
    /// What happened, for a person.
    pub message: String,
}

impl ErrorView {
    /// A failed read of a set, as `api/sets` reports it: the error's class as the npm
    /// package names it (`ReplyError`, `ConnectionError`, …) and its message.
    pub fn of(failure: &Failure) -> ErrorView {
        match failure {
            Failure::Redis(err) => ErrorView {
                code: err.class_name(),
                message: err.to_string(),
            },
            other => ErrorView {
                code: "Error",
                message: other.to_string(),
            },
        }
    }
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: String) -> ApiError {
        ApiError {
            status,
            code,
            message,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message.into())
    }

    /// 401: no token, or the wrong one.
    pub fn unauthorized(message: String) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: no changes at all (no token was given at start).
    pub fn read_only() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "read-only",
            "this dashboard is read-only: start it with a token to allow changes".into(),
        )
    }

    /// 403: a change from another origin, or a cross-site request.
    pub fn forbidden_origin(message: String) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden-origin", message)
    }

    /// 404: no such page, route or set.
    pub fn not_found(message: String) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    /// 413: the body is over the limit.
    pub fn too_large(message: String) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", message)
    }

    /// 500: the host itself failed.
    pub fn internal(message: String) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The stable code.
    #[cfg(test)]
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl From<redset::Error> for ApiError {
    /// Redis (or the connection to it) failed: 502, with the error's class as the npm
    /// package names it.
    fn from(err: redset::Error) -> Self {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "redis",
            format!("{}: {err}", err.class_name()),
        )
    }
}

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Redis(err) => err.into(),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = ErrorView {
            code: self.code,
            message: self.message,
        };
        let mut response = json(self.status, &ErrorBody { error: &error });
        if self.status.is_server_error() {
            response.extensions_mut().insert(Failed(error.message));
        }
        response
    }
}

/// Why the host failed to answer (a 5xx), for the log.
#[derive(Debug, Clone)]
pub struct Failed(pub String);

/// 405, saying which methods the path takes (`GET, HEAD` or `POST`).
pub fn method_not_allowed(allow: &'static str, asked: &str) -> Response {
    let use_instead = allow.split(',').next().unwrap_or(allow);
    let refusal = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!("{asked} is not allowed here; use {use_instead}"),
    );
    ([(ALLOW, allow)], refusal).into_response()
}
