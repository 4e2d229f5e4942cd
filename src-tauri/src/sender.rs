//! The background sender: sends what waits in the outbox when it is due (every 30 s, and at
//! once when woken by Retry or a new connection), then tells the UI what changed.

use crate::events;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use ticket_bridge_core::tickets::service::TicketService;
use tokio::sync::Notify;

const EVERY: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Wake(Notify);

/// Asks the sender to look at the outbox now.
pub fn wake<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<Arc<Wake>>() {
        w.0.notify_one();
    }
}

pub fn start<R: Runtime>(app: &AppHandle<R>, tickets: Arc<TicketService>) {
    let wake = Arc::new(Wake::default());
    app.manage(wake.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                _ = wake.0.notified() => {}
                _ = tokio::time::sleep(EVERY) => {}
            }
            let sent = tickets.send_due().await;
            events::outbox_changed(&app, &tickets.outbox_items());
            if !sent.is_empty()
                && let Ok(list) = tickets.cached_tickets()
            {
                events::tickets_changed(&app, &list);
            }
        }
    });
}
