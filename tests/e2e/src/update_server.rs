//! A local update server for the updater tests: a Tauri update manifest (`/latest.json`) and
//! the file it announces (`/payload.bin`), over real HTTP on 127.0.0.1, with a log of every
//! request it was asked. The fixtures in `tests/e2e/fixtures/updates/` are a test key pair's
//! public half and two signatures of the payload for version 9.0.0: one by that test key, one
//! by another key (`scripts/dev/update-fixtures.sh` makes them again).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The version the manifest announces (newer than any the app will have for a long time).
pub const OFFERED_VERSION: &str = "9.0.0";
/// The release notes the manifest carries; the second line must show as a line of its own.
pub const NOTES: &str = "Ticket cards load faster.\nThe tray shows the state names you chose.";

/// Which signature the manifest gives the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// By the test key the app is told to trust.
    ByTestKey,
    /// By another key: the app must refuse the download.
    ByAnotherKey,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/updates")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        .trim()
        .to_owned()
}

/// The public key the app is to trust, as `tauri.conf.json` writes one.
pub fn test_pubkey() -> String {
    fixture("test-key.pub")
}

#[derive(Clone)]
struct Shared {
    signed: Arc<Mutex<Signed>>,
    log: Arc<Mutex<Vec<String>>>,
    base: String,
}

pub struct UpdateServer {
    shared: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for UpdateServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn handle(State(s): State<Shared>, uri: Uri) -> impl IntoResponse {
    s.log.lock().unwrap().push(uri.path().to_owned());
    match uri.path() {
        "/latest.json" => {
            let signature = match *s.signed.lock().unwrap() {
                Signed::ByTestKey => fixture("payload.signed-by-test-key.sig"),
                Signed::ByAnotherKey => fixture("payload.signed-by-another-key.sig"),
            };
            let manifest = serde_json::json!({
                "version": OFFERED_VERSION,
                "notes": NOTES,
                "pub_date": "2026-11-30T09:00:00Z",
                "platforms": {
                    "linux-x86_64": { "signature": signature, "url": format!("{}/payload.bin", s.base) }
                }
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                manifest.to_string().into_bytes(),
            )
        }
        "/payload.bin" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            std::fs::read(fixtures().join("payload.bin")).unwrap(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            b"not found".to_vec(),
        ),
    }
}

impl UpdateServer {
    pub async fn start(signed: Signed) -> UpdateServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared {
            signed: Arc::new(Mutex::new(signed)),
            log: Arc::default(),
            base,
        };
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        UpdateServer {
            shared,
            stop: Some(tx),
        }
    }

    /// The manifest's address, for `TICKET_BRIDGE_UPDATE_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("{}/latest.json", self.shared.base)
    }

    /// The variables that point a debug build of the app at this server and the test key.
    pub fn app_env(&self) -> Vec<(String, String)> {
        vec![
            ("TICKET_BRIDGE_UPDATE_ENDPOINT".into(), self.endpoint()),
            ("TICKET_BRIDGE_UPDATE_PUBKEY".into(), test_pubkey()),
        ]
    }

    pub fn sign(&self, signed: Signed) {
        *self.shared.signed.lock().unwrap() = signed;
    }

    /// The paths asked for so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }
}
