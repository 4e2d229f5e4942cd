//! IPC adapters, one module per screen. Each command parses its input, finds the workspace it
//! is for, calls `ticket-bridge-core` and returns data or `ticket_bridge_core::Error` (which
//! serializes as `{ kind, reason, params, message, hint }`). No business logic and no state here.

pub mod connection;
pub mod help;
pub mod home;
pub mod network;
pub mod score;
pub mod tickets;
pub mod updates;
pub mod watch;
pub mod workspaces;

use std::sync::Arc;
use tauri::State;
use ticket_bridge_core::workspace::{Workspace, Workspaces};

/// The registry, as commands receive it.
pub type Registry<'a> = State<'a, Arc<Workspaces>>;

/// The workspace a command names.
pub fn workspace(registry: &Workspaces, id: &str) -> ticket_bridge_core::Result<Arc<Workspace>> {
    registry.get(id)
}

/// Where files the admin asked for (an export, the diagnostics) are saved: the Downloads folder,
/// else Documents, else a Downloads folder in the home folder (made when saving), as on a
/// Linux desktop without XDG user folders. `reason` names the caller's error when there is no
/// home folder at all.
pub fn save_dir<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    reason: &str,
) -> ticket_bridge_core::Result<std::path::PathBuf> {
    use tauri::Manager;
    let path = app.path();
    path.download_dir()
        .or_else(|_| path.document_dir())
        .or_else(|_| path.home_dir().map(|home| home.join("Downloads")))
        .map_err(|e| {
            ticket_bridge_core::Error::internal(format_args!("no Downloads folder ({e})"))
                .with_reason(reason)
        })
}
