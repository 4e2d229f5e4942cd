//! Updates through Tauri's updater: the adapter around `ticket_bridge_core::updates`, which
//! decides when to check and what the admin sees.
//!
//! The manifest's address and the release key's public half are in `tauri.conf.json`
//! (`plugins.updater`; the release workflow adds the address). Every request goes through the
//! app's proxy setting (`network::with_app_proxy`), like ServiceNow's and Microsoft's. A debug
//! build (the tests) may point at another server and key with [`ENDPOINT_ENV`] and
//! [`PUBKEY_ENV`]; a release build ignores them.

use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::UpdaterExt;
use ticket_bridge_core::updates::{Available, Failure, UpdateView, Updates};
use ticket_bridge_core::{Error, policy::Policy, workspace::SettingsKv};

/// Debug builds only: the manifest's address.
pub const ENDPOINT_ENV: &str = "TICKET_BRIDGE_UPDATE_ENDPOINT";
/// Debug builds only: the public key (as `tauri.conf.json` writes it) the download must match.
pub const PUBKEY_ENV: &str = "TICKET_BRIDGE_UPDATE_PUBKEY";
/// The event the UI redraws its update section on.
pub const EVENT: &str = "app://updates";
/// How often the app asks itself whether the daily check is due.
const WAKE_EVERY: Duration = Duration::from_secs(3600);

/// The update offered by the last check, ready to download and install.
#[derive(Default)]
pub(crate) struct Pending(std::sync::Mutex<Option<tauri_plugin_updater::Update>>);

/// Where this build looks for updates.
enum Source {
    /// A debug build pointed at a test server (and its key).
    Test {
        endpoint: tauri::Url,
        pubkey: Option<String>,
    },
    /// The address in `tauri.conf.json` (a release build).
    Config,
    /// No address: built from source.
    None,
}

fn source<R: Runtime>(app: &AppHandle<R>) -> Source {
    if cfg!(debug_assertions)
        && let Ok(raw) = std::env::var(ENDPOINT_ENV)
    {
        return match tauri::Url::parse(&raw) {
            Ok(endpoint) => Source::Test {
                endpoint,
                pubkey: std::env::var(PUBKEY_ENV).ok(),
            },
            Err(e) => {
                log::warn!("ignoring {ENDPOINT_ENV}: {e}");
                Source::None
            }
        };
    }
    let configured = app
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get("endpoints"))
        .and_then(|e| e.as_array())
        .is_some_and(|e| !e.is_empty());
    if configured {
        Source::Config
    } else {
        Source::None
    }
}

/// Makes the update state (managed by the app) from the policy and the build's source. The
/// updater plugin is only there in the real app; without it updates are off like a build from
/// source.
pub(crate) fn install<R: Runtime>(
    app: &AppHandle<R>,
    kv: Arc<dyn SettingsKv>,
    policy: &Policy,
    plugin: bool,
) {
    let has_source = plugin && !matches!(source(app), Source::None);
    let updates = Arc::new(Updates::load(
        kv,
        env!("CARGO_PKG_VERSION"),
        policy.disable_updates,
        has_source,
    ));
    match updates.off() {
        Some(off) => log::info!("updates are off ({off:?})"),
        None => log::info!("updates are on: at most one automatic check a day"),
    }
    app.manage(updates.clone());
    app.manage(Pending::default());
    if updates.off().is_none() {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let due = app.state::<Arc<Updates>>().due(chrono::Utc::now());
                if due {
                    // A failure is kept for the Settings page and logged; the next wake tries
                    // again.
                    let _ = check(&app).await;
                }
                tokio::time::sleep(WAKE_EVERY).await;
            }
        });
    }
}

fn publish<R: Runtime>(app: &AppHandle<R>, view: &UpdateView) {
    if let Err(e) = app.emit(EVENT, view) {
        log::warn!("could not tell the window about updates: {e}");
    }
}

fn updater<R: Runtime>(app: &AppHandle<R>) -> Result<tauri_plugin_updater::Updater, Error> {
    let mut builder = app
        .updater_builder()
        .timeout(Duration::from_secs(60))
        .configure_client(ticket_bridge_core::network::with_app_proxy);
    if let Source::Test { endpoint, pubkey } = source(app) {
        builder = builder
            .endpoints(vec![endpoint])
            .map_err(|e| Failure::Manifest.error(&e.to_string()))?;
        if let Some(key) = pubkey {
            builder = builder.pubkey(key);
        }
    }
    builder
        .build()
        .map_err(|e| Failure::Install.error(&e.to_string()))
}

/// What the updater's error means for the admin.
fn failure(e: &tauri_plugin_updater::Error) -> Failure {
    use tauri_plugin_updater::Error as U;
    match e {
        U::Reqwest(_) | U::Network(_) | U::ReleaseNotFound | U::Http(_) => Failure::Unreachable,
        U::Serialization(_)
        | U::Semver(_)
        | U::UrlParse(_)
        | U::TargetNotFound(_)
        | U::TargetsNotFound(_) => Failure::Manifest,
        U::Minisign(_)
        | U::Base64(_)
        | U::SignatureUtf8(_)
        | U::SignedVersionMismatch { .. }
        | U::MissingSignedVersion => Failure::Signature,
        _ => Failure::Install,
    }
}

/// Looks for an update now (the daily check, or *Check for updates*).
pub(crate) async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<UpdateView, Error> {
    let updates = app.state::<Arc<Updates>>().inner().clone();
    let busy = updates.begin_check()?;
    publish(app, &updates.view());
    let outcome = async {
        let found = updater(app)?
            .check()
            .await
            .map_err(|e| failure(&e).error(&e.to_string()))?;
        let available = found.as_ref().map(|u| {
            let date = u
                .raw_json
                .get("pub_date")
                .and_then(|d| d.as_str())
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&chrono::Utc).to_rfc3339());
            Available::from_server(&u.version, u.body.as_deref(), date)
        });
        *app.state::<Pending>()
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = found;
        Ok(available)
    }
    .await;
    let failed = outcome.as_ref().err().cloned();
    updates.finish_check(chrono::Utc::now(), outcome);
    drop(busy);
    let view = updates.view();
    publish(app, &view);
    match failed {
        Some(e) => Err(e),
        None => Ok(view),
    }
}

/// Downloads the update offered, checks its signature against the release key, installs it
/// and restarts. A download that is not signed by the release key is refused; nothing is
/// installed.
pub(crate) async fn install_now<R: Runtime>(app: &AppHandle<R>) -> Result<UpdateView, Error> {
    let updates = app.state::<Arc<Updates>>().inner().clone();
    let (busy, offered) = updates.begin_install()?;
    publish(app, &updates.view());
    let update = app
        .state::<Pending>()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let result = match update {
        Some(update) => {
            log::info!("update: downloading version {}", offered.version);
            update
                .download_and_install(
                    |_, _| {},
                    || log::info!("update: downloaded; checking its signature"),
                )
                .await
                .map_err(|e| failure(&e).error(&e.to_string()))
        }
        None => Err(Failure::Install.error("the offered update is no longer held")),
    };
    drop(busy);
    match result {
        Ok(()) => {
            log::info!("update: version {} installed; restarting", offered.version);
            app.restart();
        }
        Err(e) => {
            updates.install_failed(e.clone());
            publish(app, &updates.view());
            Err(e)
        }
    }
}
