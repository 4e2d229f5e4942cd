//! Settings → Updates: what the app knows about updates, *Check for updates*, *Install and
//! restart*.

use std::sync::Arc;
use tauri::{AppHandle, Runtime, State};
use ticket_bridge_core::Error;
use ticket_bridge_core::updates::{UpdateView, Updates};

#[tauri::command]
pub fn update_state(updates: State<'_, Arc<Updates>>) -> UpdateView {
    updates.view()
}

#[tauri::command]
pub async fn check_for_updates<R: Runtime>(app: AppHandle<R>) -> Result<UpdateView, Error> {
    crate::updates::check(&app).await
}

/// Installs the update the last check offered, then restarts the app; never without the
/// admin asking.
#[tauri::command]
pub async fn install_update<R: Runtime>(app: AppHandle<R>) -> Result<UpdateView, Error> {
    crate::updates::install_now(&app).await
}
