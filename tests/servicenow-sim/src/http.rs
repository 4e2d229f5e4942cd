//! HTTP plumbing shared by every route: the JSON and error helpers in
//! ServiceNow's exact shapes, authentication of API calls (Bearer and Basic),
//! the middleware that adds the instance's headers (Server, X-Transaction-ID,
//! JSESSIONID), applies request-wide scenarios (slow, IP block, rate limit,
//! malformed JSON) and logs each request; and a TCP listener whose connections
//! a handler can cut (for the drop-after-write scenario).

use crate::pages;
use crate::scenarios::Scenario;
use crate::state::{AppState, AuthorizationKind, RequestRecord};
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

    let (slow, ip_blocked, rate_limit) = {
        let shared = app.lock();
        let slow = match shared.scenario("slow") {
            Some(Scenario::Slow(d)) => Some(*d),
            _ => None,
        };
        let rate = match shared.scenario("rate-limit") {
            Some(Scenario::RateLimit { retry_after_secs }) => Some(*retry_after_secs),
            _ => None,
        };
        (slow, shared.has("ip-blocked"), rate)
    };
    if let Some(d) = slow {
        tokio::time::sleep(d).await;
    }
    let is_api = path.starts_with("/api/");
    let mut resp = if ip_blocked {
        (StatusCode::FORBIDDEN, Html(pages::ip_blocked())).into_response()
    } else if let (Some(retry), true) = (rate_limit, is_api) {
        rate_limited(&app, retry)
    } else {
        let resp = next.run(req).await;
        if is_api && resp.status().is_success() && app.lock().has("malformed-json") {
            truncate_json(resp).await
        } else {
            resp
        }
    };

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

fn rate_limited(app: &AppState, retry_after: u64) -> Response {
    let limit = 100;
    let mut resp = sn_error(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded",
        Some(&format!(
            "Rate limit of {limit} requests per hour for Table API exceeded"
        )),
    );
    let reset = app.clock.now().timestamp() + retry_after as i64;
    let h = resp.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
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
