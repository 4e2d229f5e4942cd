//! Diagnostics: the one zip an admin sends to IT when something goes wrong (*Save
//! diagnostics…* in Settings).
//!
//! Everything in it is made from typed views that hold nothing secret: the settings part is
//! built field by field from the workspaces' connection and sign-in views and the shared
//! settings, never by copying the settings file and leaving things out. Nothing here reads the
//! keychain, where the secrets are. The log files are put in as the log plugin wrote them (no
//! secret is ever logged; the diagnostics test scans the whole bundle for the secrets of a real
//! run). Layout of `ticket-bridge-diagnostics-<local time>.zip`:
//!
//! ```text
//! README.txt                          what this is, and that secrets are left out
//! about.json                          app version, operating system, language, when
//! settings.json                       language, notifications, each workspace's connections
//! damaged.json                        data files moved aside at start
//! policy.json                         the organisation's policy in force, and where it came from
//! updates.json                        whether updates are on, the last check, what it found
//! workspaces/<id>/outbox.json         the tasks waiting to be sent, with their last error
//! workspaces/<id>/watcher.json        the watcher's state, last and next poll
//! workspaces/<id>/check.json          the connection check's last report (only if it ran)
//! logs/<file>.log                     the newest log files (at most 5, the last 2 MB of each)
//! ```

use crate::connection::ConnectionInfo;
use crate::error::{Error, Result};
use crate::secure_score::signin::MicrosoftInfo;
use crate::workspace::notifications::NotificationSettings;
use crate::workspace::{FormDefaults, Workspaces};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// How many log files go in, newest first.
pub const MAX_LOG_FILES: usize = 5;
/// How much of each log file goes in: its end (the log plugin rotates at 2 MB).
pub const MAX_LOG_BYTES: u64 = 2_000_000;
/// The start of a bundle's file name.
pub const FILE_PREFIX: &str = "ticket-bridge-diagnostics-";

/// One file of the bundle: its path inside the zip and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What the shell knows and core does not: the app's version and where the logs are.
#[derive(Debug, Clone)]
pub struct Request {
    pub app_version: String,
    /// The log plugin's folder (`None` when the platform has none).
    pub log_dir: Option<PathBuf>,
    /// The update state (the shell keeps it).
    pub updates: Option<crate::updates::UpdateView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct About {
    app: &'static str,
    version: String,
    os: Os,
    language: String,
    locale: String,
    created_at: DateTime<Utc>,
    local_time: String,
    log_folder: Option<String>,
    log_files: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Os {
    family: &'static str,
    name: String,
    version: String,
    edition: Option<String>,
    codename: Option<String>,
    bitness: String,
    architecture: &'static str,
}

impl Os {
    fn current() -> Self {
        let info = os_info::get();
        Self {
            family: std::env::consts::OS,
            name: info.os_type().to_string(),
            version: info.version().to_string(),
            edition: info.edition().map(str::to_owned),
            codename: info.codename().map(str::to_owned),
            bitness: info.bitness().to_string(),
            architecture: std::env::consts::ARCH,
        }
    }
}

/// The settings, as typed views that cannot hold a secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    language: String,
    system_locale: String,
    notifications: NotificationSettings,
    selected: Option<String>,
    workspaces: Vec<WorkspaceSettings>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkspaceSettings {
    id: String,
    name: String,
    instance: Option<String>,
    created_at: Option<DateTime<Utc>>,
    /// What the setup form is prefilled with (instance, client ID, integration user, port).
    form: Option<FormDefaults>,
    servicenow: Option<ServiceNow>,
    microsoft: Option<Microsoft>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceNow {
    instance: String,
    client_id: String,
    integration_user: String,
    signed_in_user: String,
    release: Option<String>,
    port: u16,
    redirect_uri: String,
    public_client: bool,
    has_refresh_token: bool,
    needs_reconnect: bool,
    access_token_expires_at: DateTime<Utc>,
}

impl From<ConnectionInfo> for ServiceNow {
    fn from(c: ConnectionInfo) -> Self {
        Self {
            instance: c.instance,
            client_id: c.client_id,
            integration_user: c.integration_user,
            signed_in_user: c.signed_in.user_name,
            release: c.release,
            port: c.port,
            redirect_uri: c.redirect_uri,
            public_client: c.public_client,
            has_refresh_token: c.has_refresh_token,
            needs_reconnect: c.needs_reconnect,
            access_token_expires_at: c.access_token_expires_at,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Microsoft {
    tenant: String,
    tenant_id: String,
    client_id: String,
    authority: String,
    graph: String,
    account: String,
    needs_reconnect: bool,
    access_token_expires_at: DateTime<Utc>,
}

impl From<MicrosoftInfo> for Microsoft {
    fn from(m: MicrosoftInfo) -> Self {
        Self {
            tenant: m.tenant,
            tenant_id: m.account.tenant_id,
            client_id: m.client_id,
            authority: m.authority,
            graph: m.graph,
            account: m.account.upn,
            needs_reconnect: m.needs_reconnect,
            access_token_expires_at: m.access_token_expires_at,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    /// `false`: the check has not run since the app started (`report` is then absent).
    ran: bool,
    #[serde(flatten)]
    last: Option<crate::workspace::LastCheck>,
}

const README: &str = "Ticket Bridge diagnostics\n\
=========================\n\
\n\
Saved by Ticket Bridge (Settings, Save diagnostics) for your IT department.\n\
\n\
about.json                    app version, operating system, language, when this was saved\n\
settings.json                 the app's settings and each workspace's connections\n\
damaged.json                  data files that could not be read at start (moved aside)\n\
policy.json                   the organisation's policy in force, and where it came from\n\
updates.json                  whether updates are on, the last check and what it found\n\
workspaces/<id>/outbox.json   tasks waiting to be sent, with their last error\n\
workspaces/<id>/watcher.json  the watcher's state, last and next poll\n\
workspaces/<id>/check.json    the connection check's last result, if it ran\n\
logs/                         the newest log files\n\
\n\
No client secret, password or token is in this file: Ticket Bridge keeps them in the\n\
computer's credential store only, and this bundle is made without reading it.\n";

fn json(name: String, value: &impl Serialize) -> Result<Entry> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(Error::internal)?;
    bytes.push(b'\n');
    Ok(Entry { name, bytes })
}

/// Everything the bundle holds, in the order of the layout above.
pub async fn collect(registry: &Workspaces, request: &Request) -> Result<Vec<Entry>> {
    let language = registry.language();
    let mut workspaces = Vec::new();
    let mut per_workspace = Vec::new();
    for ws in registry.list() {
        let record = ws.record();
        let connection = ws.connection().status().await;
        let microsoft = ws.microsoft().status().await;
        workspaces.push(WorkspaceSettings {
            id: ws.id().to_owned(),
            name: ws.name(),
            instance: ws.instance().map(|i| i.to_string()),
            created_at: record.as_ref().map(|r| r.created_at),
            form: record.as_ref().and_then(|r| r.form_defaults()),
            servicenow: connection.map(ServiceNow::from),
            microsoft: microsoft.map(Microsoft::from),
        });
        let dir = format!("workspaces/{}", ws.id());
        per_workspace.push(json(
            format!("{dir}/outbox.json"),
            &ws.tickets().outbox_items(),
        )?);
        per_workspace.push(json(
            format!("{dir}/watcher.json"),
            &ws.watch_control().status(),
        )?);
        let last = ws.last_check();
        per_workspace.push(json(
            format!("{dir}/check.json"),
            &Check {
                ran: last.is_some(),
                last,
            },
        )?);
    }
    let settings = Settings {
        language: language.language,
        system_locale: language.system_locale,
        notifications: registry.notification_settings(),
        selected: registry.selected(),
        workspaces,
    };
    let damaged = registry.damaged();
    let locale = language.locale;
    let log_dir = request.log_dir.clone();
    let (os, logs) = crate::files::blocking(move || {
        let logs = match &log_dir {
            Some(dir) => read_logs(dir),
            None => Vec::new(),
        };
        Ok((Os::current(), logs))
    })
    .await?;
    let now = chrono::Local::now();
    let about = About {
        app: "Ticket Bridge",
        version: request.app_version.clone(),
        os,
        language: settings.language.clone(),
        locale,
        created_at: now.with_timezone(&Utc),
        local_time: now.to_rfc3339(),
        log_folder: request.log_dir.as_ref().map(|d| d.display().to_string()),
        log_files: logs.iter().map(|e| e.name.clone()).collect(),
    };
    let mut entries = vec![
        Entry {
            name: "README.txt".into(),
            bytes: README.as_bytes().to_vec(),
        },
        json("about.json".into(), &about)?,
        json("settings.json".into(), &settings)?,
        json("damaged.json".into(), &damaged)?,
        json("policy.json".into(), registry.policy().as_ref())?,
        json("updates.json".into(), &request.updates)?,
    ];
    entries.extend(per_workspace);
    entries.extend(logs);
    Ok(entries)
}

/// The newest `.log` files of `dir` (at most [`MAX_LOG_FILES`]), the last [`MAX_LOG_BYTES`] of
/// each, as `logs/<file name>`. A file that cannot be read is left out (and logged).
pub fn read_logs(dir: &Path) -> Vec<Entry> {
    let Ok(list) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = list
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| {
            let modified = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, p)
        })
        .collect();
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    files
        .into_iter()
        .take(MAX_LOG_FILES)
        .filter_map(|(_, path)| match tail(&path, MAX_LOG_BYTES) {
            Ok(bytes) => Some(Entry {
                name: format!("logs/{}", path.file_name()?.to_string_lossy()),
                bytes,
            }),
            Err(e) => {
                log::warn!("diagnostics: {} left out ({e})", path.display());
                None
            }
        })
        .collect()
}

/// The last `max` bytes of a file.
fn tail(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        file.seek(SeekFrom::Start(len - max))?;
    }
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The zip of `entries` (deflated, dated now in local time).
pub fn zip(entries: &[Entry]) -> Result<Vec<u8>> {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    let when = zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second().min(58) as u8,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when)
        .unix_permissions(0o600);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let failed = |e: &dyn std::fmt::Display| {
        Error::internal(format_args!("the diagnostics zip could not be made ({e})"))
    };
    for entry in entries {
        writer
            .start_file(entry.name.as_str(), options)
            .map_err(|e| failed(&e))?;
        writer.write_all(&entry.bytes).map_err(|e| failed(&e))?;
    }
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

/// The bundle's file name for a local time.
pub fn file_name(at: chrono::DateTime<chrono::Local>) -> String {
    format!("{FILE_PREFIX}{}.zip", at.format("%Y-%m-%d-%H%M%S"))
}

/// Builds the bundle and saves it in `dir` (the Downloads folder); returns its path.
pub async fn save(registry: &Workspaces, request: &Request, dir: PathBuf) -> Result<PathBuf> {
    let entries = collect(registry, request).await?;
    let name = file_name(chrono::Local::now());
    crate::files::blocking(move || {
        let bytes = zip(&entries)?;
        let path = dir.join(name);
        std::fs::create_dir_all(&dir)
            .and_then(|()| crate::files::write_atomic(&path, &bytes))
            .map_err(|e| {
                Error::invalid_input(
                    format!(
                        "The diagnostics could not be saved in {} ({e}).",
                        dir.display()
                    ),
                    "Check that the Downloads folder exists and can be written to, then save the diagnostics again.",
                )
                .with_reason("diagnostics_not_saved")
                .with_param("folder", dir.display().to_string())
            })?;
        log::info!("diagnostics saved: {}", path.display());
        Ok(path)
    })
    .await
}

/// `path` if it is a bundle this app saved in `dir` (for *Show in folder*, which must not
/// reveal any other path the UI names).
pub fn saved_bundle(path: &str, dir: &Path) -> Result<PathBuf> {
    let path = PathBuf::from(path);
    let ours = path.parent() == Some(dir)
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(".zip"))
        && path.is_file();
    if ours {
        Ok(path)
    } else {
        Err(Error::invalid_input(
            format!(
                "{} is not a diagnostics file Ticket Bridge saved.",
                path.display()
            ),
            "Save the diagnostics again, then show the new file.",
        )
        .with_reason("diagnostics_file_unknown"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).unwrap();
                let mut out = Vec::new();
                f.read_to_end(&mut out).unwrap();
                (f.name().unwrap().to_string(), out)
            })
            .collect()
    }

    #[test]
    fn the_zip_holds_every_entry_deflated_byte_for_byte() {
        let entries = vec![
            Entry {
                name: "README.txt".into(),
                bytes: README.as_bytes().to_vec(),
            },
            Entry {
                name: "logs/Ticket Bridge.log".into(),
                bytes: "a line\n".repeat(10_000).into_bytes(),
            },
        ];
        let bytes = zip(&entries).unwrap();
        assert!(bytes.len() < 20_000, "deflated: {}", bytes.len());
        let back = unzip(&bytes);
        assert_eq!(back.len(), 2);
        for (entry, (name, data)) in entries.iter().zip(back) {
            assert_eq!((&entry.name, &entry.bytes), (&name, &data));
        }
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(
            archive.by_index(1).unwrap().compression(),
            zip::CompressionMethod::Deflated
        );
    }

    #[test]
    fn logs_are_the_newest_log_files_and_the_end_of_each() {
        let dir = tempfile::tempdir().unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for i in 0..7 {
            let path = dir.path().join(format!("Ticket Bridge_{i}.log"));
            std::fs::write(&path, format!("log {i}\n")).unwrap();
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(old + std::time::Duration::from_secs(i * 60))
                .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
        let big = dir.path().join("Ticket Bridge.log");
        let mut text = "x".repeat(MAX_LOG_BYTES as usize);
        text.push_str("the last line\n");
        std::fs::write(&big, &text).unwrap();

        let logs = read_logs(dir.path());
        let names: Vec<&str> = logs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "logs/Ticket Bridge.log",
                "logs/Ticket Bridge_6.log",
                "logs/Ticket Bridge_5.log",
                "logs/Ticket Bridge_4.log",
                "logs/Ticket Bridge_3.log",
            ]
        );
        assert_eq!(logs[0].bytes.len() as u64, MAX_LOG_BYTES);
        assert!(logs[0].bytes.ends_with(b"the last line\n"));
        assert_eq!(logs[1].bytes, b"log 6\n");
        assert!(read_logs(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn only_a_bundle_saved_in_the_folder_may_be_shown() {
        let dir = tempfile::tempdir().unwrap();
        let name = file_name(chrono::Local::now());
        assert!(
            name.starts_with(FILE_PREFIX) && name.ends_with(".zip"),
            "{name}"
        );
        let path = dir.path().join(&name);
        let text = path.display().to_string();
        let e = saved_bundle(&text, dir.path()).unwrap_err();
        assert_eq!(
            e.reason.as_deref(),
            Some("diagnostics_file_unknown"),
            "not yet saved"
        );
        std::fs::write(&path, b"PK").unwrap();
        assert_eq!(saved_bundle(&text, dir.path()).unwrap(), path);
        let other = dir.path().join("secrets.zip");
        std::fs::write(&other, b"PK").unwrap();
        assert!(saved_bundle(&other.display().to_string(), dir.path()).is_err());
        let elsewhere = tempfile::tempdir().unwrap();
        let there = elsewhere.path().join(&name);
        std::fs::write(&there, b"PK").unwrap();
        assert!(saved_bundle(&there.display().to_string(), dir.path()).is_err());
        let sneaky = format!(
            "{}/../{}/{name}",
            dir.path().display(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        assert!(
            saved_bundle(&sneaky, dir.path()).is_err(),
            "no .. in the path"
        );
    }

    #[test]
    fn the_operating_system_is_named() {
        let os = Os::current();
        assert_eq!(os.family, std::env::consts::OS);
        assert!(!os.name.is_empty() && !os.version.is_empty(), "{os:?}");
    }
}
