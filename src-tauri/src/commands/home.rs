//! The home screen: what the UI needs before it draws anything.

use super::Registry;
use crate::Shell;
use tauri::State;
use ticket_bridge_core::app_info::AppState;

#[tauri::command]
pub async fn app_state(
    shell: State<'_, Shell>,
    registry: Registry<'_>,
) -> Result<AppState, ticket_bridge_core::Error> {
    Ok(AppState::new(
        env!("CARGO_PKG_VERSION"),
        shell.demo_instance.as_ref(),
        &registry.locale(),
        registry.summaries().await,
        registry.selected(),
    )
    .with_language(registry.language())
    .with_demo_microsoft(shell.demo_microsoft.clone()))
}

/// The language setting (Settings → Language): `system` or one of the languages `app_state`
/// lists. Applied at once to the tray and notifications; the UI reloads its words itself.
#[tauri::command]
pub fn set_language(
    registry: Registry<'_>,
    language: String,
) -> Result<ticket_bridge_core::workspace::language::LanguageState, ticket_bridge_core::Error> {
    registry.set_language(&language)
}

/// The UI calls this once its first screen is drawn. Logged, so that the start benchmark and a
/// support log can tell how long the app took to be usable.
#[tauri::command]
pub fn ui_ready(shell: State<'_, Shell>) {
    log::info!(
        "ui ready {} ms after start",
        shell.started.elapsed().as_millis()
    );
}

/// The data files that could not be read at start (each moved aside), for the banner.
#[tauri::command]
pub fn damaged_files(registry: Registry<'_>) -> Vec<ticket_bridge_core::files::DamagedFile> {
    registry.damaged()
}

/// The admin read the banner about damaged files.
#[tauri::command]
pub fn dismiss_damaged_files(registry: Registry<'_>) {
    registry.dismiss_damaged();
}
