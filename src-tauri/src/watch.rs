//! The shell side of the background watcher: its settings in `settings.json`, the one loop per
//! connection (`ticket_bridge_core::tickets::watcher::run`), and what a poll's findings become:
//! a `tickets://changed` event, a native notification, the tray's recent list and count.

use crate::{events, notify, tray};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Manager, Runtime};
use ticket_bridge_core::connection::ConnectionManager;
use ticket_bridge_core::tickets::board::TicketView;
use ticket_bridge_core::tickets::notice;
use ticket_bridge_core::tickets::service::{TicketService, WatchReport};
use ticket_bridge_core::tickets::watcher::{
    self, WatchControl, WatchPrefs, WatchSink, WatchStatus,
};

/// `WatchStatus`: the watcher polled, backed off, or stopped.
pub const STATUS_EVENT: &str = "watch://status";
/// `WatchSettingsView`: paused or resumed from the tray.
pub const SETTINGS_EVENT: &str = "watch://settings";
/// How many changed tickets the tray lists.
pub const RECENT: usize = 5;

type Saver = Box<dyn Fn(&WatchPrefs, Option<DateTime<Utc>>) + Send + Sync>;

/// The watcher's managed state.
pub struct Watch {
    pub control: Arc<WatchControl>,
    prefs: Mutex<WatchPrefs>,
    paused_until: Mutex<Option<DateTime<Utc>>>,
    /// Tickets changed since the window was last opened.
    unseen: Mutex<BTreeSet<String>>,
    /// The most recently changed tickets, newest first.
    recent: Mutex<Vec<TicketView>>,
    save: Saver,
}

/// What the settings card shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchSettingsView {
    #[serde(flatten)]
    pub prefs: WatchPrefs,
    pub paused_until: Option<DateTime<Utc>>,
    pub status: WatchStatus,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Watch {
    pub fn new(prefs: WatchPrefs, paused_until: Option<DateTime<Utc>>, save: Saver) -> Self {
        Self {
            control: Arc::new(WatchControl::new(prefs.interval_secs)),
            prefs: Mutex::new(prefs),
            paused_until: Mutex::new(paused_until),
            unseen: Mutex::default(),
            recent: Mutex::default(),
            save,
        }
    }

    pub fn prefs(&self) -> WatchPrefs {
        lock(&self.prefs).clone()
    }

    pub fn view(&self) -> WatchSettingsView {
        WatchSettingsView {
            prefs: self.prefs(),
            paused_until: self.paused_until(),
            status: self.control.status(),
        }
    }

    /// Saves new settings; the next wait uses the new interval.
    pub fn set_prefs(&self, prefs: WatchPrefs) -> ticket_bridge_core::Result<()> {
        prefs.validate()?;
        self.control.set_interval(prefs.interval_secs);
        *lock(&self.prefs) = prefs;
        self.persist();
        Ok(())
    }

    /// When notifications resume, if they are paused now.
    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        let mut p = lock(&self.paused_until);
        if p.is_some_and(|until| until <= Utc::now()) {
            *p = None;
        }
        *p
    }

    pub fn pause(&self, minutes: i64) {
        *lock(&self.paused_until) = Some(Utc::now() + chrono::TimeDelta::minutes(minutes));
        self.persist();
    }

    pub fn resume(&self) {
        *lock(&self.paused_until) = None;
        self.persist();
    }

    fn persist(&self) {
        (self.save)(&self.prefs(), *lock(&self.paused_until));
    }

    pub fn unseen_count(&self) -> usize {
        lock(&self.unseen).len()
    }

    /// The window was opened: the count starts again.
    pub fn seen(&self) -> bool {
        let mut u = lock(&self.unseen);
        let had = !u.is_empty();
        u.clear();
        had
    }

    pub fn recent(&self) -> Vec<TicketView> {
        lock(&self.recent).clone()
    }

    pub fn set_recent(&self, tickets: &[TicketView]) {
        *lock(&self.recent) = tickets.iter().take(RECENT).cloned().collect();
    }
}

/// The shell's sink: events, notifications, tray.
struct Sink<R: Runtime> {
    app: AppHandle<R>,
    tickets: Arc<TicketService>,
}

fn window_visible<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(crate::MAIN_WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(true))
}

fn emit_status<R: Runtime>(app: &AppHandle<R>, status: &WatchStatus) {
    use tauri::Emitter;
    if let Err(e) = app.emit(STATUS_EVENT, status) {
        log::warn!("could not send {STATUS_EVENT}: {e}");
    }
}

fn window_in_front<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.get_webview_window(crate::MAIN_WINDOW).is_some_and(|w| {
        w.is_visible().unwrap_or(false)
            && w.is_focused().unwrap_or(false)
            && !w.is_minimized().unwrap_or(false)
    })
}

impl<R: Runtime> WatchSink for Sink<R> {
    fn report(&self, report: &WatchReport) {
        let watch = self.app.state::<Arc<Watch>>();
        if let Some(list) = &report.list {
            events::tickets_changed(&self.app, list);
            watch.set_recent(&list.tickets);
        }
        if !report.changes.is_empty() {
            if !window_in_front(&self.app) {
                lock(&watch.unseen).extend(report.changes.iter().map(|c| c.sys_id.clone()));
            }
            let lang = self.app.state::<crate::Shell>().locale;
            let labels = |kind, value: &str| self.tickets.state_label(kind, value);
            match watch.paused_until() {
                Some(until) => log::info!(
                    "{} ticket change(s); notifications are paused until {until}",
                    report.changes.len()
                ),
                None => {
                    if let Some(n) =
                        notice::notice(lang, &report.changes, &watch.prefs().notify, &labels)
                    {
                        let url = n.sys_id.as_deref().and_then(|id| {
                            let kind = report.changes.iter().find(|c| c.sys_id == id)?.kind;
                            self.tickets.ticket_url(kind, id).ok()
                        });
                        notify::show(&self.app, &n, url);
                    }
                }
            }
        }
        tray::refresh(&self.app);
    }

    fn status(&self, status: &WatchStatus) {
        // A hidden window (the app in the tray, all day) is not woken for every poll; it gets
        // the status when it is shown again (`window_seen`).
        if window_visible(&self.app) {
            emit_status(&self.app, status);
        }
    }

    fn lost_sign_in(&self) {
        let lang = self.app.state::<crate::Shell>().locale;
        notify::show(&self.app, &notice::reconnect(lang), None);
        // The cards show Reconnect.
        let app = self.app.clone();
        tauri::async_runtime::spawn(async move {
            let info = app.state::<Arc<ConnectionManager>>().status().await;
            events::connection_changed(&app, info.as_ref());
        });
    }
}

/// Starts the watcher loop. Call once, in setup, after `Watch` and the ticket service are
/// managed.
pub fn start<R: Runtime>(app: &AppHandle<R>, tickets: Arc<TicketService>) {
    let watch = app.state::<Arc<Watch>>();
    if let Ok(list) = tickets.cached_tickets() {
        watch.set_recent(&list.tickets);
    }
    let control = watch.control.clone();
    let sink: Arc<dyn WatchSink> = Arc::new(Sink {
        app: app.clone(),
        tickets: tickets.clone(),
    });
    tauri::async_runtime::spawn(watcher::run(tickets, sink, control));
}

/// Poll now: "Refresh now", a new, restored or removed connection.
pub fn wake<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<Arc<Watch>>() {
        w.control.wake();
    }
}

/// Tells the UI the settings changed outside it (pause and resume in the tray).
pub fn settings_changed<R: Runtime>(app: &AppHandle<R>) {
    use tauri::Emitter;
    if let Some(w) = app.try_state::<Arc<Watch>>()
        && let Err(e) = app.emit(SETTINGS_EVENT, w.view())
    {
        log::warn!("could not send {SETTINGS_EVENT}: {e}");
    }
}

/// The connection was removed: the tray forgets its tickets.
pub fn connection_removed<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.try_state::<Arc<Watch>>() {
        w.set_recent(&[]);
        w.seen();
        w.control.wake();
    }
    tray::refresh(app);
}

/// The window was opened or focused: bring its status up to date, reset the tray's count.
pub fn window_seen<R: Runtime>(app: &AppHandle<R>) {
    let Some(w) = app.try_state::<Arc<Watch>>() else {
        return;
    };
    // The status the hidden window did not get.
    emit_status(app, &w.control.status());
    if w.seen() {
        tray::refresh(app);
    }
}
