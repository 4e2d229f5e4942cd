//! The notifications card: the watcher's settings, pause and resume, check now.

use crate::watch::{Watch, WatchSettingsView};
use std::sync::Arc;
use tauri::{AppHandle, Manager, Runtime, State};
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::watcher::WatchPrefs;

type Watcher<'a> = State<'a, Arc<Watch>>;

#[tauri::command]
pub fn watch_settings(watch: Watcher<'_>) -> WatchSettingsView {
    watch.view()
}

/// Saves the settings; start-at-login is applied to the OS first, so a refusal there changes
/// nothing.
#[tauri::command]
pub fn set_watch_settings<R: Runtime>(
    app: AppHandle<R>,
    watch: Watcher<'_>,
    settings: WatchPrefs,
) -> Result<WatchSettingsView, Error> {
    settings.validate()?;
    if settings.autostart != watch.prefs().autostart {
        apply_autostart(&app, settings.autostart)?;
    }
    watch.set_prefs(settings)?;
    Ok(watch.view())
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
    })
}

#[tauri::command]
pub fn pause_notifications<R: Runtime>(
    app: AppHandle<R>,
    watch: Watcher<'_>,
    minutes: i64,
) -> Result<WatchSettingsView, Error> {
    if !(1..=24 * 60).contains(&minutes) {
        return Err(Error::invalid_input(
            format!("Notifications cannot be paused for {minutes} minutes."),
            "Pause for between 1 minute and 24 hours.",
        ));
    }
    watch.pause(minutes);
    crate::tray::refresh(&app);
    Ok(watch.view())
}

#[tauri::command]
pub fn resume_notifications<R: Runtime>(
    app: AppHandle<R>,
    watch: Watcher<'_>,
) -> WatchSettingsView {
    watch.resume();
    crate::tray::refresh(&app);
    watch.view()
}

/// Looks for changes now.
#[tauri::command]
pub fn watch_now(watch: Watcher<'_>) {
    watch.control.wake();
}
