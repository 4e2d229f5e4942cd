//! The Microsoft 365 card, the actions page's score header and the CSV import: each for the
//! workspace the UI names.

use super::Registry;
use ticket_bridge_core::Error;
use ticket_bridge_core::secure_score::csv_import::CsvImport;
use ticket_bridge_core::secure_score::csv_source::{CsvSummary, decode_upload};
use ticket_bridge_core::secure_score::signin::{MicrosoftForm, MicrosoftInfo};
use ticket_bridge_core::workspace::ScoreView;

/// Checks the sign-in form without signing in (the form's inline errors).
#[tauri::command]
pub fn check_microsoft_form(form: MicrosoftForm) -> Result<(), Error> {
    form.validate().map(|_| ())
}

#[tauri::command]
pub async fn microsoft_status(
    registry: Registry<'_>,
    workspace: String,
) -> Result<Option<MicrosoftInfo>, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .microsoft()
        .status()
        .await)
}

#[tauri::command]
pub async fn microsoft_sign_in(
    registry: Registry<'_>,
    workspace: String,
    form: MicrosoftForm,
) -> Result<MicrosoftInfo, Error> {
    super::workspace(&registry, &workspace)?
        .microsoft_sign_in(form)
        .await
}

#[tauri::command]
pub async fn microsoft_reconnect(
    registry: Registry<'_>,
    workspace: String,
) -> Result<MicrosoftInfo, Error> {
    super::workspace(&registry, &workspace)?
        .microsoft_reconnect()
        .await
}

#[tauri::command]
pub fn open_admin_consent(
    registry: Registry<'_>,
    workspace: String,
    form: MicrosoftForm,
) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.open_admin_consent(&form)
}

#[tauri::command]
pub fn microsoft_cancel(registry: Registry<'_>, workspace: String) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.microsoft_cancel();
    Ok(())
}

#[tauri::command]
pub async fn microsoft_sign_out(registry: Registry<'_>, workspace: String) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?
        .microsoft_sign_out()
        .await
}

/// The score header; an old score is read again in the background (`score://changed` follows).
#[tauri::command]
pub async fn score_view(registry: Registry<'_>, workspace: String) -> Result<ScoreView, Error> {
    let ws = super::workspace(&registry, &workspace)?;
    let view = ws.score_view().await;
    if view.stale {
        ws.wake_score();
    }
    Ok(view)
}

/// Reads the score now (the Refresh button); a failure is the error, and stays in the header.
#[tauri::command]
pub async fn refresh_score(registry: Registry<'_>, workspace: String) -> Result<ScoreView, Error> {
    let ws = super::workspace(&registry, &workspace)?;
    ws.refresh_score().await?;
    Ok(ws.score_view().await)
}

/// What importing the file would give; nothing is kept. `content` is the file in base64.
#[tauri::command]
pub async fn csv_preview(
    registry: Registry<'_>,
    workspace: String,
    content: String,
) -> Result<CsvImport, Error> {
    let ws = super::workspace(&registry, &workspace)?;
    ws.csv_preview(decode_upload(&content)?).await
}

#[tauri::command]
pub async fn csv_import(
    registry: Registry<'_>,
    workspace: String,
    content: String,
    file_name: Option<String>,
) -> Result<CsvSummary, Error> {
    let ws = super::workspace(&registry, &workspace)?;
    ws.csv_import(decode_upload(&content)?, file_name).await
}

#[tauri::command]
pub async fn csv_clear(registry: Registry<'_>, workspace: String) -> Result<(), Error> {
    super::workspace(&registry, &workspace)?.csv_clear().await
}
