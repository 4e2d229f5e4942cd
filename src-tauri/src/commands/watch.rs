//! The notifications card: the settings every watcher shares, pause and resume, check now;
//! with the status of the workspace the card is shown for.

use super::Registry;
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::watcher::{WatchPrefs, WatchStatus};
use ticket_bridge_core::workspace::notifications::NotificationSettings;

/// What the card shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchSettingsView {
    #[serde(flatten)]
    pub settings: NotificationSettings,
    pub status: WatchStatus,
}

fn view(registry: &Registry<'_>, workspace: Option<&str>) -> WatchSettingsView {
    let status = workspace
        .and_then(|id| registry.get(id).ok())
        .map(|ws| ws.watch_control().status())
        .unwrap_or_default();
    WatchSettingsView {
        settings: registry.notification_settings(),
        status,
    }
}

#[tauri::command]
pub fn watch_settings(registry: Registry<'_>, workspace: Option<String>) -> WatchSettingsView {
    view(&registry, workspace.as_deref())
}

/// Saves the settings; start at sign-in is applied to the OS first, so a refusal there changes
/// nothing.
#[tauri::command]
pub async fn set_watch_settings<R: Runtime>(
    app: AppHandle<R>,
    registry: Registry<'_>,
    settings: WatchPrefs,
    workspace: Option<String>,
) -> Result<WatchSettingsView, Error> {
    settings.validate()?;
    if settings.autostart != registry.notification_settings().prefs.autostart {
        apply_autostart(&app, settings.autostart)?;
    }
    registry.set_notification_prefs(settings).await?;
    Ok(view(&registry, workspace.as_deref()))
}

fn apply_autostart<R: Runtime>(app: &AppHandle<R>, on: bool) -> Result<(), Error> {
    let Some(auto) = app.try_state::<tauri_plugin_autostart::AutoLaunchManager>() else {
        return Err(Error::internal(
            "start at login is not available in this build",
        ));
    };
    let done = if on { auto.enable() } else { auto.disable() };
    done.map_err(|e| {
        Error::new(
            ticket_bridge_core::ErrorKind::Internal,
            format!("Start at login could not be changed ({e})."),
            "Check that your account may add login items, then try again.",
        )
        .with_reason("autostart_failed")
    })
}

#[tauri::command]
pub async fn pause_notifications(
    registry: Registry<'_>,
    minutes: i64,
    workspace: Option<String>,
) -> Result<WatchSettingsView, Error> {
    registry.pause(minutes).await?;
    Ok(view(&registry, workspace.as_deref()))
}

#[tauri::command]
pub async fn resume_notifications(
    registry: Registry<'_>,
    workspace: Option<String>,
) -> Result<WatchSettingsView, Error> {
    registry.resume().await?;
    Ok(view(&registry, workspace.as_deref()))
}

/// Looks for changes now (in one workspace, or in all).
#[tauri::command]
pub fn watch_now(registry: Registry<'_>, workspace: Option<String>) -> Result<(), Error> {
    registry.watch_now(workspace.as_deref())
}
