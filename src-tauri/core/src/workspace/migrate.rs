//! The move from the single connection of versions before workspaces: its settings (the
//! `connection` key), its files in the data folder (outbox, ticket cache, watermark) and its
//! keychain entries become the first workspace, without a sign-in.
//!
//! Safe to run again after a crash at any step: the workspace's id is derived from the old
//! connection, files are moved with a rename each and only when the workspace has none yet,
//! the settings change in one write (the workspace in, the old key out), and the keychain
//! entries are copied later, in the background, under the record's `legacyKeychain` mark
//! ([`move_keychain`]).

use super::WORKSPACES_DIR;
use super::store::{ConnectProfile, Records, WorkspaceRecord};
use crate::connection::ConnectionSettings;
use crate::error::{Error, Result};
use crate::secrets::{Keychain, SecretKind};
use crate::tickets::service::{BOARD_FILE, OUTBOX_FILE, WATCH_FILE};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The settings key of the single connection before workspaces.
pub const LEGACY_CONNECTION_KEY: &str = "connection";
const LEGACY_FILES: [&str; 3] = [OUTBOX_FILE, BOARD_FILE, WATCH_FILE];

fn derived_id(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    format!("ws-{:02x}{:02x}{:02x}{:02x}", d[0], d[1], d[2], d[3])
}

/// Migrates when the settings have no workspaces yet. Blocking.
pub(super) fn run(root: &Path, records: &Records) -> Result<()> {
    let kv = records.kv().clone();
    if Records::present(kv.as_ref()) {
        return Ok(());
    }
    let legacy: Option<ConnectionSettings> =
        kv.get(LEGACY_CONNECTION_KEY)
            .and_then(|v| match serde_json::from_value(v) {
                Ok(s) => Some(s),
                Err(e) => {
                    log::warn!("the saved connection of an earlier version is unreadable: {e}");
                    None
                }
            });
    let files: Vec<&str> = LEGACY_FILES
        .into_iter()
        .filter(|f| root.join(f).is_file())
        .collect();
    if legacy.is_none() && files.is_empty() {
        // A first start: no workspace until the first connection.
        return records.update_with(&[LEGACY_CONNECTION_KEY], |_| Ok(()));
    }
    let id = match &legacy {
        Some(c) => derived_id(&format!("{} {}", c.instance, c.client_id)),
        // Tasks or names an earlier version kept without a connection: they wait in a
        // workspace whose instance the next connection decides.
        None => derived_id("an earlier version's data"),
    };
    let dir = root.join(WORKSPACES_DIR).join(&id);
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::internal(format_args!(
            "the workspace folder {} could not be created ({e})",
            dir.display()
        ))
    })?;
    for f in files {
        let (from, to) = (root.join(f), dir.join(f));
        if to.exists() {
            log::warn!(
                "{} is already in the workspace; the older copy stays where it was",
                f
            );
            continue;
        }
        std::fs::rename(&from, &to).map_err(|e| {
            Error::internal(format_args!("{} could not be moved ({e})", from.display()))
        })?;
    }
    let mut record = WorkspaceRecord::new(id.clone(), legacy.as_ref().map(|c| c.instance.clone()));
    if let Some(c) = &legacy {
        record.profile = Some(ConnectProfile {
            client_id: c.client_id.clone(),
            integration_user: c.integration_user.clone(),
            port: c.port,
        });
        record.legacy_keychain = true;
    }
    record.connection = legacy;
    log::info!(
        "moved the data of an earlier version into workspace {id}{}",
        record
            .instance
            .as_ref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default()
    );
    records.update_with(&[LEGACY_CONNECTION_KEY], move |f| {
        f.list = vec![record];
        f.selected = Some(id);
        Ok(())
    })
}

/// Copies a migrated workspace's secrets from where earlier versions filed them to its own
/// entries, then deletes the old ones and clears the mark. Blocking.
pub(super) fn move_keychain(records: &Records, id: &str) -> Result<()> {
    let Some(r) = records.get(id).filter(|r| r.legacy_keychain) else {
        return Ok(());
    };
    let (Some(instance), Some(profile)) = (r.instance, r.profile) else {
        return Ok(());
    };
    let old = Keychain::legacy(&instance, &profile.client_id);
    let new = Keychain::for_workspace(id, &instance, &profile.client_id);
    for kind in SecretKind::ALL {
        if let Some(secret) = old.get(kind)? {
            new.set(kind, &secret)?;
        }
    }
    records.update_one(id, |r| {
        r.legacy_keychain = false;
        Ok(())
    })?;
    old.delete_all()?;
    log::info!("moved the keychain entries of workspace {id}");
    Ok(())
}
