//! The two background loops of a workspace: the sender (sends what waits in the outbox when it
//! is due, and at once when woken by a submit, Retry or a new connection) and the watcher's
//! sink (what a poll's findings become: events, notifications, the tray's recent list and its
//! count). Both end when the workspace is closed or the registry is gone.

use super::host::Event;
use super::{Workspace, Workspaces};
use crate::tickets::notice;
use crate::tickets::service::WatchReport;
use crate::tickets::watcher::{self, WatchSink, WatchStatus};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// While something waits, the sender looks again this often.
const EVERY: Duration = Duration::from_secs(30);

/// How often the Secure Score is read in the background (points move about daily).
const SCORE_EVERY: Duration = Duration::from_secs(3600);
/// After a failed read, the next try.
const SCORE_RETRY: Duration = Duration::from_secs(10 * 60);

/// Starts the sender, the watcher and the Secure Score loop of `ws`.
pub(super) fn start(app: &Arc<Workspaces>, ws: &Arc<Workspace>) {
    let host = app.host().clone();
    host.spawn(Box::pin(sender_loop(Arc::downgrade(app), ws.clone())));
    host.spawn(Box::pin(score_loop(ws.clone())));
    let sink: Arc<dyn WatchSink> = Arc::new(Sink {
        app: Arc::downgrade(app),
        ws: ws.clone(),
    });
    host.spawn(Box::pin(watcher::run(
        ws.tickets().clone(),
        sink,
        ws.watch.clone(),
    )));
}

/// Reads the score when woken (a sign-in, the actions page) and about hourly; judges the
/// tickets every time (a closed ticket's 48 hours pass without a new reading too).
async fn score_loop(ws: Arc<Workspace>) {
    let mut wait = SCORE_EVERY;
    loop {
        tokio::select! {
            _ = ws.closed().cancelled() => return,
            _ = ws.score_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        if ws.microsoft().settings().is_none() {
            ws.judge().await;
            wait = SCORE_EVERY;
            continue;
        }
        wait = match ws.refresh_score().await {
            Ok(_) => SCORE_EVERY,
            Err(e) => {
                log::warn!(
                    "{}: the Secure Score could not be read: {}",
                    ws.id(),
                    e.message
                );
                ws.judge().await;
                SCORE_RETRY
            }
        };
    }
}

async fn sender_loop(app: Weak<Workspaces>, ws: Arc<Workspace>) {
    loop {
        // With nothing waiting, nothing is due until a task is submitted or retried (both wake
        // the sender): no timer while idle.
        let idle = ws.tickets().outbox_items().is_empty();
        tokio::select! {
            _ = ws.closed().cancelled() => return,
            _ = ws.sender.wake.notified() => {}
            _ = tokio::time::sleep(EVERY), if !idle => {}
        }
        let Some(app) = app.upgrade() else { return };
        let host = app.host();
        if ws.sender.refresh.swap(false, Ordering::SeqCst) {
            match ws.tickets().sync_tickets().await {
                Ok(()) => {
                    ws.emit_tickets();
                    host.tray_changed();
                }
                Err(e) => log::warn!(
                    "{}: the ticket list could not be read: {}",
                    ws.id(),
                    e.message
                ),
            }
        }
        let before = ws.tickets().outbox_items().len();
        let sent = ws.tickets().send_due().await;
        let changed = ws.tickets().outbox_items().len() != before || !sent.is_empty();
        ws.emit_outbox();
        if !sent.is_empty() {
            ws.emit_tickets();
            host.tray_changed();
        }
        if changed {
            app.publish().await;
        }
    }
}

/// The watcher's findings, told to the desktop.
struct Sink {
    app: Weak<Workspaces>,
    ws: Arc<Workspace>,
}

impl WatchSink for Sink {
    fn report(&self, report: &WatchReport) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        let host = app.host();
        let ws = &self.ws;
        if report.read_tickets {
            ws.emit_tickets();
        }
        if !report.changes.is_empty() {
            app.tell(ws, &report.changes);
            let app = app.clone();
            host.spawn(Box::pin(async move { app.publish().await }));
        }
        host.tray_changed();
    }

    fn status(&self, status: &WatchStatus) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        // A hidden window (the app in the tray, all day) is not woken for every poll; it gets
        // the status when it is shown again (`Workspaces::window_seen`).
        if app.host().window_visible() {
            app.host().emit(Event::WatchStatus {
                workspace: self.ws.id().to_owned(),
                status: status.clone(),
            });
        }
    }

    fn lost_sign_in(&self) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        let mut n = notice::reconnect(&app.locale());
        app.name_instance(&mut n, &self.ws);
        app.host().notify(&n, None);
        // The cards show Reconnect.
        let ws = self.ws.clone();
        let host = app.host().clone();
        host.spawn(Box::pin(async move {
            let connection = ws.connection().status().await;
            app.host().emit(Event::ConnectionChanged {
                workspace: ws.id().to_owned(),
                connection,
            });
            app.publish().await;
        }));
    }
}
