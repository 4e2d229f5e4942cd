//! The home screen: what the UI needs before it draws anything.

use super::Registry;
use crate::{PendingRoute, Shell};
use tauri::State;
use ticket_bridge_core::app_info::AppState;

#[tauri::command]
pub async fn app_state(
    shell: State<'_, Shell>,
    registry: Registry<'_>,
    pending: State<'_, PendingRoute>,
) -> Result<AppState, ticket_bridge_core::Error> {
    let open_at = pending.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    Ok(AppState::new(
        env!("CARGO_PKG_VERSION"),
        shell.demo_instance.as_ref(),
        &registry.locale(),
        registry.summaries().await,
        registry.selected(),
    )
    .with_language(registry.language())
    .with_open_at(open_at)
    .with_demo_microsoft(shell.demo_microsoft.clone())
    .with_policy(registry.policy()))
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
/// support log can tell how long the app took to be usable, and to what (`screen`: the screen
/// and the state it drew, `home:connected`).
#[tauri::command]
pub fn ui_ready(
    shell: State<'_, Shell>,
    marks: Option<std::collections::BTreeMap<String, f64>>,
    screen: Option<String>,
) {
    let elapsed = shell.started.elapsed().as_millis();
    // When the page began, from its own clock (its paint mark is this call, give or take IPC),
    // and the page's own steps (ms since it began): numbers only, for the start-up benchmark,
    // which reads up to the "ui ready" line.
    if let Some(marks) = marks.filter(|m| m.len() <= 16) {
        if let Some(painted) = marks.get("painted") {
            log::info!(
                "page began {:.0} ms after start",
                elapsed as f64 - painted.max(0.0)
            );
        }
        let steps: Vec<String> = marks
            .iter()
            .filter(|(k, v)| {
                k.len() <= 16 && k.chars().all(|c| c.is_ascii_alphanumeric()) && v.is_finite()
            })
            .map(|(k, v)| format!("{k}={v:.0}"))
            .collect();
        log::info!("ui marks {}", steps.join(" "));
    }
    // A short name from the page, logged only when it is one (letters, digits, `:` and `-`).
    match screen.filter(|s| {
        !s.is_empty()
            && s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-')
    }) {
        Some(screen) => log::info!("ui ready {elapsed} ms after start ({screen})"),
        None => log::info!("ui ready {elapsed} ms after start"),
    }
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
