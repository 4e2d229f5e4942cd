//! Non-secret settings in `tauri-plugin-store` (`settings.json` in the app's data folder):
//! the connection's instance, client ID, integration user, port, who signed in, the release and
//! when the access token ends. Secrets never come here; they are in the keychain.

use std::sync::Arc;
use tauri::Runtime;
use tauri_plugin_store::Store;
use ticket_bridge_core::Error;
use ticket_bridge_core::connection::{ConnectionSettings, SettingsStore};

pub const FILE: &str = "settings.json";
const CONNECTION: &str = "connection";

pub struct StoreSettings<R: Runtime>(pub Arc<Store<R>>);

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format_args!("the settings file could not be written ({e})"))
}

impl<R: Runtime> SettingsStore for StoreSettings<R> {
    fn load(&self) -> ticket_bridge_core::Result<Option<ConnectionSettings>> {
        match self.0.get(CONNECTION) {
            None => Ok(None),
            Some(v) => match serde_json::from_value(v) {
                Ok(s) => Ok(Some(s)),
                Err(e) => {
                    // An unreadable entry (an older version, a hand edit) means "not connected":
                    // the admin connects again; nothing secret is lost.
                    log::warn!("ignoring unreadable connection settings: {e}");
                    Ok(None)
                }
            },
        }
    }

    fn save(&self, settings: &ConnectionSettings) -> ticket_bridge_core::Result<()> {
        let value = serde_json::to_value(settings).map_err(store_error)?;
        self.0.set(CONNECTION, value);
        self.0.save().map_err(store_error)
    }

    fn clear(&self) -> ticket_bridge_core::Result<()> {
        self.0.delete(CONNECTION);
        self.0.save().map_err(store_error)
    }
}

/// The watcher's settings and the pause, under `watch` in the same file.
pub const WATCH: &str = "watch";
const PAUSED_UNTIL: &str = "pausedUntil";

pub fn load_watch<R: Runtime>(
    store: &Store<R>,
) -> (
    ticket_bridge_core::tickets::watcher::WatchPrefs,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    let prefs = store
        .get(WATCH)
        .and_then(|v| match serde_json::from_value(v) {
            Ok(p) => Some(p),
            Err(e) => {
                log::warn!("ignoring unreadable watch settings: {e}");
                None
            }
        })
        .filter(|p: &ticket_bridge_core::tickets::watcher::WatchPrefs| p.validate().is_ok())
        .unwrap_or_default();
    let paused = store
        .get(PAUSED_UNTIL)
        .and_then(|v| serde_json::from_value(v).ok());
    (prefs, paused)
}

pub fn save_watch<R: Runtime>(
    store: &Store<R>,
    prefs: &ticket_bridge_core::tickets::watcher::WatchPrefs,
    paused_until: Option<chrono::DateTime<chrono::Utc>>,
) {
    match serde_json::to_value(prefs) {
        Ok(v) => store.set(WATCH, v),
        Err(e) => log::warn!("the watch settings could not be written: {e}"),
    }
    match paused_until {
        Some(t) => store.set(PAUSED_UNTIL, serde_json::json!(t)),
        None => {
            store.delete(PAUSED_UNTIL);
        }
    }
    if let Err(e) = store.save() {
        log::warn!("{}", store_error(e).message);
    }
}
