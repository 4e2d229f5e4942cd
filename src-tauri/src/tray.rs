//! The system tray: the app lives here when its window is closed.
//!
//! Built in Rust, once, at start. On Linux the tray needs libayatana-appindicator; where it is
//! missing the library panics while loading, so the build is fenced and the app carries on
//! without a tray (and then closing the window quits, see `lib.rs`). Under appindicator there are
//! no click events and no tooltip: everything the tray offers is in its menu, and the count of
//! changed tickets is also the tray's title (shown beside the icon there).
//!
//! Menu: Open Ticket Bridge, the five most recently changed tickets of every workspace by number,
//! short title and state (a click opens the record on its own instance; with several workspaces
//! each names its instance), Refresh now, Pause notifications for an hour (or Resume),
//! Settings…, Quit. The icon carries a badge with
//! the number of tickets changed since they were last looked at. Everything it shows comes from
//! the registry's `tray()` view; its menu items call the registry.

use crate::i18n;
use std::sync::Arc;
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_opener::OpenerExt;
use ticket_bridge_core::workspace::Workspaces;

pub const TRAY_ID: &str = "main";
const OPEN: &str = "open";
const QUIT: &str = "quit";
const REFRESH: &str = "refresh";
const PAUSE: &str = "pause";
const RESUME: &str = "resume";
const SETTINGS: &str = "settings";
const TICKET: &str = "ticket:";

const ICON: &[u8] = include_bytes!("../../icons/tray.png");
const BADGES: [&[u8]; 10] = [
    include_bytes!("../../icons/tray-1.png"),
    include_bytes!("../../icons/tray-2.png"),
    include_bytes!("../../icons/tray-3.png"),
    include_bytes!("../../icons/tray-4.png"),
    include_bytes!("../../icons/tray-5.png"),
    include_bytes!("../../icons/tray-6.png"),
    include_bytes!("../../icons/tray-7.png"),
    include_bytes!("../../icons/tray-8.png"),
    include_bytes!("../../icons/tray-9.png"),
    include_bytes!("../../icons/tray-9plus.png"),
];

/// The icon for `count` changed tickets: the plain one, or one with a 1-9 / 9+ badge.
pub fn icon_bytes(count: usize) -> &'static [u8] {
    match count {
        0 => ICON,
        n => BADGES[n.min(10) - 1],
    }
}

fn registry<R: Runtime>(app: &AppHandle<R>) -> Option<Arc<Workspaces>> {
    app.try_state::<Arc<Workspaces>>()
        .map(|w| w.inner().clone())
}

fn lang<R: Runtime>(app: &AppHandle<R>) -> String {
    registry(app)
        .map(|w| w.locale())
        .unwrap_or_else(|| "en".into())
}

fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let lang = lang(app);
    let lang = lang.as_str();
    let t = |key: &str| i18n::text(lang, key);
    let mut b = MenuBuilder::new(app)
        .item(&MenuItemBuilder::with_id(OPEN, t("tray.open")).build(app)?)
        .separator()
        .item(
            &MenuItemBuilder::new(t("tray.recent"))
                .enabled(false)
                .build(app)?,
        );
    let (recent, paused) = match registry(app) {
        Some(w) => {
            let v = w.tray();
            (v.recent, v.paused)
        }
        None => (Vec::new(), false),
    };
    if recent.is_empty() {
        b = b.item(
            &MenuItemBuilder::new(t("tray.noRecent"))
                .enabled(false)
                .build(app)?,
        );
    }
    for item in &recent {
        let label = item.label(lang);
        let id = format!("{TICKET}{}:{}", item.workspace, item.ticket.sys_id);
        b = b.item(&MenuItemBuilder::with_id(id, label).build(app)?);
    }
    let (pause_id, pause_key) = if paused {
        (RESUME, "tray.resume")
    } else {
        (PAUSE, "tray.pause")
    };
    b.separator()
        .item(&MenuItemBuilder::with_id(REFRESH, t("tray.refresh")).build(app)?)
        .item(&MenuItemBuilder::with_id(pause_id, t(pause_key)).build(app)?)
        .item(&MenuItemBuilder::with_id(SETTINGS, t("tray.settings")).build(app)?)
        .separator()
        .item(&MenuItemBuilder::with_id(QUIT, t("tray.quit")).build(app)?)
        .build()
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(registry) = registry(app) else {
        return;
    };
    match id {
        OPEN => crate::show_main_window(app),
        SETTINGS => crate::show_screen(app, "/settings"),
        QUIT => app.exit(0),
        REFRESH => {
            let _ = registry.watch_now(None);
        }
        PAUSE | RESUME => {
            let pause = id == PAUSE;
            tauri::async_runtime::spawn(async move {
                let done = if pause {
                    registry.pause(60).await
                } else {
                    registry.resume().await
                };
                if let Err(e) = done {
                    log::warn!(
                        "notifications could not be paused or resumed: {}",
                        e.message
                    );
                }
            });
        }
        other => {
            let Some((workspace, sys_id)) = other
                .strip_prefix(TICKET)
                .and_then(|rest| rest.split_once(':'))
            else {
                return;
            };
            if let Some(url) = registry.recent_url(workspace, sys_id)
                && let Err(e) = app.opener().open_url(url, None::<&str>)
            {
                log::warn!("could not open the ticket: {e}");
            }
        }
    }
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(ICON)?)
        .tooltip(i18n::text(&lang(app), "tray.tooltip"))
        .menu(&menu(app)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

/// Brings the menu, the tooltip and the badge up to date (recent tickets, pause, count).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let lang = lang(app);
    let lang = lang.as_str();
    let count = registry(app).map(|w| w.tray().unseen).unwrap_or(0);
    let result = (|| -> tauri::Result<()> {
        tray.set_menu(Some(menu(app)?))?;
        tray.set_icon(Some(Image::from_bytes(icon_bytes(count))?))?;
        let tooltip = if count == 0 {
            i18n::text(lang, "tray.tooltip")
        } else {
            i18n::plural(lang, "tray.tooltipCount", count as u64, &[])
        };
        tray.set_tooltip(Some(tooltip))?;
        #[cfg(target_os = "linux")]
        tray.set_title(Some(if count == 0 {
            String::new()
        } else {
            count.to_string()
        }))?;
        Ok(())
    })();
    if let Err(e) = result {
        log::warn!("the tray could not be updated: {e}");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_badge_counts_to_nine_then_says_more() {
        assert_eq!(icon_bytes(0), ICON);
        assert_eq!(icon_bytes(1), BADGES[0]);
        assert_eq!(icon_bytes(9), BADGES[8]);
        assert_eq!(icon_bytes(10), BADGES[9]);
        assert_eq!(icon_bytes(250), BADGES[9]);
        for b in BADGES {
            let image = Image::from_bytes(b).expect("a badge icon decodes");
            assert_eq!(image.width(), 32);
        }
    }
}
