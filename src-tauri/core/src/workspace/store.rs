//! Where the non-secret settings live, and the list of workspaces in them.
//!
//! [`SettingsKv`] is the settings file as core sees it: JSON values by key (the shell implements
//! it over tauri-plugin-store's `settings.json`; tests use [`MemoryKv`] or [`FileKv`]). The
//! workspaces are one key, `workspaces`: which one is selected and, for each, its id, name,
//! instance, the connect form to prefill and the connection's settings while connected. Each
//! workspace's [`WorkspaceSettings`] is the `SettingsStore` its `ConnectionManager` reads and
//! writes. Writes are blocking: async callers go through `files::blocking`.

use crate::connection::{ConnectionSettings, SettingsStore};
use crate::error::{Error, Result};
use crate::servicenow::InstanceUrl;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The settings file: JSON values by key. `write` saves at once.
pub trait SettingsKv: Send + Sync + 'static {
    fn get(&self, key: &str) -> Option<Value>;
    /// Sets `set` and deletes `delete` in one write.
    fn write(&self, set: Vec<(&str, Value)>, delete: &[&str]) -> Result<()>;
}

/// Settings in memory only: tests and previews, never the app.
#[derive(Debug, Default)]
pub struct MemoryKv(Mutex<Map<String, Value>>);

impl SettingsKv for MemoryKv {
    fn get(&self, key: &str) -> Option<Value> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
    fn write(&self, set: Vec<(&str, Value)>, delete: &[&str]) -> Result<()> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for (k, v) in set {
            m.insert(k.to_owned(), v);
        }
        for k in delete {
            m.remove(*k);
        }
        Ok(())
    }
}

/// Settings in a JSON object file, written atomically: the same format as tauri-plugin-store's
/// `settings.json`, for tests that need files.
pub struct FileKv {
    path: PathBuf,
    data: Mutex<Map<String, Value>>,
}

impl FileKv {
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self::open_reporting(path, &crate::files::DamageReport::default())
    }

    /// [`Self::open`]; a settings file that cannot be read is moved aside and reported.
    pub fn open_reporting(path: impl Into<PathBuf>, damage: &crate::files::DamageReport) -> Self {
        let path = path.into();
        let data = crate::files::read_json_or_quarantine(&path, "settings", None, damage);
        Self {
            path,
            data: Mutex::new(data),
        }
    }
}

impl SettingsKv for FileKv {
    fn get(&self, key: &str) -> Option<Value> {
        self.data
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
    fn write(&self, set: Vec<(&str, Value)>, delete: &[&str]) -> Result<()> {
        let mut data = self.data.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = data.clone();
        for (k, v) in set {
            next.insert(k.to_owned(), v);
        }
        for k in delete {
            next.remove(*k);
        }
        let bytes = serde_json::to_vec_pretty(&next).map_err(Error::internal)?;
        crate::files::write_atomic(&self.path, &bytes).map_err(|e| {
            Error::internal(format_args!("the settings file could not be written ({e})"))
        })?;
        *data = next;
        Ok(())
    }
}

/// The key of the workspaces in the settings file.
pub const WORKSPACES_KEY: &str = "workspaces";

/// What the connect form is prefilled with when a workspace connects again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectProfile {
    pub client_id: String,
    pub integration_user: String,
    pub port: u16,
}

/// One workspace as the settings file keeps it. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRecord {
    pub id: String,
    /// The admin's name for it; the instance's name when none.
    #[serde(default)]
    pub name: Option<String>,
    /// The instance it belongs to, fixed once set. `None` only for tasks an older version left
    /// without an instance: the first connection decides.
    #[serde(default)]
    pub instance: Option<InstanceUrl>,
    #[serde(default)]
    pub profile: Option<ConnectProfile>,
    /// The connection, while connected.
    #[serde(default)]
    pub connection: Option<ConnectionSettings>,
    /// Its Microsoft 365 sign-in, while signed in (nothing secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft: Option<crate::secure_score::signin::MicrosoftSettings>,
    /// Its secrets are still filed the way versions before workspaces filed them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_keychain: bool,
    pub created_at: DateTime<Utc>,
}

/// What the setup form of a workspace shows before the admin types anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormDefaults {
    pub instance: String,
    pub client_id: String,
    pub integration_user: String,
    pub port: u16,
}

impl WorkspaceRecord {
    /// The form it was last connected with, when it has an instance.
    pub fn form_defaults(&self) -> Option<FormDefaults> {
        let instance = self.instance.as_ref()?.to_string();
        Some(match &self.profile {
            Some(p) => FormDefaults {
                instance,
                client_id: p.client_id.clone(),
                integration_user: p.integration_user.clone(),
                port: p.port,
            },
            None => FormDefaults {
                instance,
                client_id: String::new(),
                integration_user: String::new(),
                port: crate::connection::DEFAULT_PORT,
            },
        })
    }

    pub fn new(id: String, instance: Option<InstanceUrl>) -> Self {
        Self {
            id,
            name: None,
            instance,
            profile: None,
            connection: None,
            microsoft: None,
            legacy_keychain: false,
            created_at: Utc::now(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordsFile {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub selected: Option<String>,
    #[serde(default)]
    pub list: Vec<WorkspaceRecord>,
}

/// The workspaces in the settings file, behind one lock; every change is written at once.
pub struct Records {
    kv: Arc<dyn SettingsKv>,
    file: Mutex<RecordsFile>,
}

impl Records {
    /// Reads the `workspaces` key (an unreadable one reads as none, and is logged).
    pub fn load(kv: Arc<dyn SettingsKv>) -> Self {
        let file = kv
            .get(WORKSPACES_KEY)
            .and_then(|v| match serde_json::from_value(v) {
                Ok(f) => Some(f),
                Err(e) => {
                    log::warn!("ignoring unreadable workspace settings: {e}");
                    None
                }
            })
            .unwrap_or_default();
        Self {
            kv,
            file: Mutex::new(file),
        }
    }

    /// Whether the settings file has the key at all (absent: a first start, or an upgrade).
    pub fn present(kv: &dyn SettingsKv) -> bool {
        kv.get(WORKSPACES_KEY).is_some()
    }

    pub fn kv(&self) -> &Arc<dyn SettingsKv> {
        &self.kv
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecordsFile> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn snapshot(&self) -> RecordsFile {
        self.lock().clone()
    }

    pub fn get(&self, id: &str) -> Option<WorkspaceRecord> {
        self.lock().list.iter().find(|r| r.id == id).cloned()
    }

    /// Applies `change` to a copy, writes it (deleting `delete` in the same write), and only
    /// then keeps it: memory never runs ahead of the file.
    pub fn update_with<R>(
        &self,
        delete: &[&str],
        change: impl FnOnce(&mut RecordsFile) -> Result<R>,
    ) -> Result<R> {
        let mut file = self.lock();
        let mut next = file.clone();
        let r = change(&mut next)?;
        next.version = 1;
        let value = serde_json::to_value(&next).map_err(Error::internal)?;
        self.kv.write(vec![(WORKSPACES_KEY, value)], delete)?;
        *file = next;
        Ok(r)
    }

    pub fn update<R>(&self, change: impl FnOnce(&mut RecordsFile) -> Result<R>) -> Result<R> {
        self.update_with(&[], change)
    }

    /// Changes one workspace's record.
    pub fn update_one<R>(
        &self,
        id: &str,
        change: impl FnOnce(&mut WorkspaceRecord) -> Result<R>,
    ) -> Result<R> {
        self.update(|f| {
            let r = f
                .list
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| unknown_workspace(id))?;
            change(r)
        })
    }
}

pub fn unknown_workspace(id: &str) -> Error {
    Error::invalid_input(
        format!("There is no workspace {id}."),
        "It may have been removed. Go back to the home page.",
    )
    .with_reason("workspace_unknown")
}

/// The `SettingsStore` of one workspace's connection: its record in [`Records`]. Saving the
/// connection of a workspace not yet in the list adds it (that is when a new workspace comes
/// into being: its first successful sign-in).
pub struct WorkspaceSettings {
    id: String,
    records: Arc<Records>,
}

impl WorkspaceSettings {
    pub fn new(id: &str, records: Arc<Records>) -> Self {
        Self {
            id: id.to_owned(),
            records,
        }
    }
}

impl SettingsStore for WorkspaceSettings {
    fn load(&self) -> Result<Option<ConnectionSettings>> {
        Ok(self.records.get(&self.id).and_then(|r| r.connection))
    }

    fn save(&self, settings: &ConnectionSettings) -> Result<()> {
        let id = self.id.clone();
        self.records.update(|f| {
            let i = match f.list.iter().position(|r| r.id == id) {
                Some(i) => i,
                None => {
                    f.list.push(WorkspaceRecord::new(id.clone(), None));
                    f.list.len() - 1
                }
            };
            let r = &mut f.list[i];
            match &r.instance {
                Some(fixed) if *fixed != settings.instance => {
                    return Err(Error::invalid_input(
                        format!(
                            "This workspace belongs to {fixed}, not {}.",
                            settings.instance
                        ),
                        "Add another ServiceNow instance from Manage ServiceNow configuration instead.",
                    )
                    .with_reason("workspace_other_instance")
                    .with_param("instance", fixed.as_str())
                    .with_param("requested", settings.instance.as_str()));
                }
                _ => r.instance = Some(settings.instance.clone()),
            }
            r.profile = Some(ConnectProfile {
                client_id: settings.client_id.clone(),
                integration_user: settings.integration_user.clone(),
                port: settings.port,
            });
            r.connection = Some(settings.clone());
            r.legacy_keychain = false;
            Ok(())
        })
    }

    fn clear(&self) -> Result<()> {
        let id = self.id.clone();
        self.records.update(|f| {
            if let Some(r) = f.list.iter_mut().find(|r| r.id == id) {
                r.connection = None;
            }
            Ok(())
        })
    }
}

/// The `MicrosoftStore` of one workspace's Microsoft 365 sign-in: its record's `microsoft`.
pub struct WorkspaceMicrosoft {
    id: String,
    records: Arc<Records>,
}

impl WorkspaceMicrosoft {
    pub fn new(id: &str, records: Arc<Records>) -> Self {
        Self {
            id: id.to_owned(),
            records,
        }
    }
}

impl crate::secure_score::signin::MicrosoftStore for WorkspaceMicrosoft {
    fn load(&self) -> Result<Option<crate::secure_score::signin::MicrosoftSettings>> {
        Ok(self.records.get(&self.id).and_then(|r| r.microsoft))
    }

    fn save(&self, settings: &crate::secure_score::signin::MicrosoftSettings) -> Result<()> {
        let s = settings.clone();
        self.records.update_one(&self.id, move |r| {
            r.microsoft = Some(s);
            Ok(())
        })
    }

    fn clear(&self) -> Result<()> {
        self.records.update_one(&self.id, |r| {
            r.microsoft = None;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::client::SignedInUser;

    fn settings(instance: &str) -> ConnectionSettings {
        ConnectionSettings {
            instance: InstanceUrl::parse(instance).unwrap(),
            client_id: "client".into(),
            integration_user: "svc".into(),
            port: 8765,
            public_client: false,
            signed_in: SignedInUser {
                sys_id: "1".into(),
                user_name: "svc".into(),
                display_name: "Svc".into(),
            },
            release: None,
            access_token_expires_at: Utc::now(),
        }
    }

    #[test]
    fn a_workspace_is_born_on_its_first_save_and_keeps_its_instance() {
        let dir = tempfile::tempdir().unwrap();
        let kv: Arc<dyn SettingsKv> = Arc::new(FileKv::open(dir.path().join("settings.json")));
        let records = Arc::new(Records::load(kv.clone()));
        let ws = WorkspaceSettings::new("ws-a", records.clone());
        assert_eq!(ws.load().unwrap(), None);
        assert!(records.get("ws-a").is_none());
        ws.save(&settings("contoso")).unwrap();
        let r = records.get("ws-a").unwrap();
        assert_eq!(
            r.instance.unwrap().as_str(),
            "https://contoso.service-now.com"
        );
        assert_eq!(r.profile.unwrap().client_id, "client");

        // Another instance is refused: a workspace belongs to one.
        let e = ws.save(&settings("fabrikam")).unwrap_err();
        assert!(e.message.contains("contoso"), "{}", e.message);

        // Clearing keeps the workspace and what prefills the form.
        ws.clear().unwrap();
        let again = Records::load(Arc::new(FileKv::open(dir.path().join("settings.json"))));
        let r = again.get("ws-a").unwrap();
        assert!(r.connection.is_none());
        assert!(r.profile.is_some() && r.instance.is_some());
    }
}
