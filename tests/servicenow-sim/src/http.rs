//! HTTP plumbing shared by every route: the JSON and error helpers in
//! ServiceNow's exact shapes, authentication of API calls (Bearer and Basic),
//! the middleware that adds the instance's headers (Server, X-Transaction-ID,
//! JSESSIONID), applies request-wide scenarios (slow, IP block, rate limit in
//! seconds or as an HTTP-date, malformed JSON, and the faults of `chaos` that
//! happen around a handler) and logs each request; and a TCP listener whose
//! connections a handler can cut (for the drop-after-write scenario).

use crate::chaos::{ChaosState, Fault, RequestKind};
use crate::pages;
use crate::scenarios::Scenario;
use crate::state::{AppState, AuthorizationKind, RequestRecord, Shared};
use crate::store::{Actor, hex};
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use base64::Engine;
use rand::Rng;
use serde_json::Value;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A JSON response with ServiceNow's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_text(status, body.to_string())
}

/// Already-serialized JSON with ServiceNow's content type.
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    resp
}

/// `{"error":{"message":..,"detail":..},"status":"failure"}`
pub fn sn_error(status: StatusCode, message: &str, detail: Option<&str>) -> Response {
    // Written out to keep ServiceNow's key order (message, then detail).
    let detail = detail.map_or(Value::Null, Value::from);
    json_text(
        status,
        format!(
            "{{\"error\":{{\"message\":{},\"detail\":{detail}}},\"status\":\"failure\"}}",
            Value::from(message)
        ),
    )
}

/// The instance's 5xx error envelope: `Internal Server Error` for 500, the
/// status's reason phrase for the others.
pub fn server_error(status: StatusCode) -> Response {
    sn_error(
        status,
        status.canonical_reason().unwrap_or("Internal Server Error"),
        Some(
            "The server encountered an unexpected condition that prevented it from fulfilling the request",
        ),
    )
}

/// Marks a response that comes from the load balancer in front of the
/// instance: the middleware adds none of the instance's headers to it.
#[derive(Clone, Copy, Debug)]
pub struct FromGateway;

/// The load balancer's `504 Gateway Time-out` page (plain HTML).
pub fn gateway_timeout() -> Response {
    let mut resp = (StatusCode::GATEWAY_TIMEOUT, Html(pages::gateway_timeout())).into_response();
    resp.extensions_mut().insert(FromGateway);
    resp
}

/// What `error-after-write` (and chaos) answer once the write is stored:
/// the 504 page for 504, the error envelope for any other status.
pub fn error_after_write(status: u16) -> Response {
    match StatusCode::from_u16(status) {
        Ok(StatusCode::GATEWAY_TIMEOUT) => gateway_timeout(),
        Ok(s) if s.is_server_error() => server_error(s),
        _ => server_error(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// Percent-encode one URL path segment: everything but RFC 3986's
/// unreserved characters, so a hostile sys_id (`../..`, `a^b=c`, spaces)
/// stays one segment. Plain sys_ids come out unchanged.
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The fault `chaos` gives a write after it is stored (`None`: no fault).
/// The middleware hands it to every handler.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChaosAfterWrite(pub Option<Fault>);

/// 401 `User Not Authenticated` with the Basic challenge.
pub fn not_authenticated() -> Response {
    let mut resp = sn_error(
        StatusCode::UNAUTHORIZED,
        "User Not Authenticated",
        Some("Required to provide Auth information"),
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("BASIC realm=\"Service-now\""),
    );
    resp
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The user an API call acts as: a live Bearer token, or Basic credentials
/// of a local account. Anything else is the 401 above (boxed: it is large).
pub fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Actor, Box<Response>> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = app.clock.now();
    let shared = app.lock();
    if let Some(token) = strip_scheme(value, "bearer") {
        let info = shared
            .access_tokens
            .get(token.trim())
            .filter(|t| t.active(now));
        if let Some(account) = info.and_then(|t| shared.account_by_id(&t.user)) {
            return Ok(account.actor());
        }
    } else if let Some(encoded) = strip_scheme(value, "basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':'))
            && let Some(account) = shared.account_by_name(user)
            && account.password == password
        {
            return Ok(account.actor());
        }
    }
    Err(Box::new(not_authenticated()))
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}

fn authorization_kind(headers: &HeaderMap) -> AuthorizationKind {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if strip_scheme(value, "bearer").is_some() {
        AuthorizationKind::Bearer
    } else if strip_scheme(value, "basic").is_some() {
        AuthorizationKind::Basic
    } else {
        AuthorizationKind::None
    }
}

/// The browser session id of this request (from JSESSIONID, or a new one).
#[derive(Clone, Debug)]
pub struct SessionId(pub String);

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == "JSESSIONID" && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex(&bytes).to_uppercase()
}

struct TableInFlight(AppState);

impl Drop for TableInFlight {
    fn drop(&mut self) {
        let mut shared = self.0.lock();
        shared.table_in_flight = shared.table_in_flight.saturating_sub(1);
    }
}

/// The middleware around every route.
pub async fn middleware(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let auth_kind = authorization_kind(req.headers());
    let session = session_cookie(req.headers()).unwrap_or_else(new_session_id);
    req.extensions_mut().insert(SessionId(session.clone()));
    let kill = req
        .extensions()
        .get::<ConnectInfo<ConnAddr>>()
        .map(|c| c.0.kill.clone())
        .unwrap_or_default();
    req.extensions_mut().insert(kill);

    req.extensions_mut().insert(ChaosAfterWrite(None));

    let is_api = path.starts_with("/api/");
    let (slow, ip_blocked, rate_limit, fault) = {
        let mut shared = app.lock();
        let slow = match shared.scenario("slow") {
            Some(Scenario::Slow(d)) => Some(*d),
            _ => None,
        };
        let rate = match (
            shared.scenario("rate-limit"),
            shared.scenario("rate-limit-date"),
        ) {
            (Some(Scenario::RateLimit { retry_after_secs }), _) => {
                Some(RetryAfter::Seconds(*retry_after_secs))
            }
            (_, Some(Scenario::RateLimitDate { retry_after_secs })) => {
                Some(RetryAfter::Date(*retry_after_secs))
            }
            _ => None,
        };
        if path.starts_with("/api/now/table/") {
            shared.table_in_flight += 1;
            shared.table_in_flight_max = shared.table_in_flight_max.max(shared.table_in_flight);
        }
        let ip_blocked = shared.has("ip-blocked");
        let answered_here = ip_blocked || (is_api && rate.is_some());
        let fault = if !answered_here && path.starts_with("/api/now/table/") {
            draw_chaos(&mut shared, &method)
        } else {
            None
        };
        (slow, ip_blocked, rate, fault)
    };
    // Counted down however the answer ends (a client that hangs up drops this future).
    let _in_flight = path
        .starts_with("/api/now/table/")
        .then(|| TableInFlight(app.clone()));
    if let Some(d) = slow {
        tokio::time::sleep(d).await;
    }
    let mut resp = if ip_blocked {
        (StatusCode::FORBIDDEN, Html(pages::ip_blocked())).into_response()
    } else if let (Some(retry), true) = (rate_limit, is_api) {
        rate_limited(&app, retry)
    } else {
        match fault {
            Some(f @ Fault::ServerError) => {
                count_chaos(&app, f);
                server_error(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Some(f @ Fault::RateLimit { retry_after_secs }) => {
                count_chaos(&app, f);
                rate_limited(&app, RetryAfter::Seconds(retry_after_secs))
            }
            Some(f @ Fault::RateLimitDate { retry_after_secs }) => {
                count_chaos(&app, f);
                rate_limited(&app, RetryAfter::Date(retry_after_secs))
            }
            _ => {
                if let Some(f @ Fault::Slow { millis }) = fault {
                    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
                    count_chaos(&app, f);
                }
                if let Some(f) = fault.filter(Fault::after_write) {
                    req.extensions_mut().insert(ChaosAfterWrite(Some(f)));
                }
                let resp = next.run(req).await;
                let success = is_api && resp.status().is_success();
                let chaos_truncates = success && fault == Some(Fault::MalformedJson);
                if chaos_truncates {
                    count_chaos(&app, Fault::MalformedJson);
                }
                if chaos_truncates || (success && app.lock().has("malformed-json")) {
                    truncate_json(resp).await
                } else {
                    resp
                }
            }
        }
    };

    // The load balancer's own pages carry none of the instance's headers.
    if resp.extensions().get::<FromGateway>().is_none() {
        let headers = resp.headers_mut();
        headers.insert(header::SERVER, HeaderValue::from_static("ServiceNow"));
        let txn: [u8; 16] = rand::rng().random();
        if let Ok(v) = HeaderValue::from_str(&hex(&txn)) {
            headers.insert("x-transaction-id", v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!(
            "JSESSIONID={session}; Path=/; HttpOnly; SameSite=Lax"
        )) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    let bytes_out = resp.body().size_hint().exact().unwrap_or(0);
    app.lock().requests.push(RequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        authorization_kind: auth_kind,
        bytes_out,
    });
    resp
}

/// The next chaos fault for a Table API request, if chaos is on.
fn draw_chaos(shared: &mut Shared, method: &str) -> Option<Fault> {
    let Some(Scenario::Chaos { seed, percent }) = shared.scenario("chaos").cloned() else {
        return None;
    };
    shared
        .chaos
        .get_or_insert_with(|| ChaosState::new(seed))
        .draw(percent, RequestKind::of(method))
}

/// Count one applied chaos fault.
pub fn count_chaos(app: &AppState, fault: Fault) {
    if let Some(c) = app.lock().chaos.as_mut() {
        c.count(fault);
    }
}

/// How a 429 says when to come back.
#[derive(Clone, Copy, Debug)]
pub enum RetryAfter {
    /// `Retry-After: N` (sent verbatim, however large).
    Seconds(u64),
    /// `Retry-After: <IMF-fixdate>` this many seconds ahead.
    Date(u64),
}

/// The last second an IMF-fixdate can show (9999-12-31 23:59:59 UTC).
const LAST_HTTP_DATE: i64 = 253_402_300_799;

/// `now + secs` rounded up to the whole second (so the date is never less
/// than `secs` ahead), capped at year 9999: the Unix time and its
/// IMF-fixdate (`Wed, 21 Oct 2026 07:28:00 GMT`).
pub fn http_date_after(now: chrono::DateTime<chrono::Utc>, secs: u64) -> (i64, String) {
    let base = i128::from(now.timestamp()) + i128::from(now.timestamp_subsec_nanos() > 0);
    let ts = i64::try_from((base + i128::from(secs)).min(i128::from(LAST_HTTP_DATE)))
        .unwrap_or(LAST_HTTP_DATE);
    let text = chrono::DateTime::from_timestamp(ts, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    (ts, text)
}

fn rate_limited(app: &AppState, retry: RetryAfter) -> Response {
    let limit = 100;
    let mut resp = sn_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded",
        Some(&format!(
            "Rate limit of {limit} requests per hour for Table API exceeded"
        )),
    );
    let now = app.clock.now();
    let (retry_after, reset) = match retry {
        RetryAfter::Seconds(secs) => (
            HeaderValue::from(secs),
            // Exact, even when absurd (i128 holds any i64 + u64).
            (i128::from(now.timestamp()) + i128::from(secs)).to_string(),
        ),
        RetryAfter::Date(secs) => {
            let (ts, date) = http_date_after(now, secs);
            match HeaderValue::from_str(&date) {
                Ok(v) => (v, ts.to_string()),
                Err(_) => (HeaderValue::from(secs), ts.to_string()),
            }
        }
    };
    let h = resp.headers_mut();
    h.insert(header::RETRY_AFTER, retry_after);
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    if let Ok(v) = HeaderValue::from_str(&reset) {
        h.insert("x-ratelimit-reset", v);
    }
    resp
}

/// Cut a JSON body in the middle (keeping the status and headers).
async fn truncate_json(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

/// Set by a handler to cut its connection instead of answering.
#[derive(Clone, Default, Debug)]
pub struct KillSwitch(Arc<AtomicBool>);

impl KillSwitch {
    pub fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn killed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Connection info handed to handlers: the connection's kill switch.
#[derive(Clone, Debug, Default)]
pub struct ConnAddr {
    pub kill: KillSwitch,
}

/// A TCP listener whose connections can be cut from a handler.
pub struct KillableListener(pub TcpListener);

/// A TCP stream that fails every write once its switch is set, so the
/// response never leaves and the connection closes.
pub struct KillableStream {
    inner: TcpStream,
    kill: KillSwitch,
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, _peer)) => {
                    let _ = inner.set_nodelay(true);
                    let kill = KillSwitch::default();
                    return (
                        KillableStream {
                            inner,
                            kill: kill.clone(),
                        },
                        ConnAddr { kill },
                    );
                }
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr().map(|_| ConnAddr::default())
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, KillableListener>> for ConnAddr {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "dropped by scenario",
            )));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn http_dates_are_imf_fixdates_rounded_up_and_capped() {
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 10, 21, 7, 27, 0)
            .single()
            .expect("a valid date");
        assert_eq!(
            http_date_after(now, 60),
            (now.timestamp() + 60, "Wed, 21 Oct 2026 07:28:00 GMT".into())
        );
        let later = now + chrono::Duration::milliseconds(1);
        assert_eq!(
            http_date_after(later, 60).1,
            "Wed, 21 Oct 2026 07:28:01 GMT"
        );
        assert_eq!(
            http_date_after(now, 86_400 * 11).1,
            "Sun, 01 Nov 2026 07:27:00 GMT"
        );
        assert_eq!(
            http_date_after(now, u64::MAX),
            (LAST_HTTP_DATE, "Fri, 31 Dec 9999 23:59:59 GMT".into())
        );
    }

    #[test]
    fn path_segments_keep_hostile_ids_in_one_segment() {
        assert_eq!(path_segment("0123abcdef"), "0123abcdef");
        assert_eq!(
            path_segment("../../api/now/table/sys_user"),
            "..%2F..%2Fapi%2Fnow%2Ftable%2Fsys_user"
        );
        assert_eq!(path_segment("a^b=c"), "a%5Eb%3Dc");
        assert_eq!(path_segment("a b%"), "a%20b%25");
        assert_eq!(path_segment("é"), "%C3%A9");
    }
}
