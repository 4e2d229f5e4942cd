//! Native notifications, built in Rust (the UI has no notification permission). A click opens
//! the ticket the notification is about, or the app for a summary. Without a notification
//! server (some Linux sessions) showing fails: that is logged and the app carries on; the tray's
//! recent list still leads to the tickets.
//!
//! On Windows and macOS they go through tauri-plugin-notification, which names the app by its
//! identifier. On Linux the plugin would send the binary's name (`ticket-bridge`) as the app
//! name and no `desktop-entry` hint, so notify-rust (the crate the plugin uses there) sends them
//! directly, from "Ticket Bridge" with the desktop entry and icon the package installs, and a
//! thread waits for the click.

#[cfg(not(target_os = "linux"))]
use std::collections::HashMap;
#[cfg(not(target_os = "linux"))]
use std::sync::Mutex;
#[cfg(not(target_os = "linux"))]
use std::sync::atomic::AtomicI32;
use std::sync::atomic::Ordering;
use tauri::{AppHandle, Manager, Runtime};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::tickets::notice::Notice;

/// What a click on a shown notification opens, by notification id.
#[cfg(not(target_os = "linux"))]
#[derive(Default)]
pub struct Clicks {
    next: AtomicI32,
    targets: Mutex<HashMap<i32, Option<String>>>,
}

/// At most this many notifications remember their target.
#[cfg(not(target_os = "linux"))]
const REMEMBERED: usize = 200;

/// Linux: each notification waits for its own click (see [`show`]).
#[cfg(target_os = "linux")]
pub fn install<R: Runtime>(_app: &AppHandle<R>) {}

/// Listens for clicks. Call in setup, before the first notification: the plugin only reports
/// clicks on notifications shown while a handler exists.
#[cfg(not(target_os = "linux"))]
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
        clicked(&handle, target.flatten());
    });
    if let Err(e) = registered {
        log::warn!("notification clicks will not be reported: {e}");
    }
}

/// The name notifications come from, and the desktop entry and icon the Linux packages install
/// (named after the binary).
#[cfg(target_os = "linux")]
const APP_NAME: &str = "Ticket Bridge";
#[cfg(target_os = "linux")]
const DESKTOP_ENTRY: &str = "ticket-bridge";

/// At most this many shown notifications wait for a click at once (a thread each); beyond that
/// a notification is still shown, and the tray leads to its ticket.
#[cfg(target_os = "linux")]
const WAITING: usize = 16;

#[cfg(target_os = "linux")]
static WAITING_NOW: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Shows `notice`; a click opens `url` (the ticket), or the app when there is none.
#[cfg(target_os = "linux")]
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: &Notice, url: Option<String>) {
    use notify_rust::{Hint, Notification};
    let lang = app
        .try_state::<std::sync::Arc<ticket_bridge_core::workspace::Workspaces>>()
        .map(|w| w.locale())
        .unwrap_or_else(|| "en".into());
    let shown = Notification::new()
        .appname(APP_NAME)
        .summary(&notice.title)
        .body(&body_for_server(&notice.body))
        .icon(DESKTOP_ENTRY)
        .hint(Hint::DesktopEntry(DESKTOP_ENTRY.into()))
        .action("default", &crate::i18n::text(&lang, "tray.open"))
        .show();
    let handle = match shown {
        Ok(h) => h,
        Err(e) => {
            log::warn!(
                "the notification could not be shown ({e}): {}",
                notice.title
            );
            return;
        }
    };
    log::info!("notification shown: {}", notice.title);
    if WAITING_NOW.fetch_add(1, Ordering::SeqCst) >= WAITING {
        WAITING_NOW.fetch_sub(1, Ordering::SeqCst);
        log::info!("too many notifications wait for a click; this one opens nothing");
        return;
    }
    let app = app.clone();
    let waiter = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            handle.wait_for_action(|action| {
                if action == "default" {
                    clicked(&app, url);
                }
            });
            WAITING_NOW.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(e) = waiter {
        WAITING_NOW.fetch_sub(1, Ordering::SeqCst);
        log::warn!("a click on the notification will open nothing: {e}");
    }
}

/// A click on a notification: its ticket in the browser, or the app.
fn clicked<R: Runtime>(app: &AppHandle<R>, url: Option<String>) {
    match url {
        Some(url) => {
            log::info!("notification clicked: opening the ticket");
            if let Err(e) = app.opener().open_url(url, None::<&str>) {
                log::warn!("could not open the ticket: {e}");
            }
        }
        None => crate::show_main_window(app),
    }
}

/// Shows `notice`; a click opens `url` (the ticket), or the app when there is none.
#[cfg(not(target_os = "linux"))]
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
