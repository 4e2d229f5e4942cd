//! The one-shot loopback listener that receives ServiceNow's redirect after **Allow**.
//!
//! It binds 127.0.0.1 only, on the port registered in ServiceNow (ServiceNow matches redirect
//! URLs exactly, so the port is fixed and configurable, default 8765). It answers one path,
//! `/callback`; a callback whose `state` is not the one we sent is answered and ignored (a stale
//! tab or another site cannot finish our sign-in), `/favicon.ico` and strays get a 404, and
//! connections that send nothing are dropped after a few seconds. The first callback with the
//! right state ends it: it answers a plain "you can close this tab" page and stops listening, so
//! a second callback finds no one. It also ends on cancel or after its time limit. Its pages
//! carry no JavaScript and forbid everything with their CSP.

use crate::auth::pkce::constant_time_eq;
use crate::error::{Error, ErrorKind, Result};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
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

/// The redirect URL for `port`, exactly as it must be registered in ServiceNow.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// What came back from the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// The admin selected Allow.
    Code(crate::secret::Secret),
    /// The admin selected Deny, or ServiceNow refused: its `error` parameter.
    Denied(String),
}

/// Why waiting ended without a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Cancelled,
    TimedOut,
}

/// A bound listener, not yet waiting.
pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    /// Binds 127.0.0.1:`port`. A port in use gives an error that names it and says what to do.
    pub async fn bind(port: u16) -> Result<Self> {
        if port < crate::connection::MIN_PORT {
            return Err(Error::invalid_input(
                format!("Port {port} cannot be used for the sign-in redirect."),
                "Choose a port from 1024 to 65535 in Advanced settings, and register the redirect URL it shows in ServiceNow.",
            ));
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                Error::invalid_input(
                    format!("Port {port} on this computer is already in use, so Ticket Bridge cannot receive the sign-in."),
                    format!("Close the program that uses port {port}, or choose another port in Advanced settings and register the redirect URL it shows (http://127.0.0.1:PORT/callback) in ServiceNow's Application Registry."),
                )
            } else {
                Error::internal(format_args!("could not listen on 127.0.0.1:{port} ({e})"))
            }
        })?;
        Ok(Self { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn redirect_uri(&self) -> String {
        redirect_uri(self.port)
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
        let state = state.to_owned();
        let accept = async {
            let mut tasks = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let tx = tx.clone();
                        let state = state.clone();
                        tasks.spawn(async move {
                            let _ = tokio::time::timeout(READ_TIMEOUT, serve(stream, &state, &tx)).await;
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

/// The error an ended wait becomes, for the admin.
pub fn ended_error(ended: Ended, port: u16) -> Error {
    match ended {
        Ended::Cancelled => Error::new(
            ErrorKind::InvalidInput,
            "Sign-in was cancelled.",
            "Select Sign in to ServiceNow to start again.",
        ),
        Ended::TimedOut => Error::new(
            ErrorKind::InvalidInput,
            "ServiceNow never sent the sign-in back to Ticket Bridge.",
            format!(
                "If you selected Allow, the redirect URL is probably not registered: in ServiceNow, open System OAuth > Application Registry, open your Ticket Bridge entry and make {} its first Redirect URL. Then connect again.",
                redirect_uri(port)
            ),
        ),
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

async fn serve(mut stream: TcpStream, state: &str, tx: &mpsc::Sender<Callback>) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != CALLBACK_PATH {
        let _ = respond(&mut stream, 404, Page::NotFound).await;
        return;
    }
    let params = parse_query(query);
    let state_ok = params
        .get("state")
        .is_some_and(|s| constant_time_eq(s, state));
    if !state_ok {
        let _ = respond(&mut stream, 400, Page::WrongState).await;
        return;
    }
    let callback = match (params.get("code"), params.get("error")) {
        (Some(code), _) if !code.is_empty() => {
            Callback::Code(crate::secret::Secret::new(code.clone()))
        }
        (_, Some(error)) => Callback::Denied(error.clone()),
        _ => {
            let _ = respond(&mut stream, 400, Page::NoCode).await;
            return;
        }
    };
    let page = match &callback {
        Callback::Code(_) => Page::Done,
        Callback::Denied(_) => Page::Denied,
    };
    // Claim the one slot first: a second good callback racing this one gets "already done".
    match tx.try_send(callback) {
        Ok(()) => {
            let _ = respond(&mut stream, 200, page).await;
        }
        Err(_) => {
            let _ = respond(&mut stream, 409, Page::AlreadyDone).await;
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
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Page::Done => (
                "Ticket Bridge is signed in",
                "You can close this tab and go back to Ticket Bridge.",
            ),
            Page::Denied => (
                "Sign-in was not allowed",
                "ServiceNow did not give Ticket Bridge access. You can close this tab; Ticket Bridge tells you what to do next.",
            ),
            Page::WrongState => (
                "This sign-in is not the one Ticket Bridge is waiting for",
                "It may come from an older tab. Close this tab and use the sign-in link Ticket Bridge opened most recently.",
            ),
            Page::NoCode => (
                "ServiceNow's answer is incomplete",
                "The sign-in came back without an authorization code. Close this tab and connect again from Ticket Bridge.",
            ),
            Page::AlreadyDone => (
                "Ticket Bridge already received a sign-in",
                "You can close this tab.",
            ),
            Page::NotFound => (
                "Not found",
                "Ticket Bridge only answers its sign-in callback here.",
            ),
        }
    }
}

async fn respond(stream: &mut TcpStream, status: u16, page: Page) -> std::io::Result<()> {
    let (title, body) = page.text();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Conflict",
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:system-ui,'Segoe UI',sans-serif;margin:15vh auto;max-width:34em;padding:0 1em;color:#242424}}\
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
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
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
            Ok(Callback::Denied("access_denied".into()))
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
