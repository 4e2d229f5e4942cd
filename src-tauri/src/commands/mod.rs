//! IPC adapters, one module per screen. Each command parses its input, finds the workspace it
//! is for, calls `ticket-bridge-core` and returns data or `ticket_bridge_core::Error` (which
//! serializes as `{ kind, reason, params, message, hint }`). No business logic and no state here.

pub mod connection;
pub mod help;
pub mod home;
pub mod score;
pub mod tickets;
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
