//! Microsoft Graph's Secure Score endpoints as `servicenow-api.md` §5
//! describes them: `/v1.0` and `/beta` `security/secureScoreControlProfiles`
//! and `security/secureScores` (lists with `$top`, `$skip`, a simple
//! `$filter` and `$count`, pages of at most 100 with an absolute
//! `@odata.nextLink`; single items by id). Bearer tokens from the identity
//! side only; the scope and the user's role are checked. Also the gate every
//! Graph request passes first: the request ids, the concurrency counter, the
//! per-request delay and the 429 / 503 the handle asks for.

use crate::microsoft::http::{client_request_id, json};
use crate::microsoft::state::{GRAPH_RESOURCE, MsState, SECURE_SCORE_ROLES, guid};
use axum::extract::{Extension, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;

/// Graph's content type.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
/// The most items a page holds, whatever `$top` asks.
pub const PAGE_LIMIT: usize = 100;

/// The ids of one Graph request (headers and `innerError` use the same).
#[derive(Debug, Clone)]
pub struct GraphIds {
    pub request_id: String,
    pub client_request_id: String,
}

/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`
pub fn graph_error(
    app: &MsState,
    ids: &GraphIds,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": app.clock.now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": ids.request_id,
                "client-request-id": ids.client_request_id,
            }
        }
    });
    json(status, GRAPH_JSON, &body)
}

/// Every Graph request passes here first.
pub async fn gate(app: &MsState, mut req: Request, next: Next) -> Response {
    let _in_flight = app.load.enter();
    let ids = GraphIds {
        request_id: guid(),
        client_request_id: client_request_id(req.headers()),
    };
    let (slow, failure) = {
        let mut s = app.lock();
        let failure = if s.rate_limit.remaining > 0 {
            s.rate_limit.remaining -= 1;
            Some((StatusCode::TOO_MANY_REQUESTS, s.rate_limit.retry_after))
        } else if s.unavailable.remaining > 0 {
            s.unavailable.remaining -= 1;
            Some((StatusCode::SERVICE_UNAVAILABLE, s.unavailable.retry_after))
        } else {
            None
        };
        (s.slow, failure)
    };
    if !slow.is_zero() {
        tokio::time::sleep(slow).await;
    }
    let mut resp = match failure {
        Some((status, retry_after)) => {
            let (code, message) = if status == StatusCode::TOO_MANY_REQUESTS {
                (
                    "TooManyRequests",
                    "Too many requests from this application for this tenant. Please try again later.",
                )
            } else {
                (
                    "ServiceUnavailable",
                    "The service is temporarily unavailable. Please try again later.",
                )
            };
            let mut r = graph_error(app, &ids, status, code, message);
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r
        }
        None => {
            req.extensions_mut().insert(ids.clone());
            next.run(req).await
        }
    };
    let h = resp.headers_mut();
    for (name, value) in [
        ("request-id", ids.request_id.as_str()),
        ("client-request-id", ids.client_request_id.as_str()),
        (
            "x-ms-ags-diagnostic",
            r#"{"ServerInfo":{"DataCenter":"West Europe","Slice":"E","Ring":"5","ScaleUnit":"003","RoleInstance":"AM2PEPF0001D2E7"}}"#,
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    resp
}

/// The Bearer token must be live, carry `SecurityEvents.Read.All` (or
/// `ReadWrite.All`), and belong to a user with a Secure Score role.
fn check_token(app: &MsState, ids: &GraphIds, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let unauthorized = |message: &str| {
        let mut r = graph_error(
            app,
            ids,
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        );
        let base = app.lock().base_url.clone();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "Bearer realm=\"\", authorization_uri=\"{base}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""
        )) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        Box::new(r)
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = token else {
        return Err(unauthorized("Access token is empty."));
    };
    let now = app.clock.now();
    let (info, user) = {
        let s = app.lock();
        let info = s.access_tokens.get(&token).cloned();
        let user = info.as_ref().and_then(|i| s.user(&i.user).cloned());
        (info, user)
    };
    let (Some(info), Some(user)) = (info, user) else {
        return Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.",
        ));
    };
    if !info.active(now) {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let scoped = info.scopes.iter().any(|s| {
        s.strip_prefix(GRAPH_RESOURCE)
            .is_some_and(|p| p == "SecurityEvents.Read.All" || p == "SecurityEvents.ReadWrite.All")
    });
    if !scoped {
        return Err(Box::new(graph_error(
            app,
            ids,
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Missing delegated permissions: the token needs one of SecurityEvents.Read.All, SecurityEvents.ReadWrite.All.",
        )));
    }
    if !user.has_role(&SECURE_SCORE_ROLES) {
        return Err(Box::new(graph_error(
            app,
            ids,
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "User is not authorized to perform this operation. The user needs one of these roles: {}.",
                SECURE_SCORE_ROLES.join(", ")
            ),
        )));
    }
    Ok(())
}

/// Which collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Profiles,
    Scores,
}

impl Collection {
    fn name(self) -> &'static str {
        match self {
            Collection::Profiles => "secureScoreControlProfiles",
            Collection::Scores => "secureScores",
        }
    }
}

/// An item as a version serves it: beta writes a profile's `maxScore` as a string.
fn versioned(item: &Value, version: &str, collection: Collection) -> Value {
    let mut v = item.clone();
    if version == "beta"
        && collection == Collection::Profiles
        && let Some(n) = v.get("maxScore").and_then(Value::as_f64)
    {
        v["maxScore"] = Value::from(format!("{n}"));
    }
    v
}

fn bad_request(app: &MsState, ids: &GraphIds, message: &str) -> Response {
    graph_error(app, ids, StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// `GET /{version}/security/{collection}`
pub async fn list(
    State(app): State<MsState>,
    Extension(ids): Extension<GraphIds>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = check_token(&app, &ids, &headers) {
        return *r;
    }
    let (version, collection) = route_of(uri.path());
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let option = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name) || k.eq_ignore_ascii_case(&name[1..]))
            .map(|(_, v)| v.clone())
    };
    let top = match option("$top").map(|v| v.parse::<usize>()) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        Some(_) => {
            return bad_request(
                &app,
                &ids,
                &format!(
                    "Invalid value '{}' for $top query option found.",
                    option("$top").unwrap_or_default()
                ),
            );
        }
    };
    let skip = match option("$skip").map(|v| v.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return bad_request(&app, &ids, "Invalid value for $skip query option found.");
        }
    };
    let filter = match option("$filter").map(|f| parse_filter(&f)) {
        None => Vec::new(),
        Some(Ok(f)) => f,
        Some(Err(clause)) => {
            return bad_request(&app, &ids, &format!("Invalid filter clause: {clause}"));
        }
    };
    let count = option("$count").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let shared = app.lock();
    let all = match collection {
        Collection::Profiles => &shared.profiles,
        Collection::Scores => &shared.snapshots,
    };
    let items: Vec<&Value> = all.iter().filter(|v| matches_all(v, &filter)).collect();
    let size = top.unwrap_or(PAGE_LIMIT).min(PAGE_LIMIT);
    let end = skip.saturating_add(size).min(items.len());
    let page: Vec<Value> = items
        .get(skip.min(items.len())..end)
        .unwrap_or_default()
        .iter()
        .map(|v| versioned(v, version, collection))
        .collect();
    let base = shared.base_url.clone();
    let total = items.len();
    drop(shared);
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        Value::from(format!(
            "{base}/{version}/$metadata#security/{}",
            collection.name()
        )),
    );
    if count {
        body.insert("@odata.count".into(), Value::from(total));
    }
    if end < total {
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skip") && !k.eq_ignore_ascii_case("skip"))
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        q.push(format!("$skip={end}"));
        body.insert(
            "@odata.nextLink".into(),
            Value::from(format!(
                "{base}/{version}/security/{}?{}",
                collection.name(),
                q.join("&")
            )),
        );
    }
    body.insert("value".into(), Value::Array(page));
    json(StatusCode::OK, GRAPH_JSON, &Value::Object(body))
}

/// `GET /{version}/security/{collection}/{id}`
pub async fn one(
    State(app): State<MsState>,
    Extension(ids): Extension<GraphIds>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_token(&app, &ids, &headers) {
        return *r;
    }
    let (version, collection) = route_of(uri.path());
    let shared = app.lock();
    let all = match collection {
        Collection::Profiles => &shared.profiles,
        Collection::Scores => &shared.snapshots,
    };
    let found = all.iter().find(|v| v["id"].as_str() == Some(id.as_str()));
    let Some(item) = found.map(|v| versioned(v, version, collection)) else {
        drop(shared);
        return graph_error(
            &app,
            &ids,
            StatusCode::NOT_FOUND,
            "ItemNotFound",
            &format!("The {} '{id}' was not found.", collection.name()),
        );
    };
    let base = shared.base_url.clone();
    drop(shared);
    let mut item = item;
    if let Some(obj) = item.as_object_mut() {
        obj.insert(
            "@odata.context".into(),
            Value::from(format!(
                "{base}/{version}/$metadata#security/{}/$entity",
                collection.name()
            )),
        );
    }
    json(StatusCode::OK, GRAPH_JSON, &item)
}

/// Any other path under `/v1.0` or `/beta`.
pub async fn unknown(
    State(app): State<MsState>,
    Extension(ids): Extension<GraphIds>,
    uri: axum::http::Uri,
) -> Response {
    let segment = uri
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    bad_request(
        &app,
        &ids,
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// A method the resource does not take.
pub async fn method_not_allowed(
    State(app): State<MsState>,
    Extension(ids): Extension<GraphIds>,
) -> Response {
    graph_error(
        &app,
        &ids,
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

fn route_of(path: &str) -> (&'static str, Collection) {
    let version = if path.starts_with("/beta/") {
        "beta"
    } else {
        "v1.0"
    };
    let collection = if path.contains("/secureScores") {
        Collection::Scores
    } else {
        Collection::Profiles
    };
    (version, collection)
}

/// Percent-encode a query value (keys such as `$top` stay literal, as Graph writes them).
fn encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// One `field op value` clause of a `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    field: String,
    op: String,
    value: Value,
}

/// `a eq 'x' and b ne true and c ge 3`: the subset this simulator takes.
/// Returns the clause it could not read.
pub fn parse_filter(filter: &str) -> Result<Vec<Clause>, String> {
    let mut out = Vec::new();
    let mut rest = filter.trim();
    while !rest.is_empty() {
        let (field, after) = rest.split_once(' ').ok_or_else(|| rest.to_string())?;
        let after = after.trim_start();
        let (op, after) = after.split_once(' ').ok_or_else(|| rest.to_string())?;
        let op = op.to_ascii_lowercase();
        if !["eq", "ne", "gt", "ge", "lt", "le"].contains(&op.as_str()) {
            return Err(rest.to_string());
        }
        let after = after.trim_start();
        let (value, after) = if let Some(quoted) = after.strip_prefix('\'') {
            let mut s = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        s.push('\'');
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            let end = end.ok_or_else(|| rest.to_string())?;
            (Value::from(s), &quoted[end..])
        } else {
            let (word, after) = after.split_once(' ').unwrap_or((after, ""));
            let value = match word {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                w => w
                    .parse::<f64>()
                    .map(Value::from)
                    .map_err(|_| rest.to_string())?,
            };
            (value, after)
        };
        out.push(Clause {
            field: field.to_string(),
            op,
            value,
        });
        let after = after.trim_start();
        rest = match after.split_once(' ') {
            Some((and, more)) if and.eq_ignore_ascii_case("and") => more.trim_start(),
            None if after.is_empty() => "",
            _ => return Err(after.to_string()),
        };
    }
    Ok(out)
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.as_str().cmp(y.as_str())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn matches_all(item: &Value, clauses: &[Clause]) -> bool {
    clauses.iter().all(|c| {
        let field = item.get(&c.field).unwrap_or(&Value::Null);
        let ord = compare(field, &c.value);
        match c.op.as_str() {
            "eq" => ord == Some(Ordering::Equal),
            "ne" => ord != Some(Ordering::Equal),
            "gt" => ord == Some(Ordering::Greater),
            "ge" => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
            "lt" => ord == Some(Ordering::Less),
            "le" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_match() {
        let f = parse_filter("controlCategory eq 'Identity' and deprecated eq false").unwrap();
        assert_eq!(f.len(), 2);
        let item = json!({"controlCategory": "Identity", "deprecated": false, "rank": 3});
        assert!(matches_all(&item, &f));
        assert!(!matches_all(
            &json!({"controlCategory": "Data", "deprecated": false}),
            &f
        ));
        let f = parse_filter("title eq 'Don''t' and rank ge 3").unwrap();
        assert!(matches_all(&json!({"title": "Don't", "rank": 3}), &f));
        assert!(parse_filter("rank between 3").is_err());
        assert!(parse_filter("title eq 'open").is_err());
        assert!(parse_filter("a eq 1 or b eq 2").is_err());
    }
}
