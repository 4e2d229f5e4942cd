//! The actions page, the task form, the outbox panel, the ticket cards and list, state names,
//! category mapping and export: each for the workspace the UI names.

use super::Registry;
use std::collections::BTreeMap;
use tauri::{AppHandle, Runtime};
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::board::{
    ActionView, StateNames, TicketList, TicketRef, TicketSummary,
};
use ticket_bridge_core::tickets::service::{DraftInput, OutboxItem, Preview, SubmitOutcome};
use ticket_bridge_core::tickets::{Category, TicketKind};

#[tauri::command]
pub fn list_actions(registry: Registry<'_>, workspace: String) -> Result<Vec<ActionView>, Error> {
    super::workspace(&registry, &workspace)?.tickets().actions()
}

#[tauri::command]
pub async fn add_action(
    registry: Registry<'_>,
    workspace: String,
    title: String,
    category: Category,
    remediation: Option<String>,
) -> Result<ActionView, Error> {
    super::workspace(&registry, &workspace)?
        .tickets()
        .add_action(&title, category, remediation.as_deref().unwrap_or(""))
        .await
}

#[tauri::command]
pub async fn open_ticket_for_action(
    registry: Registry<'_>,
    workspace: String,
    action_id: String,
) -> Result<Option<TicketRef>, Error> {
    super::workspace(&registry, &workspace)?
        .tickets()
        .open_ticket_for_action(&action_id)
        .await
}

#[tauri::command]
pub fn preview_task(
    registry: Registry<'_>,
    workspace: String,
    draft: DraftInput,
) -> Result<Preview, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .tickets()
        .preview(draft))
}

#[tauri::command]
pub async fn submit_task(
    registry: Registry<'_>,
    workspace: String,
    draft: DraftInput,
) -> Result<SubmitOutcome, Error> {
    super::workspace(&registry, &workspace)?.submit(draft).await
}

#[tauri::command]
pub fn outbox_list(registry: Registry<'_>, workspace: String) -> Result<Vec<OutboxItem>, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .tickets()
        .outbox_items())
}

#[tauri::command]
pub async fn outbox_retry(
    registry: Registry<'_>,
    workspace: String,
    id: String,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.retry(&id).await
}

/// The admin looked in ServiceNow and found no ticket: send it without looking again.
#[tauri::command]
pub async fn outbox_send_anyway(
    registry: Registry<'_>,
    workspace: String,
    id: String,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?
        .send_anyway(&id)
        .await
}

#[tauri::command]
pub async fn outbox_discard(
    registry: Registry<'_>,
    workspace: String,
    id: String,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.discard(&id).await
}

/// What the home page shows: counts by state and the newest of each kind, from the cache.
#[tauri::command]
pub fn ticket_summary(registry: Registry<'_>, workspace: String) -> Result<TicketSummary, Error> {
    super::workspace(&registry, &workspace)?.ticket_summary()
}

#[tauri::command]
pub fn list_tickets(registry: Registry<'_>, workspace: String) -> Result<TicketList, Error> {
    super::workspace(&registry, &workspace)?
        .tickets()
        .cached_tickets()
}

#[tauri::command]
pub async fn refresh_tickets(
    registry: Registry<'_>,
    workspace: String,
) -> Result<TicketList, Error> {
    super::workspace(&registry, &workspace)?
        .refresh_tickets()
        .await
}

#[tauri::command]
pub fn state_names(registry: Registry<'_>, workspace: String) -> Result<StateNames, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .tickets()
        .state_names())
}

#[tauri::command]
pub async fn set_state_name(
    registry: Registry<'_>,
    workspace: String,
    kind: TicketKind,
    value: String,
    label: Option<String>,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?
        .set_state_name(kind, &value, label.as_deref())
        .await
}

#[tauri::command]
pub async fn reset_state_names(registry: Registry<'_>, workspace: String) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?
        .reset_state_names()
        .await
}

#[tauri::command]
pub fn category_mapping(
    registry: Registry<'_>,
    workspace: String,
) -> Result<BTreeMap<String, String>, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .tickets()
        .category_mapping())
}

#[tauri::command]
pub async fn set_category_mapping(
    registry: Registry<'_>,
    workspace: String,
    mapping: BTreeMap<String, String>,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?
        .tickets()
        .set_category_mapping(mapping)
        .await
}

#[derive(serde::Serialize)]
pub struct Exported {
    path: String,
}

#[tauri::command]
pub async fn export_tickets_csv<R: Runtime>(
    app: AppHandle<R>,
    registry: Registry<'_>,
    workspace: String,
    sys_ids: Option<Vec<String>>,
) -> Result<Exported, Error> {
    let ws = super::workspace(&registry, &workspace)?;
    let dir = super::save_dir(&app, "downloads_folder_missing")?;
    let path = ws.export_csv(sys_ids, dir).await?;
    Ok(Exported {
        path: path.display().to_string(),
    })
}

/// Opens a page of the workspace's instance in the system browser (core checks the address).
#[tauri::command]
pub fn open_url(registry: Registry<'_>, workspace: String, url: String) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.open_page(&url)
}
