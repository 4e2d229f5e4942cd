//! The workspace switcher and removal: list, select, rename, what waits, remove.

use super::Registry;
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::service::OutboxItem;
use ticket_bridge_core::workspace::{RemoveOutcome, WaitingChoice, WorkspaceSummary};

#[tauri::command]
pub async fn list_workspaces(registry: Registry<'_>) -> Result<Vec<WorkspaceSummary>, Error> {
    Ok(registry.summaries().await)
}

#[tauri::command]
pub async fn select_workspace(registry: Registry<'_>, workspace: String) -> Result<(), Error> {
    registry.select(&workspace).await
}

#[tauri::command]
pub async fn rename_workspace(
    registry: Registry<'_>,
    workspace: String,
    name: Option<String>,
) -> Result<(), Error> {
    registry.rename(&workspace, name).await
}

/// The tasks a removal would ask about.
#[tauri::command]
pub fn waiting_tasks(registry: Registry<'_>, workspace: String) -> Result<Vec<OutboxItem>, Error> {
    registry.waiting_tasks(&workspace)
}

/// Revokes the tokens, deletes the secrets and the cached tickets; `waiting` says what to do
/// with tasks that still wait (required when there are some).
#[tauri::command]
pub async fn remove_connection(
    registry: Registry<'_>,
    workspace: String,
    waiting: Option<WaitingChoice>,
) -> Result<RemoveOutcome, Error> {
    registry.remove(&workspace, waiting).await
}
