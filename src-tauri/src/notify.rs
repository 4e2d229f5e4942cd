//! Native notifications, built in Rust (the UI has no notification permission). A click opens
//! the ticket the notification is about, or the app for a summary. Without a notification
//! server (some Linux sessions) showing fails: that is logged and the app carries on; the tray's
//! recent list still leads to the tickets.
//!
//! On Windows and macOS they go through tauri-plugin-notification, which names the app by its
//! identifier. On Linux the plugin would send the binary's name (`ticket-bridge`) as the app
//! name and no `desktop-entry` hint, so [`linux`] speaks the Desktop Notifications
//! Specification over D-Bus itself (zbus, as the plugin does), from "Ticket Bridge" with the
//! desktop entry and icon the package installs.

#[cfg(not(target_os = "linux"))]
use std::collections::HashMap;
#[cfg(not(target_os = "linux"))]
use std::sync::Mutex;
#[cfg(not(target_os = "linux"))]
use std::sync::atomic::{AtomicI32, Ordering};
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

/// Linux: connects to the session bus and listens for clicks (see [`linux`]).
#[cfg(target_os = "linux")]
pub fn install<R: Runtime>(app: &AppHandle<R>) {
    linux::install(app);
}

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

/// Linux: the Desktop Notifications Specification over one D-Bus connection of the app's own.
/// The plugin would send the binary's name (`ticket-bridge`) as the app name and no
/// `desktop-entry` hint; here notifications come from "Ticket Bridge", with the desktop entry
/// and icon the package installs. The connection subscribes to the server's signals before the
/// first notification, and a notification's target is recorded under the same lock it is sent
/// with, so a click that comes at once is never missed.
#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    use tauri::{AppHandle, Runtime};
    use zbus::blocking::{Connection, MessageIterator};
    use zbus::zvariant::Value;

    pub const APP_NAME: &str = "Ticket Bridge";
    /// The desktop entry the Linux packages install (`Ticket Bridge.desktop`: Tauri's bundler
    /// names it after the product), without `.desktop`, as the specification's hint wants it.
    pub const DESKTOP_ENTRY: &str = "Ticket Bridge";
    /// The icon the packages install under the binary's name (`Icon=ticket-bridge`).
    pub const ICON: &str = "ticket-bridge";
    const BUS: (&str, &str, &str) = (
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        "org.freedesktop.Notifications",
    );
    /// At most this many shown notifications remember what a click opens.
    const REMEMBERED: usize = 200;

    pub struct Bus {
        conn: Connection,
        /// What a click opens, by the server's id of the notification.
        targets: Mutex<HashMap<u32, Option<String>>>,
        markup: bool,
    }

    static BUS_READY: OnceLock<Option<Arc<Bus>>> = OnceLock::new();

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connects and subscribes; `None` (logged) without a session bus.
    pub fn install<R: Runtime>(app: &AppHandle<R>) {
        let app = app.clone();
        BUS_READY.get_or_init(move || match connect(app) {
            Ok(bus) => Some(bus),
            Err(e) => {
                log::warn!("no notifications: the session bus cannot be reached ({e})");
                None
            }
        });
    }

    fn connect<R: Runtime>(app: AppHandle<R>) -> zbus::Result<Arc<Bus>> {
        let conn = Connection::session()?;
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(BUS.2)?
            .path(BUS.1)?
            .build();
        // Subscribed now, before any notification is shown.
        let signals = MessageIterator::for_match_rule(rule, &conn, Some(64))?;
        let markup = capabilities(&conn).map_or(true, |c| c.iter().any(|c| c == "body-markup"));
        let bus = Arc::new(Bus {
            conn,
            targets: Mutex::default(),
            markup,
        });
        let listening = bus.clone();
        std::thread::Builder::new()
            .name("notification-clicks".into())
            .spawn(move || {
                for msg in signals.flatten() {
                    let header = msg.header();
                    let member = header.member().map(|m| m.as_str().to_owned());
                    match member.as_deref() {
                        Some("ActionInvoked") => {
                            let Ok((id, key)) = msg.body().deserialize::<(u32, String)>() else {
                                continue;
                            };
                            // Waits for a notification being sent to be recorded.
                            let target = lock(&listening.targets).remove(&id);
                            if key == "default"
                                && let Some(target) = target
                            {
                                super::clicked(&app, target);
                            }
                        }
                        Some("NotificationClosed") => {
                            if let Ok((id, _reason)) = msg.body().deserialize::<(u32, u32)>() {
                                lock(&listening.targets).remove(&id);
                            }
                        }
                        _ => {}
                    }
                }
            })
            .map_err(|e| zbus::Error::Failure(e.to_string()))?;
        Ok(bus)
    }

    fn capabilities(conn: &Connection) -> zbus::Result<Vec<String>> {
        conn.call_method(Some(BUS.0), BUS.1, Some(BUS.2), "GetCapabilities", &())?
            .body()
            .deserialize()
    }

    /// Shows a notification; a click opens `target` (a ticket), or the app for `None`.
    pub fn show(
        title: &str,
        body: &str,
        open_label: &str,
        target: Option<String>,
    ) -> Result<(), String> {
        let Some(bus) = BUS_READY.get().and_then(Option::as_ref) else {
            return Err("notifications are not set up".into());
        };
        // ServiceNow's text (a ticket's name, a comment) is data: escaped for servers that
        // read the body as markup, so it shows as written.
        let body = if bus.markup {
            ticket_bridge_core::tickets::notice::escape_markup(body)
        } else {
            body.to_owned()
        };
        let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
        hints.insert("desktop-entry", Value::from(DESKTOP_ENTRY));
        let actions = vec!["default", open_label];
        let mut targets = lock(&bus.targets);
        let id: u32 = bus
            .conn
            .call_method(
                Some(BUS.0),
                BUS.1,
                Some(BUS.2),
                "Notify",
                &(
                    APP_NAME,
                    0u32,
                    ICON,
                    title,
                    body.as_str(),
                    actions,
                    hints,
                    -1i32,
                ),
            )
            .and_then(|reply| reply.body().deserialize())
            .map_err(|e| e.to_string())?;
        if targets.len() >= REMEMBERED
            && let Some(oldest) = targets.keys().min().copied()
        {
            targets.remove(&oldest);
        }
        targets.insert(id, target);
        Ok(())
    }
}

/// Shows `notice`; a click opens `url` (the ticket), or the app when there is none.
#[cfg(target_os = "linux")]
pub fn show<R: Runtime>(app: &AppHandle<R>, notice: &Notice, url: Option<String>) {
    let lang = app
        .try_state::<std::sync::Arc<ticket_bridge_core::workspace::Workspaces>>()
        .map(|w| w.locale())
        .unwrap_or_else(|| "en".into());
    let open = crate::i18n::text(&lang, "tray.open");
    match linux::show(&notice.title, &notice.body, &open, url) {
        Ok(()) => log::info!("notification shown: {}", notice.title),
        Err(e) => log::warn!(
            "the notification could not be shown ({e}): {}",
            notice.title
        ),
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
        .body(&notice.body)
        .show();
    match shown {
        Ok(()) => log::info!("notification shown: {}", notice.title),
        Err(e) => log::warn!(
            "the notification could not be shown ({e}): {}",
            notice.title
        ),
    }
}
