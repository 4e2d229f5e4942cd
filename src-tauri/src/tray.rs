//! The system tray: the app lives here when its window is closed.
//!
//! Built in Rust, once, at start. On Linux the tray needs libayatana-appindicator; where it is
//! missing the library panics while loading, so the build is fenced and the app carries on
//! without a tray (and then closing the window quits, see `lib.rs`). Under appindicator there are
//! no click events and no tooltip: everything the tray offers is in its menu.

use crate::i18n;
use tauri::image::Image;
use tauri::menu::{MenuBuilder, MenuItemBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "main";
const OPEN: &str = "open";
const QUIT: &str = "quit";

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let lang = app.state::<crate::Shell>().locale;
    let open = MenuItemBuilder::with_id(OPEN, i18n::text(lang, "tray.open")).build(app)?;
    let quit = MenuItemBuilder::with_id(QUIT, i18n::text(lang, "tray.quit")).build(app)?;
    let menu = MenuBuilder::new(app)
        .item(&open)
        .separator()
        .item(&quit)
        .build()?;
    let icon = Image::from_bytes(include_bytes!("../../icons/tray.png"))?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(i18n::text(lang, "tray.tooltip"))
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => crate::show_main_window(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(())
}

/// Builds the tray. Returns whether it exists; never takes the app down.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app))) {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            log::warn!("no system tray: {e}");
            false
        }
        Err(_) => {
            log::warn!(
                "no system tray: the tray library is missing (on Linux, install libayatana-appindicator3-1)"
            );
            false
        }
    }
}
