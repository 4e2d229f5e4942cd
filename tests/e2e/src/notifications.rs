//! A notification server for tests: it owns `org.freedesktop.Notifications` on the session bus
//! (the one the app and tauri-driver inherit) and records every notification it is sent, so a
//! test can wait for one and read its summary and body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use zbus::zvariant::OwnedValue;

/// One notification as the app sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
}

#[derive(Clone)]
struct Recorder {
    log: Arc<Mutex<Vec<Notification>>>,
    changed: Arc<watch::Sender<usize>>,
}

struct Server {
    rec: Recorder,
    next_id: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let id = if replaces_id != 0 {
            replaces_id
        } else {
            self.next_id += 1;
            self.next_id
        };
        let mut log = self.rec.log.lock().unwrap();
        log.push(Notification {
            id,
            app_name,
            summary,
            body,
            actions,
        });
        self.rec.changed.send_replace(log.len());
        id
    }

    fn close_notification(&self, _id: u32) {}

    /// What a desktop sends when the user clicks a notification (its `default` action).
    #[zbus(signal)]
    async fn action_invoked(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;

    fn get_capabilities(&self) -> Vec<String> {
        // As GNOME Shell and KDE Plasma do: the body is read as markup.
        vec!["body".into(), "body-markup".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "ticket-bridge-e2e".into(),
            "Ticket Bridge tests".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }
}

/// The running server. Dropping it releases the bus name.
pub struct NotificationServer {
    rec: Recorder,
    conn: zbus::Connection,
}

impl NotificationServer {
    /// Takes the well-known name on the session bus. Fails when there is no session bus, or
    /// when another notification daemon already owns the name.
    pub async fn start() -> zbus::Result<Self> {
        let (tx, _rx) = watch::channel(0);
        let rec = Recorder {
            log: Arc::default(),
            changed: Arc::new(tx),
        };
        let server = Server {
            rec: rec.clone(),
            next_id: 0,
        };
        let conn = zbus::connection::Builder::session()?
            .name("org.freedesktop.Notifications")?
            .serve_at("/org/freedesktop/Notifications", server)?
            .build()
            .await?;
        Ok(Self { rec, conn })
    }

    /// Clicks notification `id` as a person would: the server emits `ActionInvoked(id,
    /// "default")`, as desktops do for a click on the notification's body.
    pub async fn click(&self, id: u32) -> zbus::Result<()> {
        let iface = self
            .conn
            .object_server()
            .interface::<_, Server>("/org/freedesktop/Notifications")
            .await?;
        Server::action_invoked(iface.signal_emitter(), id, "default").await
    }

    /// Everything received so far, oldest first.
    /// Forgets what was received so far.
    pub fn clear(&self) {
        self.rec.log.lock().unwrap().clear();
    }

    pub fn received(&self) -> Vec<Notification> {
        self.rec.log.lock().unwrap().clone()
    }

    /// Waits until a notification matching `pred` has arrived, or `within` has passed.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&Notification) -> bool,
    ) -> Option<Notification> {
        let mut rx = self.rec.changed.subscribe();
        let found = |log: &Vec<Notification>| log.iter().find(|n| pred(n)).cloned();
        tokio::time::timeout(within, async {
            loop {
                if let Some(n) = found(&self.rec.log.lock().unwrap()) {
                    return n;
                }
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .ok()
    }
}
