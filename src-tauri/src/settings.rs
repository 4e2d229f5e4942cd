//! The settings file (`settings.json` in the app's data folder) as core's `SettingsKv`: read
//! through tauri-plugin-store, written atomically (the store's own save writes in place, which
//! a crash can cut in half). Nothing secret is ever written here; secrets are in the keychain.

use std::path::PathBuf;
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::{Store, StoreExt};
use ticket_bridge_core::Error;
use ticket_bridge_core::workspace::SettingsKv;

pub const FILE: &str = "settings.json";

pub struct StoreKv<R: Runtime> {
    store: Arc<Store<R>>,
    path: PathBuf,
}

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format_args!("the settings file could not be written ({e})"))
}

impl<R: Runtime> StoreKv<R> {
    /// Opens `settings.json` with the store's own saving turned off. The store would read a
    /// file it cannot parse as empty, and the next save would overwrite it: such a file is
    /// moved aside first and reported to `damage`.
    pub fn open(
        app: &AppHandle<R>,
        damage: &ticket_bridge_core::files::DamageReport,
    ) -> ticket_bridge_core::Result<Self> {
        let path = tauri_plugin_store::resolve_store_path(app, FILE).map_err(store_error)?;
        if let ticket_bridge_core::files::Loaded::Damaged(_, reason) =
            ticket_bridge_core::files::read_json::<serde_json::Map<String, serde_json::Value>>(
                &path,
            )
        {
            damage.quarantine("settings", None, &path, reason, None);
        }
        let store = app
            .store_builder(FILE)
            .disable_auto_save()
            .build()
            .map_err(store_error)?;
        Ok(Self { store, path })
    }
}

impl<R: Runtime> SettingsKv for StoreKv<R> {
    fn get(&self, key: &str) -> Option<serde_json::Value> {
        self.store.get(key)
    }

    fn write(
        &self,
        set: Vec<(&str, serde_json::Value)>,
        delete: &[&str],
    ) -> ticket_bridge_core::Result<()> {
        for (k, v) in set {
            self.store.set(k, v);
        }
        for k in delete {
            self.store.delete(k);
        }
        let all: serde_json::Map<String, serde_json::Value> =
            self.store.entries().into_iter().collect();
        let bytes = serde_json::to_vec_pretty(&all).map_err(store_error)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(store_error)?;
        }
        ticket_bridge_core::files::write_atomic(&self.path, &bytes).map_err(store_error)
    }
}
