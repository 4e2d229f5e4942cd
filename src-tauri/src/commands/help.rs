//! The Settings screen's Help section: save the diagnostics zip (core builds it), show it in its
//! folder, open the log folder. The shell only finds the folders and opens them.

use super::Registry;
use std::path::PathBuf;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::{Error, diagnostics};

#[derive(serde::Serialize)]
pub struct Saved {
    path: String,
}

/// Where the bundle is saved (see [`super::save_dir`]).
fn save_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, Error> {
    super::save_dir(app, "diagnostics_folder_missing")
}

/// The folder tauri-plugin-log writes to (`TargetKind::LogDir` in `lib.rs`).
fn log_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, Error> {
    app.path().app_log_dir().map_err(|e| {
        Error::internal(format_args!("no log folder ({e})")).with_reason("log_folder_missing")
    })
}

/// Opens or reveals with the system's file manager, off the async runtime (D-Bus on Linux).
async fn with_file_manager<R: Runtime>(
    app: &AppHandle<R>,
    folder: PathBuf,
    open: impl FnOnce(&tauri_plugin_opener::Opener<R>) -> Result<(), tauri_plugin_opener::Error>
    + Send
    + 'static,
) -> Result<(), Error> {
    let app = app.clone();
    let shown = folder.display().to_string();
    tauri::async_runtime::spawn_blocking(move || open(app.opener()))
        .await
        .map_err(Error::internal)?
        .map_err(|e| {
            Error::internal(format_args!("{shown} could not be opened ({e})"))
                .with_reason("folder_not_opened")
                .with_param("folder", shown)
        })
}

#[tauri::command]
pub async fn save_diagnostics<R: Runtime>(
    app: AppHandle<R>,
    registry: Registry<'_>,
) -> Result<Saved, Error> {
    let request = diagnostics::Request {
        app_version: app.package_info().version.to_string(),
        log_dir: log_dir(&app).ok(),
        updates: app
            .try_state::<std::sync::Arc<ticket_bridge_core::updates::Updates>>()
            .map(|u| u.view()),
    };
    let path = diagnostics::save(&registry, &request, save_dir(&app)?).await?;
    Ok(Saved {
        path: path.display().to_string(),
    })
}

/// Shows a saved diagnostics file in its folder (only a file core recognises as one).
#[tauri::command]
pub async fn show_diagnostics<R: Runtime>(app: AppHandle<R>, path: String) -> Result<(), Error> {
    let dir = save_dir(&app)?;
    let file = diagnostics::saved_bundle(&path, &dir)?;
    with_file_manager(&app, dir, move |o| o.reveal_item_in_dir(file)).await
}

#[tauri::command]
pub async fn open_log_folder<R: Runtime>(app: AppHandle<R>) -> Result<(), Error> {
    let dir = log_dir(&app)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::internal(format_args!("the log folder could not be made ({e})"))
            .with_reason("log_folder_missing")
    })?;
    let path = dir.display().to_string();
    with_file_manager(&app, dir, move |o| o.open_path(path, None::<&str>)).await
}
