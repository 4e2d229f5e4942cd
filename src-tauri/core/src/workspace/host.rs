//! What core asks of the desktop around it, and nothing more: tell the window something
//! ([`Event`]), show a notification, open a page in the system browser, refresh the tray, say
//! whether the window is in front, run a background task. The Tauri shell implements [`Host`];
//! tests implement it with channels. Core never knows which it talks to.

use super::WorkspaceSummary;
use crate::connection::ConnectionInfo;
use crate::error::Result;
use crate::tickets::board::TicketSummary;
use crate::tickets::notice::Notice;
use crate::tickets::service::OutboxItem;
use crate::tickets::watcher::WatchStatus;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// A task for [`Host::spawn`].
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The desktop, as core sees it.
pub trait Host: Send + Sync + 'static {
    /// Tells the UI something changed. Never carries a secret.
    fn emit(&self, event: Event);
    /// Shows a native notification; a click opens `open` (a ticket's page), or the app.
    fn notify(&self, notice: &Notice, open: Option<String>);
    /// Opens a page in the system browser.
    fn open_url(&self, url: &str) -> Result<()>;
    /// The tray's menu, badge and tooltip should be drawn again (from [`super::Workspaces`]).
    fn tray_changed(&self);
    /// The window is shown, focused and not minimized: changes seen there are not "unseen".
    fn window_in_front(&self) -> bool;
    /// The window is shown (the app is not only in the tray).
    fn window_visible(&self) -> bool;
    /// Runs a background task for as long as the app runs.
    fn spawn(&self, task: Task);
}

/// What the UI is told. Each names its workspace where it belongs to one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Event {
    /// The sign-in page the browser was sent to, shown with a Copy button.
    AuthorizeUrl {
        workspace: Option<String>,
        url: String,
    },
    /// A connection was made, renewed, lost or removed.
    ConnectionChanged {
        workspace: String,
        connection: Option<ConnectionInfo>,
    },
    /// The cached ticket list changed (sent, refreshed, watched, renamed states).
    TicketsChanged {
        workspace: String,
        summary: TicketSummary,
    },
    /// What waits to be sent changed.
    OutboxChanged {
        workspace: String,
        items: Vec<OutboxItem>,
    },
    /// The watcher polled, backed off or stopped.
    WatchStatus {
        workspace: String,
        status: WatchStatus,
    },
    /// Notification settings changed outside the UI (pause and resume in the tray).
    WatchSettings(super::notifications::NotificationSettings),
    /// The list of workspaces, or their counts, changed.
    Workspaces(Vec<WorkspaceSummary>),
    /// The Microsoft 365 sign-in page a sign-in waits on (the card offers to copy it).
    MicrosoftAuthorizeUrl { workspace: String, url: String },
    /// A Microsoft 365 sign-in was made, lost or ended.
    MicrosoftChanged {
        workspace: String,
        microsoft: Option<Box<crate::secure_score::signin::MicrosoftInfo>>,
    },
    /// The Secure Score was read, or its import changed.
    ScoreChanged {
        workspace: String,
        score: Box<super::ScoreView>,
    },
}

impl Event {
    /// The event's name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AuthorizeUrl { .. } => "connect://authorize-url",
            Self::ConnectionChanged { .. } => "connection://changed",
            Self::TicketsChanged { .. } => "tickets://changed",
            Self::OutboxChanged { .. } => "outbox://changed",
            Self::WatchStatus { .. } => "watch://status",
            Self::WatchSettings(_) => "watch://settings",
            Self::Workspaces(_) => "workspaces://changed",
            Self::MicrosoftAuthorizeUrl { .. } => "microsoft://authorize-url",
            Self::MicrosoftChanged { .. } => "microsoft://changed",
            Self::ScoreChanged { .. } => "score://changed",
        }
    }

    /// The event's payload: a JSON object with camelCase fields (a list for `Workspaces`).
    pub fn payload(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_name_their_workspace() {
        let e = Event::AuthorizeUrl {
            workspace: Some("ws-1".into()),
            url: "https://x".into(),
        };
        assert_eq!(e.name(), "connect://authorize-url");
        assert_eq!(
            e.payload(),
            serde_json::json!({"workspace": "ws-1", "url": "https://x"})
        );
        let e = Event::ConnectionChanged {
            workspace: "ws-2".into(),
            connection: None,
        };
        assert_eq!(
            e.payload(),
            serde_json::json!({"workspace": "ws-2", "connection": null})
        );
        assert_eq!(Event::Workspaces(vec![]).payload(), serde_json::json!([]));
    }
}
