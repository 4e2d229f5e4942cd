//! Native notifications through tauri-plugin-notification, built in Rust (the UI has no
//! notification permission). A click opens the ticket the notification is about, or the app
//! for a summary. Without a notification server (some Linux sessions) showing fails: that is
//! logged and the app carries on; the tray's recent list still leads to the tickets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::tickets::notice::Notice;

/// What a click on a shown notification opens, by notification id.
#[derive(Default)]
pub struct Clicks {
    next: AtomicI32,
    targets: Mutex<HashMap<i32, Option<String>>>,
}

/// At most this many notifications remember their target.
const REMEMBERED: usize = 200;

/// Listens for clicks. Call in setup, before the first notification: the plugin only reports
/// clicks on notifications shown while a handler exists.
pub fn install<R: Runtime>(app: &AppHandle<R>) {
    app.manage(Clicks::default());
    let handle = app.clone();
    let registered = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let target = performed.notification().and_then(|n| {
            let clicks = handle.state::<Clicks>();
            let mut t = clicks.targets.lock().unwrap_or_else(|p| p.into_inner());
            t.remove(&n.id())
        });
        match target.flatten() {
            Some(url) => {
                log::info!("notification clicked: opening the ticket");
                if let Err(e) = handle.opener().open_url(url, None::<&str>) {
                    log::warn!("could not open the ticket: {e}");
                }
            }
            None => crate::show_main_window(&handle),
        }
    });
    if let Err(e) = registered {
        log::warn!("notification clicks will not be reported: {e}");
    }
}

/// Shows `notice`; a click opens `url` (the ticket), or the app when there is none.
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: &Notice, url: Option<String>) {
    let Some(clicks) = app.try_state::<Clicks>() else {
        log::warn!("notifications are not set up; not shown: {}", notice.title);
        return;
    };
    let id = clicks.next.fetch_add(1, Ordering::SeqCst) + 1;
    {
        let mut t = clicks.targets.lock().unwrap_or_else(|p| p.into_inner());
        if t.len() >= REMEMBERED
            && let Some(oldest) = t.keys().min().copied()
        {
            t.remove(&oldest);
        }
        t.insert(id, url);
    }
    let shown = app
        .notification()
        .builder()
        .id(id)
        .title(&notice.title)
        .body(body_for_server(&notice.body))
        .show();
    match shown {
        Ok(()) => log::info!("notification shown: {}", notice.title),
        Err(e) => log::warn!(
            "the notification could not be shown ({e}): {}",
            notice.title
        ),
    }
}

/// The body as the notification server will read it: servers that advertise `body-markup` (most
/// Linux desktops) read it as markup, so ServiceNow's text (a ticket's name, a comment) is
/// escaped for them and shows as written. Others show the text as it is.
fn body_for_server(body: &str) -> String {
    if server_reads_markup() {
        ticket_bridge_core::tickets::notice::escape_markup(body)
    } else {
        body.to_owned()
    }
}

#[cfg(target_os = "linux")]
fn server_reads_markup() -> bool {
    static MARKUP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MARKUP.get_or_init(|| match notify_rust::get_capabilities() {
        Ok(caps) => caps.iter().any(|c| c == "body-markup"),
        // Unknown: escape, so that nothing is ever read as markup.
        Err(_) => true,
    })
}

#[cfg(not(target_os = "linux"))]
fn server_reads_markup() -> bool {
    false
}
