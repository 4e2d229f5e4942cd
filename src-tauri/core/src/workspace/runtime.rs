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

/// Starts the sender and the watcher of `ws`.
pub(super) fn start(app: &Arc<Workspaces>, ws: &Arc<Workspace>) {
    let host = app.host().clone();
    host.spawn(Box::pin(sender_loop(Arc::downgrade(app), ws.clone())));
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
            match ws.tickets().refresh_tickets().await {
                Ok(list) => {
                    ws.set_recent(&list.tickets);
                    host.emit(Event::TicketsChanged {
                        workspace: ws.id().to_owned(),
                        list,
                    });
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
        if let Some(list) = &report.list {
            host.emit(Event::TicketsChanged {
                workspace: ws.id().to_owned(),
                list: list.clone(),
            });
            ws.set_recent(&list.tickets);
        }
        if !report.changes.is_empty() {
            let looking = host.window_in_front() && app.selected().as_deref() == Some(ws.id());
            if !looking {
                ws.add_unseen(report.changes.iter().map(|c| c.sys_id.clone()));
            }
            let lang = app.locale();
            let tickets = ws.tickets().clone();
            let labels = move |kind, value: &str| tickets.state_label(kind, value);
            match app.notifications().paused_until() {
                Some(until) => log::info!(
                    "{}: {} ticket change(s); notifications are paused until {until}",
                    ws.id(),
                    report.changes.len()
                ),
                None => {
                    let prefs = app.notifications().prefs();
                    if let Some(mut n) =
                        notice::notice(&lang, &report.changes, &prefs.notify, &labels)
                    {
                        app.name_instance(&mut n, ws);
                        let url = n.sys_id.as_deref().and_then(|id| {
                            let kind = report.changes.iter().find(|c| c.sys_id == id)?.kind;
                            ws.tickets().ticket_url(kind, id).ok()
                        });
                        host.notify(&n, url);
                    }
                }
            }
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
