//! Events Rust sends to the UI. Payloads never carry a secret.

use tauri::{AppHandle, Emitter, Runtime};
use ticket_bridge_core::connection::ConnectionInfo;
use ticket_bridge_core::tickets::board::TicketList;
use ticket_bridge_core::tickets::service::OutboxItem;

/// `{ url }`: the sign-in page the browser was sent to, shown with a Copy button.
pub const AUTHORIZE_URL: &str = "connect://authorize-url";
/// `ConnectionInfo | null`: the connection was made, renewed, or removed.
pub const CONNECTION_CHANGED: &str = "connection://changed";

pub fn authorize_url<R: Runtime>(app: &AppHandle<R>, url: &str) {
    if let Err(e) = app.emit(AUTHORIZE_URL, serde_json::json!({ "url": url })) {
        log::warn!("could not send {AUTHORIZE_URL}: {e}");
    }
}

pub fn connection_changed<R: Runtime>(app: &AppHandle<R>, info: Option<&ConnectionInfo>) {
    if let Err(e) = app.emit(CONNECTION_CHANGED, info) {
        log::warn!("could not send {CONNECTION_CHANGED}: {e}");
    }
}

/// `TicketList`: the cached list changed (sent, refreshed, renamed states).
pub const TICKETS_CHANGED: &str = "tickets://changed";
/// `OutboxItem[]`: what waits to be sent.
pub const OUTBOX_CHANGED: &str = "outbox://changed";

pub fn tickets_changed<R: Runtime>(app: &AppHandle<R>, list: &TicketList) {
    if let Err(e) = app.emit(TICKETS_CHANGED, list) {
        log::warn!("could not send {TICKETS_CHANGED}: {e}");
    }
}

pub fn outbox_changed<R: Runtime>(app: &AppHandle<R>, items: &[OutboxItem]) {
    if let Err(e) = app.emit(OUTBOX_CHANGED, items) {
        log::warn!("could not send {OUTBOX_CHANGED}: {e}");
    }
}
