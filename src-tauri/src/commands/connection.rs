//! The connection card, the setup page and the manage page: connect (OAuth in the browser),
//! the wrong-user choice, status, the connection check.

use super::Registry;
use ticket_bridge_core::Error;
use ticket_bridge_core::connection::{self, ConnectRequest, ConnectionInfo, FormCheck};
use ticket_bridge_core::doctor;
use ticket_bridge_core::workspace::{ConnectResult, FormDefaults};

/// Signs in to a new workspace (`workspace` absent) or again to an existing one.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn connect(
    registry: Registry<'_>,
    workspace: Option<String>,
    instance: String,
    client_id: String,
    client_secret: Option<String>,
    integration_user: String,
    port: Option<u16>,
) -> Result<ConnectResult, Error> {
    let request = ConnectRequest {
        instance,
        client_id,
        client_secret,
        integration_user,
        port,
    };
    registry.connect(workspace.as_deref(), request).await
}

/// What is wrong with the setup form, field by field, and the redirect URL for its port.
#[tauri::command]
pub fn check_connect_form(
    instance: String,
    client_id: String,
    client_secret: Option<String>,
    integration_user: String,
    port: Option<String>,
) -> FormCheck {
    connection::check_form(
        &instance,
        &client_id,
        client_secret.as_deref(),
        &integration_user,
        port.as_deref(),
    )
}

#[tauri::command]
pub async fn reauthorize(
    registry: Registry<'_>,
    workspace: String,
) -> Result<ConnectResult, Error> {
    registry.reauthorize(&workspace).await
}

#[tauri::command]
pub async fn sign_in_again(registry: Registry<'_>) -> Result<ConnectResult, Error> {
    registry.sign_in_again().await
}

#[tauri::command]
pub async fn keep_account(registry: Registry<'_>) -> Result<ConnectResult, Error> {
    registry.keep_account().await
}

#[tauri::command]
pub fn cancel_connect(registry: Registry<'_>) {
    registry.cancel_connect();
}

#[tauri::command]
pub async fn connection_status(
    registry: Registry<'_>,
    workspace: String,
) -> Result<Option<ConnectionInfo>, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .connection_status()
        .await)
}

#[tauri::command]
pub async fn check_connection(
    registry: Registry<'_>,
    workspace: String,
) -> Result<doctor::Report, Error> {
    super::workspace(&registry, &workspace)?.check().await
}

/// What the setup form of a workspace is prefilled with (its instance, client ID, user, port).
#[tauri::command]
pub fn connect_profile(
    registry: Registry<'_>,
    workspace: String,
) -> Result<Option<FormDefaults>, Error> {
    Ok(super::workspace(&registry, &workspace)?
        .record()
        .and_then(|r| r.form_defaults()))
}
