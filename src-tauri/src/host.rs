//! The desktop as core's `Host`: events go to the webview, notifications through
//! tauri-plugin-notification, pages to the system browser, background tasks to Tauri's async
//! runtime, and the tray is redrawn from the registry.

use crate::{MAIN_WINDOW, notify, tray};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::Error;
use ticket_bridge_core::tickets::notice::Notice;
use ticket_bridge_core::workspace::{Event, Host, Task};

pub struct DesktopHost<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> DesktopHost<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }

    fn window(&self) -> Option<tauri::WebviewWindow<R>> {
        self.app.get_webview_window(MAIN_WINDOW)
    }
}

impl<R: Runtime> Host for DesktopHost<R> {
    fn emit(&self, event: Event) {
        if let Err(e) = self.app.emit(event.name(), event.payload()) {
            log::warn!("could not send {}: {e}", event.name());
        }
    }

    fn notify(&self, notice: &Notice, open: Option<String>) {
        notify::show(&self.app, notice, open);
    }

    fn open_url(&self, url: &str) -> ticket_bridge_core::Result<()> {
        self.app.opener().open_url(url, None::<&str>).map_err(|e| {
            Error::internal(format_args!("the browser could not be opened ({e})"))
                .with_reason("browser_not_opened")
        })
    }

    fn tray_changed(&self) {
        tray::refresh(&self.app);
    }

    fn window_in_front(&self) -> bool {
        self.window().is_some_and(|w| {
            w.is_visible().unwrap_or(false)
                && w.is_focused().unwrap_or(false)
                && !w.is_minimized().unwrap_or(false)
        })
    }

    fn window_visible(&self) -> bool {
        self.window()
            .is_some_and(|w| w.is_visible().unwrap_or(true))
    }

    fn spawn(&self, task: Task) {
        tauri::async_runtime::spawn(task);
    }
}
