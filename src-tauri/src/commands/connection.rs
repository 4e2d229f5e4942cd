//! The connection card, the setup page and the manage page: connect (OAuth in the browser),
//! the wrong-user choice, status, the connection doctor, remove.

use crate::events;
use std::sync::Arc;
use tauri::{AppHandle, Manager as _, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::Error;
use ticket_bridge_core::connection::{
    ConnectOutcome, ConnectRequest, ConnectionInfo, ConnectionManager,
};
use ticket_bridge_core::doctor;

type Manager<'a> = State<'a, Arc<ConnectionManager>>;

/// Shows the sign-in URL to the UI (in case no browser appears), opens the system browser,
/// then waits for ServiceNow's answer.
async fn open_and_finish<R: Runtime>(
    app: &AppHandle<R>,
    manager: &ConnectionManager,
    url: String,
) -> Result<ConnectOutcome, Error> {
    events::authorize_url(app, &url);
    if let Err(e) = app.opener().open_url(url, None::<&str>) {
        // The UI shows the link with a Copy button; the admin can open it by hand.
        log::warn!("could not open the browser: {e}");
    }
    let outcome = manager.finish().await;
    if let Ok(ConnectOutcome::Connected { connection }) = &outcome {
        events::connection_changed(app, Some(connection));
        crate::sender::refresh(app);
        crate::watch::wake(app);
    }
    outcome
}

#[tauri::command]
pub async fn connect<R: Runtime>(
    app: AppHandle<R>,
    manager: Manager<'_>,
    instance: String,
    client_id: String,
    client_secret: Option<String>,
    integration_user: String,
    port: Option<u16>,
) -> Result<ConnectOutcome, Error> {
    let url = manager
        .begin(ConnectRequest {
            instance,
            client_id,
            client_secret,
            integration_user,
            port,
        })
        .await?;
    open_and_finish(&app, &manager, url).await
}

#[tauri::command]
pub async fn reauthorize<R: Runtime>(
    app: AppHandle<R>,
    manager: Manager<'_>,
) -> Result<ConnectOutcome, Error> {
    let url = manager.begin_reauthorize().await?;
    open_and_finish(&app, &manager, url).await
}

#[tauri::command]
pub async fn sign_in_again<R: Runtime>(
    app: AppHandle<R>,
    manager: Manager<'_>,
) -> Result<ConnectOutcome, Error> {
    let url = manager.begin_sign_in_again().await?;
    open_and_finish(&app, &manager, url).await
}

#[tauri::command]
pub async fn keep_account<R: Runtime>(
    app: AppHandle<R>,
    manager: Manager<'_>,
) -> Result<ConnectionInfo, Error> {
    let info = manager.keep_account().await?;
    events::connection_changed(&app, Some(&info));
    crate::sender::refresh(&app);
    crate::watch::wake(&app);
    Ok(info)
}

#[tauri::command]
pub fn cancel_connect(manager: Manager<'_>) {
    manager.cancel();
}

#[tauri::command]
pub async fn connection_status(manager: Manager<'_>) -> Result<Option<ConnectionInfo>, Error> {
    Ok(manager.status().await)
}

#[tauri::command]
pub async fn check_connection(manager: Manager<'_>) -> Result<doctor::Report, Error> {
    let settings = manager.settings().ok_or_else(Error::not_connected)?;
    let api = manager.api()?;
    Ok(doctor::run(&settings, &api).await)
}

#[tauri::command]
pub async fn remove_connection<R: Runtime>(
    app: AppHandle<R>,
    manager: Manager<'_>,
) -> Result<(), Error> {
    let result = manager.remove().await;
    // Removed locally in every case; the UI learns it even when the revoke failed.
    events::connection_changed(&app, None);
    if let Some(t) = app.try_state::<Arc<ticket_bridge_core::tickets::service::TicketService>>() {
        t.forget_watch().await;
    }
    crate::watch::connection_removed(&app);
    result
}
