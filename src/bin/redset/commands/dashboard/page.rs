//! The dashboard's page: the files of `src/dashboard/`, compiled into the binary, served
//! as they are (the Node host serves the same files from the npm package).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, MethodRouter};
use axum::Router;

use super::routes::or_refuse;

/// A file of the page: where it is served, its type, and its text.
struct File {
    path: &'static str,
    content_type: &'static str,
    text: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const SCRIPT: &str = "text/javascript; charset=utf-8";

/// A file of `src/dashboard/`, served at `path`.
macro_rules! file {
    ($path:literal, $name:literal, $content_type:expr) => {
        File {
            path: $path,
            content_type: $content_type,
            text: include_str!(concat!("../../../../dashboard/", $name)),
        }
    };
}

static FILES: [File; 7] = [
    file!("/", "index.html", HTML),
    file!("/index.html", "index.html", HTML),
    file!("/app.css", "app.css", "text/css; charset=utf-8"),
    file!("/app.js", "app.js", SCRIPT),
    file!("/api.js", "api.js", SCRIPT),
    file!("/chart.js", "chart.js", SCRIPT),
    file!("/render.js", "render.js", SCRIPT),
];

/// A route per file, for GET and HEAD; the browser asks again before using a copy.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    FILES.iter().fold(Router::new(), |router, file| {
        let serve: MethodRouter<S> = get(move || async move {
            (
                [
                    (CONTENT_TYPE, file.content_type),
                    (CACHE_CONTROL, "no-cache"),
                ],
                file.text,
            )
                .into_response()
        });
        router.route(file.path, or_refuse(serve, "GET, HEAD"))
    })
}
