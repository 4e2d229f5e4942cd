//! The background sender: sends what waits in the outbox when it is due (every 30 s while
//! something waits, and at once when woken by a submit, Retry or a new connection), then tells
//! the UI what changed.

use crate::events;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use ticket_bridge_core::tickets::service::TicketService;
use tokio::sync::Notify;

const EVERY: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct Wake {
    notify: Notify,
    /// Read the whole ticket list again on the next round (after connecting or restoring).
    refresh: AtomicBool,
}

/// Asks the sender to look at the outbox now.
pub fn wake<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<Arc<Wake>>() {
        w.notify.notify_one();
    }
}

/// Asks the sender to read the ticket list from the instance now (a new or restored
/// connection), then to look at the outbox.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<Arc<Wake>>() {
        w.refresh.store(true, Ordering::SeqCst);
        w.notify.notify_one();
    }
}

pub fn start<R: Runtime>(app: &AppHandle<R>, tickets: Arc<TicketService>) {
    let wake = Arc::new(Wake::default());
    app.manage(wake.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            // With nothing waiting, nothing is due until a task is submitted or retried (both
            // wake the sender): no timer while idle.
            if tickets.outbox_items().is_empty() {
                wake.notify.notified().await;
            } else {
                tokio::select! {
                    _ = wake.notify.notified() => {}
                    _ = tokio::time::sleep(EVERY) => {}
                }
            }
            if wake.refresh.swap(false, Ordering::SeqCst) {
                match tickets.refresh_tickets().await {
                    Ok(list) => events::tickets_changed(&app, &list),
                    Err(e) => log::warn!("the ticket list could not be read: {}", e.message),
                }
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
