//! The actions page, the task form, the outbox panel, the ticket cards and list, state names.

use crate::events;
use std::sync::Arc;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::board::{ActionView, StateNames, TicketList, TicketRef};
use ticket_bridge_core::tickets::service::{
    DraftInput, OutboxItem, Preview, SubmitOutcome, TicketService,
};
use ticket_bridge_core::tickets::{Category, TicketKind};

type Tickets<'a> = State<'a, Arc<TicketService>>;

#[tauri::command]
pub fn list_actions(tickets: Tickets<'_>) -> Result<Vec<ActionView>, Error> {
    tickets.actions()
}

#[tauri::command]
pub fn add_action(
    tickets: Tickets<'_>,
    title: String,
    category: Category,
    remediation: Option<String>,
) -> Result<ActionView, Error> {
    tickets.add_action(&title, category, remediation.as_deref().unwrap_or(""))
}

#[tauri::command]
pub async fn open_ticket_for_action(
    tickets: Tickets<'_>,
    action_id: String,
) -> Result<Option<TicketRef>, Error> {
    tickets.open_ticket_for_action(&action_id).await
}

#[tauri::command]
pub fn preview_task(tickets: Tickets<'_>, draft: DraftInput) -> Preview {
    tickets.preview(draft)
}

#[tauri::command]
pub async fn submit_task<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    draft: DraftInput,
) -> Result<SubmitOutcome, Error> {
    let outcome = tickets.submit(draft).await?;
    events::outbox_changed(&app, &tickets.outbox_items());
    // A task that waits needs the sender's timer.
    crate::sender::wake(&app);
    if outcome.sent.is_some()
        && let Ok(list) = tickets.cached_tickets()
    {
        events::tickets_changed(&app, &list);
    }
    Ok(outcome)
}

#[tauri::command]
pub fn outbox_list(tickets: Tickets<'_>) -> Vec<OutboxItem> {
    tickets.outbox_items()
}

#[tauri::command]
pub fn outbox_retry<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    id: String,
) -> Result<(), Error> {
    tickets.retry(&id)?;
    crate::sender::wake(&app);
    Ok(())
}

#[tauri::command]
pub fn outbox_discard<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    id: String,
) -> Result<(), Error> {
    tickets.discard(&id)?;
    events::outbox_changed(&app, &tickets.outbox_items());
    Ok(())
}

#[tauri::command]
pub fn list_tickets(tickets: Tickets<'_>) -> Result<TicketList, Error> {
    tickets.cached_tickets()
}

#[tauri::command]
pub async fn refresh_tickets<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
) -> Result<TicketList, Error> {
    let list = tickets.refresh_tickets().await?;
    events::tickets_changed(&app, &list);
    Ok(list)
}

#[tauri::command]
pub fn state_names(tickets: Tickets<'_>) -> StateNames {
    tickets.state_names()
}

#[tauri::command]
pub fn set_state_name<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    kind: TicketKind,
    value: String,
    label: Option<String>,
) -> Result<(), Error> {
    tickets.set_state_name(kind, &value, label.as_deref())?;
    if let Ok(list) = tickets.cached_tickets() {
        events::tickets_changed(&app, &list);
    }
    Ok(())
}

#[tauri::command]
pub fn reset_state_names<R: Runtime>(app: AppHandle<R>, tickets: Tickets<'_>) -> Result<(), Error> {
    tickets.reset_state_names()?;
    if let Ok(list) = tickets.cached_tickets() {
        events::tickets_changed(&app, &list);
    }
    Ok(())
}

#[tauri::command]
pub fn category_mapping(tickets: Tickets<'_>) -> std::collections::BTreeMap<String, String> {
    tickets.category_mapping()
}

#[tauri::command]
pub fn set_category_mapping(
    tickets: Tickets<'_>,
    mapping: std::collections::BTreeMap<String, String>,
) -> Result<(), Error> {
    tickets.set_category_mapping(&mapping)
}

#[derive(serde::Serialize)]
pub struct Exported {
    path: String,
}

#[tauri::command]
pub fn export_tickets_csv<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    sys_ids: Option<Vec<String>>,
) -> Result<Exported, Error> {
    let csv = tickets.csv(sys_ids.as_deref())?;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().document_dir())
        .map_err(|e| Error::internal(format_args!("no Downloads folder ({e})")))?;
    std::fs::create_dir_all(&dir).map_err(Error::internal)?;
    let name = format!(
        "ticket-bridge-tickets-{}.csv",
        chrono::Local::now().format("%Y-%m-%d-%H%M%S")
    );
    let path = dir.join(name);
    std::fs::write(&path, csv).map_err(|e| {
        Error::new(
            ticket_bridge_core::ErrorKind::InvalidInput,
            format!(
                "The CSV file could not be saved in {} ({e}).",
                dir.display()
            ),
            "Check that the Downloads folder exists and can be written to, then export again.",
        )
    })?;
    Ok(Exported {
        path: path.display().to_string(),
    })
}

#[tauri::command]
pub fn open_url<R: Runtime>(
    app: AppHandle<R>,
    tickets: Tickets<'_>,
    url: String,
) -> Result<(), Error> {
    if !tickets.is_instance_url(&url) {
        return Err(Error::invalid_input(
            "Ticket Bridge only opens pages of your ServiceNow instance.",
            "Open the ticket from the list again.",
        ));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| Error::internal(format_args!("the browser could not be opened ({e})")))
}
