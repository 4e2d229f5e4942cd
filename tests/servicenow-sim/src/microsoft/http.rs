//! HTTP plumbing of the Microsoft simulator: the middleware around every
//! route (Graph's gate for throttling, slowness and the concurrency counter;
//! the request log; the response ids both services send), and small response
//! helpers (JSON, HTML, redirects, cookies) shared by identity and Graph.

use crate::microsoft::graph;
use crate::microsoft::state::{ErrorCode, GrantType, MsRequestRecord, MsState, guid};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

/// A JSON body with the given content type.
pub fn json(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An HTML page (200), optionally tagged with the AADSTS code it shows.
pub fn page(html: String, code: Option<u32>) -> Response {
    let mut resp = Html(html).into_response();
    no_cache(resp.headers_mut());
    if let Some(c) = code {
        resp.extensions_mut().insert(ErrorCode(c));
    }
    resp
}

/// `302 Found` to `location`.
pub fn found(location: &str) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    no_cache(resp.headers_mut());
    resp
}

pub fn no_cache(h: &mut HeaderMap) {
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Add a `Set-Cookie` (an empty value clears the cookie).
pub fn set_cookie(resp: &mut Response, name: &str, value: &str) {
    let expiry = if value.is_empty() { "; Max-Age=0" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{expiry}"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The client's `client-request-id`, or a new one.
pub fn client_request_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .unwrap_or_else(guid)
}

/// Query parameters whose values never go into the request log.
const SECRET_PARAMS: [&str; 7] = [
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "client_assertion",
    "passwd",
    "password",
];

/// A query string with the values of [`SECRET_PARAMS`] replaced by `***`.
pub fn redact(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The middleware around every route.
pub async fn middleware(State(app): State<MsState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(redact);
    let at = app.clock.now();
    let is_graph = path.starts_with("/v1.0/") || path.starts_with("/beta/");
    let mut resp = if is_graph {
        graph::gate(&app, req, next).await
    } else {
        next.run(req).await
    };
    let grant_type = resp.extensions().get::<GrantType>().map(|g| g.0.clone());
    let error_code = resp.extensions().get::<ErrorCode>().map(|c| c.0);
    if !is_graph
        && !resp.headers().contains_key("x-ms-request-id")
        && let Ok(v) = HeaderValue::from_str(&guid())
    {
        resp.headers_mut().insert("x-ms-request-id", v);
    }
    app.lock().requests.push(MsRequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        at,
        grant_type,
        error_code,
    });
    resp
}
