//! Who may change data. Read-only unless the dashboard was given a token. Every change
//! is a POST that carries the header X-Redset-Token with the token — which a page of
//! another origin cannot send without a CORS preflight that this host never grants —
//! and a browser's Origin (or its Sec-Fetch-Site) must be this host's own, or one
//! allowed with `--origin`.

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Uri};
use ring::digest::{digest, Digest, SHA256};
use subtle::ConstantTimeEq;

use super::reply::ApiError;
use crate::exit::Failure;

/// The header that carries the token.
pub const TOKEN_HEADER: &str = "x-redset-token";
/// The shortest token taken: guessing one of 16 random characters is out of reach.
const MIN_TOKEN_LENGTH: usize = 16;

/// The write token (as its digest, so that comparing takes the same time whatever the
/// length given) and the origins allowed besides the host's own.
pub struct Guard {
    token: Option<Digest>,
    origins: Vec<String>,
}

impl Guard {
    /// From `--token` and `--origin`: a short token or an origin that is not
    /// `scheme://host[:port]` is a usage error.
    pub fn new(token: Option<&str>, origins: &[String]) -> Result<Guard, Failure> {
        if let Some(token) = token {
            if token.chars().count() < MIN_TOKEN_LENGTH {
                return Err(Failure::Usage(format!(
                    "the token must be at least {MIN_TOKEN_LENGTH} characters (e.g. `openssl rand -base64 24`)"
                )));
            }
        }
        let origins = origins
            .iter()
            .map(|origin| {
                origin_of(origin).ok_or_else(|| {
                    Failure::Usage(format!(
                        "--origin {origin:?} is not an origin such as https://ops.example.com"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Guard {
            token: token.map(|t| digest(&SHA256, t.as_bytes())),
            origins,
        })
    }

    /// Whether changes are allowed at all (to requests with the token).
    pub fn allows_writes(&self) -> bool {
        self.token.is_some()
    }

    /// The API's `writes`: `token` (changes with the token) or `off` (read-only).
    pub fn mode(&self) -> &'static str {
        if self.allows_writes() {
            "token"
        } else {
            "off"
        }
    }

    /// Who may change what, for the line printed at start.
    pub fn describe(&self) -> &'static str {
        if self.allows_writes() {
            "changes allowed with the token"
        } else {
            "read-only (no token given)"
        }
    }

    /// Refuses a change unless it is allowed, from an allowed origin, with the token.
    pub fn check_write(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Err(ApiError::read_only());
        };
        self.check_origin(headers)?;
        let given = headers
            .get(TOKEN_HEADER)
            .map(|value| value.as_bytes())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(format!("a change needs the {TOKEN_HEADER} header"))
            })?;
        let given = digest(&SHA256, given);
        if !bool::from(given.as_ref().ct_eq(token.as_ref())) {
            return Err(ApiError::unauthorized("the token is wrong".into()));
        }
        Ok(())
    }

    fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let text = |value: &axum::http::HeaderValue| {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        if let Some(origin) = headers.get(ORIGIN).map(text) {
            let own = headers.get(HOST).map(text);
            let same_host = origin_of(&origin)
                .and_then(|o| o.split_once("://").map(|(_, host)| host.to_owned()))
                .is_some_and(|host| Some(host) == own.map(|h| h.to_ascii_lowercase()));
            if same_host || self.origins.contains(&origin) {
                return Ok(());
            }
            return Err(ApiError::forbidden_origin(format!(
                "requests from {origin} may not change data here"
            )));
        }
        // No Origin: not a browser's cross-site request, unless its fetch metadata says so.
        match headers.get("sec-fetch-site").map(text).as_deref() {
            None | Some("same-origin" | "none") => Ok(()),
            Some(site) => Err(ApiError::forbidden_origin(format!(
                "a {site} request may not change data here"
            ))),
        }
    }
}

/// `scheme://host[:port]` in lower case, if `text` is an origin (or a URL of one).
fn origin_of(text: &str) -> Option<String> {
    let uri: Uri = text.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?.as_str().to_ascii_lowercase();
    if authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    const TOKEN: &str = "a-token-of-twenty-chars";

    #[test]
    fn a_change_needs_the_token_from_an_allowed_origin() {
        let guard = Guard::new(Some(TOKEN), &["https://Ops.example.com".into()]).unwrap();
        let host = ("host", "127.0.0.1:8080");
        let allowed = [
            vec![host, (TOKEN_HEADER, TOKEN)],
            vec![
                host,
                (TOKEN_HEADER, TOKEN),
                ("origin", "http://127.0.0.1:8080"),
            ],
            vec![
                host,
                (TOKEN_HEADER, TOKEN),
                ("origin", "https://ops.example.com"),
            ],
            vec![
                host,
                (TOKEN_HEADER, TOKEN),
                ("sec-fetch-site", "same-origin"),
            ],
        ];
        for pairs in allowed {
            assert!(guard.check_write(&headers(&pairs)).is_ok(), "{pairs:?}");
        }
        let refused = [
            (vec![host], "unauthorized"),
            (vec![host, (TOKEN_HEADER, "")], "unauthorized"),
            (
                vec![host, (TOKEN_HEADER, "not-the-token-at-all")],
                "unauthorized",
            ),
            (
                vec![host, (TOKEN_HEADER, TOKEN), ("origin", "null")],
                "forbidden-origin",
            ),
            (
                vec![
                    host,
                    (TOKEN_HEADER, TOKEN),
                    ("origin", "http://127.0.0.1:9090"),
                ],
                "forbidden-origin",
            ),
            (
                vec![
                    host,
                    (TOKEN_HEADER, TOKEN),
                    ("sec-fetch-site", "cross-site"),
                ],
                "forbidden-origin",
            ),
        ];
        for (pairs, code) in refused {
            let err = guard.check_write(&headers(&pairs)).unwrap_err();
            assert_eq!(err.code(), code, "{pairs:?}");
        }
    }

    #[test]
    fn without_a_token_it_is_read_only_and_a_short_one_is_refused() {
        let guard = Guard::new(None, &[]).unwrap();
        assert_eq!(guard.mode(), "off");
        let err = guard
            .check_write(&headers(&[(TOKEN_HEADER, TOKEN)]))
            .unwrap_err();
        assert_eq!(err.code(), "read-only");
        assert!(matches!(
            Guard::new(Some("short"), &[]),
            Err(Failure::Usage(_))
        ));
        assert!(matches!(
            Guard::new(None, &["ops.example.com".into()]),
            Err(Failure::Usage(_))
        ));
    }
}
