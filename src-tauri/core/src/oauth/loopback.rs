//! The one-shot loopback listener that receives a provider's redirect after the sign-in.
//!
//! It binds loopback only: 127.0.0.1, and [::1] too where the redirect names `localhost` (a
//! browser may resolve it to either). ServiceNow matches redirect URLs exactly, so its port is
//! fixed and configurable (default 8765) and its path is `/callback`; Microsoft matches a
//! registered `http://localhost` on any port but not an added path, so its listener takes a free
//! port and answers on `/`. Only that path is answered, only with a `Host` of this computer's
//! loopback names and the port; a callback whose `state` is not the one we sent is answered and
//! ignored (a stale tab or another site cannot finish our sign-in); `/favicon.ico` and strays get
//! a 404; connections that send nothing are dropped after a few seconds, and at most a handful
//! are served at once. The first callback with the right state ends it: it answers a plain "you
//! can close this tab" page and stops listening, so a second callback finds no one. It also ends
//! on cancel or after its time limit. Its pages carry no JavaScript and forbid everything with
//! their CSP.

use crate::error::{Error, ErrorKind, Result};
use crate::i18n;
use crate::oauth::pkce::constant_time_eq;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The path ServiceNow redirects to: `http://127.0.0.1:{port}/callback`.
pub const CALLBACK_PATH: &str = "/callback";
/// How long the listener waits for the browser before giving up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const MAX_REQUEST_HEAD: usize = 8 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many connections are served at once; more wait in the kernel's queue.
const MAX_CONNECTIONS: usize = 8;
/// After a failed accept (out of file descriptors, say), wait this long before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(200);

/// The Cancel button of a sign-in that waits for the browser: [`CancelSwitch::arm`] gives the
/// future a wait ends on, [`CancelSwitch::fire`] ends it (and does nothing when none waits).
#[derive(Debug, Default)]
pub struct CancelSwitch(std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>);

impl CancelSwitch {
    /// Arms the switch for the wait about to start; a cancel before it does nothing.
    pub fn arm(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (tx, rx) = tokio::sync::oneshot::channel();
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        async move {
            let _ = rx.await;
        }
    }

    pub fn fire(&self) {
        if let Some(tx) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(());
        }
    }
}

/// The redirect URL for `port`, exactly as it must be registered in ServiceNow.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// Where a provider sends the browser back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redirect {
    /// 0: any free port.
    pub port: u16,
    /// How the redirect URL names this computer: `127.0.0.1` or `localhost`.
    pub host: &'static str,
    /// The path the answer arrives at.
    pub path: &'static str,
    /// The redirect URL has no path (the answer then arrives at `/`).
    pub bare: bool,
}

impl Redirect {
    /// ServiceNow's: `http://127.0.0.1:{port}/callback`.
    pub fn servicenow(port: u16) -> Self {
        Self {
            port,
            host: "127.0.0.1",
            path: CALLBACK_PATH,
            bare: false,
        }
    }

    /// Microsoft's: `http://localhost:{any free port}`, answered on `/`.
    pub fn microsoft() -> Self {
        Self {
            port: 0,
            host: "localhost",
            path: "/",
            bare: true,
        }
    }
}

/// What came back from the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// The admin selected Allow.
    Code(crate::secret::Secret),
    /// The admin selected Deny, or the provider refused: its `error` (and, from Microsoft,
    /// `error_description`, which carries the AADSTS code).
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// Why waiting ended without a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Cancelled,
    TimedOut,
}

/// A bound listener, not yet waiting.
pub struct Loopback {
    v4: TcpListener,
    v6: Option<TcpListener>,
    port: u16,
    redirect: Redirect,
    lang: String,
}

fn port_in_use(port: u16) -> Error {
    Error::invalid_input(
        format!("Port {port} on this computer is already in use, so Ticket Bridge cannot receive the sign-in."),
        format!("Close the program that uses port {port}, or choose another port in Advanced settings and register the redirect URL it shows (http://127.0.0.1:PORT/callback) in ServiceNow's Application Registry."),
    )
    .with_reason("port_in_use")
    .with_param("port", port.to_string())
}

impl Loopback {
    /// Binds ServiceNow's listener on 127.0.0.1:`port`. A port in use gives an error that names
    /// it and says what to do.
    pub async fn bind(port: u16) -> Result<Self> {
        if port < crate::connection::MIN_PORT {
            return Err(Error::invalid_input(
                format!("Port {port} cannot be used for the sign-in redirect."),
                "Choose a port from 1024 to 65535 in Advanced settings, and register the redirect URL it shows in ServiceNow.",
            )
            .with_reason("port_reserved")
            .with_param("port", port.to_string()));
        }
        Self::bind_for(Redirect::servicenow(port)).await
    }

    /// Binds the listener for `redirect`: 127.0.0.1, and [::1] on the same port when the
    /// redirect names `localhost` (where this computer has IPv6).
    pub async fn bind_for(redirect: Redirect) -> Result<Self> {
        let v4_at = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let bind_err = |e: std::io::Error, port: u16| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                port_in_use(port)
            } else {
                Error::internal(format_args!("could not listen on 127.0.0.1:{port} ({e})"))
            }
        };
        let dual = redirect.host == "localhost";
        // A free port that both addresses can have: a few tries, since another program may take
        // the IPv6 side of the port the IPv4 bind chose.
        for _ in 0..5 {
            let v4 = TcpListener::bind(v4_at(redirect.port))
                .await
                .map_err(|e| bind_err(e, redirect.port))?;
            let port = v4.local_addr().map_err(Error::internal)?.port();
            let v6 = if dual {
                match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
                    Ok(l) => Some(l),
                    Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && redirect.port == 0 => {
                        continue;
                    }
                    Err(e) => {
                        // No IPv6 loopback on this computer: 127.0.0.1 alone serves.
                        log::info!("not listening on [::1]:{port}: {e}");
                        None
                    }
                }
            } else {
                None
            };
            return Ok(Self {
                v4,
                v6,
                port,
                redirect,
                lang: "en".to_owned(),
            });
        }
        Err(Error::internal("no free port for the sign-in redirect"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URL to send in the authorization and token requests.
    pub fn redirect_uri(&self) -> String {
        let r = &self.redirect;
        let path = if r.bare { "" } else { r.path };
        format!("http://{}:{}{path}", r.host, self.port)
    }

    /// The language of the pages the browser shows after the sign-in (English by default).
    pub fn speaking(mut self, lang: &str) -> Self {
        self.lang = lang.to_owned();
        self
    }

    /// Whether the listener also answers on [::1].
    pub fn on_ipv6(&self) -> bool {
        self.v6.is_some()
    }

    /// Waits for the callback that carries `state`. Returns `Err(Ended)` on cancel (when
    /// `cancel` resolves) or timeout. The listener is closed when this returns.
    pub async fn wait(
        self,
        state: &str,
        timeout: Duration,
        cancel: impl std::future::Future<Output = ()>,
    ) -> std::result::Result<Callback, Ended> {
        let (tx, mut rx) = mpsc::channel::<Callback>(1);
        let expect = Expect {
            state: state.to_owned(),
            path: self.redirect.path,
            port: self.port,
            lang: self.lang.clone(),
        };
        let accept = async {
            let mut tasks = tokio::task::JoinSet::new();
            loop {
                let next = async {
                    match &self.v6 {
                        Some(v6) => tokio::select! {
                            a = self.v4.accept() => a,
                            a = v6.accept() => a,
                        },
                        None => self.v4.accept().await,
                    }
                };
                tokio::select! {
                    accepted = next, if tasks.len() < MAX_CONNECTIONS => {
                        let Ok((stream, _)) = accepted else {
                            // Do not spin on a failing accept.
                            tokio::time::sleep(ACCEPT_BACKOFF).await;
                            continue;
                        };
                        let tx = tx.clone();
                        let expect = expect.clone();
                        tasks.spawn(async move {
                            let _ = tokio::time::timeout(READ_TIMEOUT, serve(stream, &expect, &tx)).await;
                        });
                    }
                    Some(cb) = rx.recv() => return cb,
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                }
            }
        };
        tokio::select! {
            cb = accept => Ok(cb),
            _ = tokio::time::sleep(timeout) => Err(Ended::TimedOut),
            _ = cancel => Err(Ended::Cancelled),
        }
    }
}

/// What a callback must match.
#[derive(Clone)]
struct Expect {
    state: String,
    path: &'static str,
    port: u16,
    lang: String,
}

impl Expect {
    /// `Host` names this computer's loopback and our port.
    fn host_ok(&self, host: &str) -> bool {
        let host = host.trim();
        let p = self.port;
        [
            format!("127.0.0.1:{p}"),
            format!("[::1]:{p}"),
            format!("localhost:{p}"),
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// The error an ended wait becomes, for the admin.
pub fn ended_error(ended: Ended, port: u16) -> Error {
    match ended {
        Ended::Cancelled => Error::new(
            ErrorKind::InvalidInput,
            "Sign-in was cancelled.",
            "Select Sign in to ServiceNow to start again.",
        )
        .with_reason("cancelled"),
        Ended::TimedOut => Error::new(
            ErrorKind::InvalidInput,
            "ServiceNow never sent the sign-in back to Ticket Bridge.",
            format!(
                "If you selected Allow, the redirect URL is probably not registered: in ServiceNow, open System OAuth > Application Registry, open your Ticket Bridge entry and make {} its first Redirect URL. Then connect again.",
                redirect_uri(port)
            ),
        )
        .with_reason("sn_callback_timed_out")
        .with_param("redirect", redirect_uri(port)),
    }
}

fn parse_query(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            return String::from_utf8(buf).ok();
        }
        if buf.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
}

/// The parts of a request head the listener looks at.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    method: String,
    path: String,
    query: String,
    host: Option<String>,
}

fn parse_head(head: &str) -> Head {
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let host = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_owned());
    Head {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        host,
    }
}

async fn serve(mut stream: TcpStream, expect: &Expect, tx: &mpsc::Sender<Callback>) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let head = parse_head(&head);
    if !head.host.as_deref().is_some_and(|h| expect.host_ok(h)) {
        let _ = respond(&mut stream, 400, Page::NotFound, &expect.lang).await;
        return;
    }
    if head.method != "GET" || head.path != expect.path {
        let _ = respond(&mut stream, 404, Page::NotFound, &expect.lang).await;
        return;
    }
    let params = parse_query(&head.query);
    let state_ok = params
        .get("state")
        .is_some_and(|s| constant_time_eq(s, &expect.state));
    if !state_ok {
        let _ = respond(&mut stream, 400, Page::WrongState, &expect.lang).await;
        return;
    }
    let callback = match (params.get("code"), params.get("error")) {
        (Some(code), _) if !code.is_empty() => {
            Callback::Code(crate::secret::Secret::new(code.clone()))
        }
        (_, Some(error)) => Callback::Denied {
            error: error.clone(),
            description: params.get("error_description").cloned(),
        },
        _ => {
            let _ = respond(&mut stream, 400, Page::NoCode, &expect.lang).await;
            return;
        }
    };
    let page = match &callback {
        Callback::Code(_) => Page::Done,
        Callback::Denied { .. } => Page::Denied,
    };
    // Claim the one slot first: a second good callback racing this one gets "already done".
    match tx.try_send(callback) {
        Ok(()) => {
            let _ = respond(&mut stream, 200, page, &expect.lang).await;
        }
        Err(_) => {
            let _ = respond(&mut stream, 409, Page::AlreadyDone, &expect.lang).await;
        }
    }
}

#[derive(Clone, Copy)]
enum Page {
    Done,
    Denied,
    WrongState,
    NoCode,
    AlreadyDone,
    NotFound,
}

impl Page {
    /// The page's catalog key under `signInPage`.
    fn key(self) -> &'static str {
        match self {
            Page::Done => "done",
            Page::Denied => "denied",
            Page::WrongState => "wrongState",
            Page::NoCode => "noCode",
            Page::AlreadyDone => "alreadyDone",
            Page::NotFound => "notFound",
        }
    }

    /// The page's title and sentence in `lang`, escaped for HTML.
    fn text(self, lang: &str) -> (String, String) {
        let k = self.key();
        let t = |part: &str| escape_html(&i18n::text(lang, &format!("signInPage.{k}.{part}")));
        (t("title"), t("body"))
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    page: Page,
    lang: &str,
) -> std::io::Result<()> {
    let (title, body) = page.text(lang);
    // The page names its language, so the browser reads and hyphenates it right. The
    // pseudo-locale is English underneath.
    let tag = if lang == i18n::PSEUDO { "en" } else { lang };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Conflict",
    };
    let html = format!(
        "<!doctype html><html lang=\"{tag}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:'Segoe UI Variable','Segoe UI',system-ui,-apple-system,'Yu Gothic UI','Microsoft JhengHei UI','PingFang TC','Hiragino Sans',sans-serif;margin:15vh auto;max-width:34em;padding:0 1em;color:#242424}}\
         h1{{font-size:1.4em;font-weight:600}}</style></head>\
         <body><h1>{title}</h1><p>{body}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'\r\n\
         Connection: close\r\n\r\n{html}",
        html.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(port: u16, target: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let status = out[9..12].parse().unwrap();
        (status, out)
    }

    async fn bound() -> Loopback {
        // Port 0 is refused by bind() on purpose (it cannot be registered); tests take a free
        // port from the OS the same way an admin would pick one.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        Loopback::bind(port).await.unwrap()
    }

    #[tokio::test]
    async fn wrong_state_and_strays_are_ignored_then_the_right_one_wins() {
        let lb = bound().await;
        let port = lb.port();
        assert_eq!(
            lb.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let waiter = tokio::spawn(async move {
            lb.wait("s3cret", Duration::from_secs(30), std::future::pending())
                .await
        });
        let (st, body) = get(port, "/favicon.ico").await;
        assert_eq!(st, 404);
        assert!(!body.contains("<script"));
        let (st, _) = get(port, "/callback?code=abc&state=wrong").await;
        assert_eq!(st, 400);
        let (st, _) = get(port, "/callback?code=abc").await;
        assert_eq!(st, 400);
        let (st, _) = get(port, "/callback?state=s3cret").await;
        assert_eq!(st, 400, "no code and no error");
        // A stray connection that says nothing does not block the real callback.
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (st, body) = get(port, "/callback?code=the-code&state=s3cret&extra=1").await;
        assert_eq!(st, 200);
        assert!(body.contains("You can close this tab"));
        assert!(body.contains("Content-Security-Policy: default-src 'none'"));
        match waiter.await.unwrap() {
            Ok(Callback::Code(c)) => assert_eq!(c.expose(), "the-code"),
            other => panic!("unexpected {other:?}"),
        }
        // Single use: nobody listens any more.
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    }

    #[tokio::test]
    async fn the_pages_speak_the_apps_language_and_say_so() {
        let lb = bound().await.speaking("fr");
        let port = lb.port();
        let waiter = tokio::spawn(async move {
            lb.wait("st", Duration::from_secs(30), std::future::pending())
                .await
        });
        let (_, stray) = get(port, "/favicon.ico").await;
        assert!(stray.contains("<html lang=\"fr\">"), "{stray}");
        assert!(stray.contains("Page introuvable"), "{stray}");
        let (st, body) = get(port, "/callback?code=c&state=st").await;
        assert_eq!(st, 200);
        assert!(body.contains("<html lang=\"fr\">"));
        assert!(body.contains("Ticket Bridge est connecté"), "{body}");
        assert!(body.contains("charset=utf-8"));
        assert!(matches!(waiter.await.unwrap(), Ok(Callback::Code(_))));
        // Escaped even though the catalogs are ours.
        assert_eq!(escape_html("a<b>&\"c"), "a&lt;b&gt;&amp;&quot;c");
    }

    async fn raw(addr: &str, request: &str) -> u16 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out[9..12].parse().unwrap()
    }

    #[tokio::test]
    async fn only_this_computers_host_names_are_answered() {
        let lb = bound().await;
        let port = lb.port();
        let waiter = tokio::spawn(async move {
            lb.wait("st", Duration::from_secs(30), std::future::pending())
                .await
        });
        let at = format!("127.0.0.1:{port}");
        for host in [
            "evil.example",
            "127.0.0.1",
            "127.0.0.1:1",
            "localhost.evil.example",
        ] {
            let req = format!("GET /callback?code=c&state=st HTTP/1.1\r\nHost: {host}\r\n\r\n");
            assert_eq!(raw(&at, &req).await, 400, "{host}");
        }
        assert_eq!(
            raw(&at, "GET /callback?code=c&state=st HTTP/1.1\r\n\r\n").await,
            400,
            "no Host"
        );
        let req =
            format!("GET /callback?code=c&state=st HTTP/1.1\r\nhost: LOCALHOST:{port}\r\n\r\n");
        assert_eq!(raw(&at, &req).await, 200);
        assert!(matches!(waiter.await.unwrap(), Ok(Callback::Code(_))));
    }

    #[tokio::test]
    async fn microsofts_listener_takes_a_free_port_and_answers_on_slash_on_both_loopbacks() {
        let lb = Loopback::bind_for(Redirect::microsoft()).await.unwrap();
        let port = lb.port();
        assert_ne!(port, 0);
        assert_eq!(lb.redirect_uri(), format!("http://localhost:{port}"));
        let v6 = lb.on_ipv6();
        let waiter = tokio::spawn(async move {
            lb.wait("st", Duration::from_secs(30), std::future::pending())
                .await
        });
        let req = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n");
        let at = format!("127.0.0.1:{port}");
        assert_eq!(raw(&at, &req("/callback?code=c&state=st")).await, 404);
        if v6 {
            // A browser that resolved localhost to ::1 reaches the same listener.
            let at6 = format!("[::1]:{port}");
            assert_eq!(raw(&at6, &req("/?code=c&state=wrong")).await, 400);
        }
        assert_eq!(
            raw(&at, &req("/?code=the-code&state=st&session_state=x")).await,
            200
        );
        match waiter.await.unwrap() {
            Ok(Callback::Code(c)) => assert_eq!(c.expose(), "the-code"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn request_heads_are_read_without_trusting_them() {
        let h = parse_head("GET /callback?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nX: y\r\n\r\n");
        assert_eq!(h.method, "GET");
        assert_eq!(h.path, "/callback");
        assert_eq!(h.query, "x=1");
        assert_eq!(h.host.as_deref(), Some("127.0.0.1:8765"));
        let h = parse_head("");
        assert_eq!((h.method.as_str(), h.host), ("", None));
    }

    #[tokio::test]
    async fn deny_is_reported() {
        let lb = bound().await;
        let port = lb.port();
        let waiter = tokio::spawn(async move {
            lb.wait("st", Duration::from_secs(30), std::future::pending())
                .await
        });
        let (st, _) = get(port, "/callback?error=access_denied&state=st").await;
        assert_eq!(st, 200);
        assert_eq!(
            waiter.await.unwrap(),
            Ok(Callback::Denied {
                error: "access_denied".into(),
                description: None
            })
        );
    }

    #[tokio::test]
    async fn cancel_and_timeout_close_the_port() {
        let lb = bound().await;
        let port = lb.port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let waiter = tokio::spawn(async move {
            lb.wait("st", Duration::from_secs(30), async {
                let _ = rx.await;
            })
            .await
        });
        tx.send(()).unwrap();
        assert_eq!(waiter.await.unwrap(), Err(Ended::Cancelled));
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());

        let lb = bound().await;
        let r = lb
            .wait("st", Duration::from_millis(20), std::future::pending())
            .await;
        assert_eq!(r, Err(Ended::TimedOut));
        let e = ended_error(Ended::TimedOut, 8765);
        assert!(e.hint.contains("http://127.0.0.1:8765/callback"));
    }

    #[tokio::test]
    async fn a_port_in_use_names_the_port() {
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = busy.local_addr().unwrap().port();
        let e = Loopback::bind(port).await.err().expect("port in use");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.contains(&port.to_string()));
        assert!(e.hint.contains("Advanced settings"));
        assert!(Loopback::bind(80).await.is_err());
    }
}

/// Arbitrary bytes against the request head and the callback query: never a panic, and the
/// listener still takes the real callback after a hostile one.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn heads_and_queries_never_panic(head in any::<Vec<u8>>(), query in ".{0,200}") {
            let text = String::from_utf8_lossy(&head);
            let h = parse_head(&text);
            let _ = parse_query(&h.query);
            let _ = parse_query(&query);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn a_hostile_request_leaves_the_listener_working(junk in any::<Vec<u8>>()) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = probe.local_addr().unwrap().port();
                drop(probe);
                let lb = Loopback::bind(port).await.unwrap();
                let waiter = tokio::spawn(async move {
                    lb.wait("st", Duration::from_secs(10), std::future::pending()).await
                });
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
                    let _ = s.write_all(&junk).await;
                    let _ = s.write_all(b"\r\n\r\n").await;
                    let mut out = Vec::new();
                    let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
                }
                let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                s.write_all(format!("GET /callback?code=c&state=st HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).await.unwrap();
                assert!(out.starts_with("HTTP/1.1 200"), "{out}");
                assert!(matches!(waiter.await.unwrap(), Ok(Callback::Code(_))));
            });
        }
    }
}
