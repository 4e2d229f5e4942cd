//! Workspaces: one per ServiceNow connection, each with everything that belongs to it.
//!
//! A [`Workspace`] owns its data folder (`workspaces/<id>/`: outbox, ticket cache, watermark,
//! typed actions), its connection (settings in the settings file, secrets in the keychain under
//! its id), its sender and its watcher, and what the tray knows of it (unseen changes, recent
//! tickets). Nothing of one workspace is ever sent to another's instance: a task is queued in
//! its workspace's outbox, stamped with that instance, and only that workspace's sender sends it.
//!
//! [`Workspaces`] is the registry the app talks to: it opens (and migrates) the workspaces at
//! start, runs the connect and remove sequences, keeps the selection and the notification
//! settings, and tells the desktop what changed through the [`Host`] trait. The Tauri shell
//! only adapts commands, events, the tray and notifications to it.
//!
//! Modules: [`host`] the trait the shell implements and the events, [`store`] the settings
//! file and the workspace records, [`notifications`] the shared notification settings,
//! [`registry`] the registry, `runtime` the sender loop and the watcher's sink, `migrate` the
//! move from the single connection of earlier versions.

pub mod host;
pub mod language;
mod migrate;
pub mod notifications;
mod registry;
mod runtime;
pub mod store;

pub use host::{Event, Host, Task};
pub use registry::{
    ConnectResult, OpenOptions, RecentItem, RemoveOutcome, TrayView, WaitingChoice, Workspaces,
};
pub use store::{FileKv, FormDefaults, MemoryKv, SettingsKv, WorkspaceRecord};

use crate::connection::ConnectionManager;
use crate::doctor;
use crate::secure_score::ActionSource;
use crate::secure_score::csv_import::{self, CsvImport};
use crate::secure_score::csv_source::{self, CsvActions, CsvSummary};
use crate::secure_score::graph_data;
use crate::secure_score::score::{ScoreStore, ScoreSummary};
use crate::secure_score::signin::{MicrosoftForm, MicrosoftInfo, MicrosoftSignIn};
use crate::servicenow::{InstanceUrl, TicketKind};
use crate::tickets::board::{TicketList, TicketView};
use crate::tickets::service::{DraftInput, SubmitOutcome, TicketService};
use crate::tickets::watch::{Change, TicketChange};
use crate::tickets::watcher::WatchControl;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use store::Records;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// After this long, opening the actions page reads the score again.
pub const STALE_MINUTES: i64 = 10;

/// What opening a workspace needs besides its services.
pub(crate) struct Opening<'a> {
    pub interval_secs: u64,
    pub damage: &'a crate::files::DamageReport,
    /// This install's correlation segment (see [`crate::tickets::correlation`]).
    pub install: &'a str,
}

/// The actions page's header: the tenant's score and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreView {
    pub summary: Option<ScoreSummary>,
    pub microsoft: Option<MicrosoftInfo>,
    pub csv: Option<CsvSummary>,
    /// Older than the page wants: a read is on its way.
    pub stale: bool,
    /// Why the last read failed (the cached score, if any, is still shown).
    pub error: Option<crate::Error>,
}

/// A connection check's report and when it ran.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastCheck {
    pub at: chrono::DateTime<chrono::Utc>,
    pub report: doctor::Report,
}

/// The Secure Score cache and the last CSV import, in a workspace's folder.
pub const SCORE_FILE: &str = "secure-score.json";
pub const CSV_FILE: &str = "csv-actions.json";

/// The folder of the workspaces inside the app's data folder.
pub const WORKSPACES_DIR: &str = "workspaces";
/// The longest name an admin may give a workspace.
pub const MAX_NAME_CHARS: usize = 40;
/// How many recently changed tickets the tray lists.
pub const RECENT: usize = 5;
/// The newest tickets of each kind on the home page's cards.
pub const HOME_NEWEST: usize = 5;

/// One line of the switcher: which instance, and what waits there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub instance: Option<String>,
    pub connected: bool,
    pub needs_reconnect: bool,
    /// Tasks in its outbox.
    pub waiting: usize,
    /// Tickets changed since the admin last looked at this workspace.
    pub unseen: usize,
    pub selected: bool,
}

/// The short name of an instance: `contoso` for `https://contoso.service-now.com`, the host
/// (and port) otherwise.
pub fn instance_name(instance: &InstanceUrl) -> String {
    let origin = instance.as_str();
    let host = origin.split("://").nth(1).unwrap_or(origin);
    host.strip_suffix(".service-now.com")
        .unwrap_or(host)
        .to_owned()
}

/// A new workspace id: `ws-` and 8 random hex digits.
pub fn new_id() -> String {
    format!("ws-{:08x}", rand::random::<u32>())
}

/// Whether `id` is a workspace id this app makes (it becomes a folder name).
pub fn is_workspace_id(id: &str) -> bool {
    id.len() == 11
        && id.starts_with("ws-")
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Default)]
struct Seen {
    unseen: BTreeSet<String>,
    recent: Vec<TicketView>,
}

/// The sender's doorbell.
#[derive(Default)]
pub(crate) struct SenderControl {
    pub(crate) wake: Notify,
    /// Read the whole ticket list again on the next round (after connecting or restoring).
    pub(crate) refresh: AtomicBool,
}

/// One workspace: one connection and everything that belongs to it.
pub struct Workspace {
    app: Weak<Workspaces>,
    id: String,
    dir: PathBuf,
    records: Arc<Records>,
    connection: Arc<ConnectionManager>,
    tickets: Arc<TicketService>,
    microsoft: Arc<MicrosoftSignIn>,
    score: Arc<ScoreStore>,
    csv: Arc<CsvActions>,
    /// The Secure Score loop's doorbell.
    pub(crate) score_wake: Notify,
    /// Why the last read of the score failed, until one succeeds.
    score_error: Mutex<Option<crate::Error>>,
    pub(crate) watch: Arc<WatchControl>,
    pub(crate) sender: SenderControl,
    seen: Mutex<Seen>,
    /// The connection check's last report since the app started (for the diagnostics).
    last_check: Mutex<Option<LastCheck>>,
    /// The start has looked for the saved connection (found or not), or the workspace was made
    /// by a sign-in: until then `connection.status()` cannot tell "not connected" from "not
    /// restored yet".
    restored: tokio::sync::watch::Sender<bool>,
    closed: CancellationToken,
}

impl Workspace {
    /// Opens the workspace's files (blocking).
    pub(crate) fn open(
        app: Weak<Workspaces>,
        id: &str,
        dir: &Path,
        records: Arc<Records>,
        connection: Arc<ConnectionManager>,
        microsoft: Arc<MicrosoftSignIn>,
        opening: Opening<'_>,
    ) -> crate::Result<Self> {
        let Opening {
            interval_secs,
            damage,
            install,
        } = opening;
        crate::files::create_private_dir(dir).map_err(|e| {
            crate::Error::internal(format_args!(
                "the workspace folder could not be created ({e})"
            ))
        })?;
        let ctx = crate::files::Ctx::new(damage, Some(id));
        let score = Arc::new(ScoreStore::open_in(dir.join(SCORE_FILE), &ctx));
        let csv = Arc::new(CsvActions::open_in(dir.join(CSV_FILE), &ctx));
        let sources: Vec<Arc<dyn ActionSource>> = vec![score.clone(), csv.clone()];
        let tickets = Arc::new(
            TicketService::open_in(dir, connection.clone(), sources, &ctx)?.with_install(install),
        );
        let mut seen = Seen::default();
        if let Ok(recent) = tickets.newest_tickets(RECENT) {
            seen.recent = recent;
        }
        Ok(Self {
            app,
            id: id.to_owned(),
            dir: dir.to_owned(),
            records,
            connection,
            tickets,
            microsoft,
            score,
            csv,
            score_wake: Notify::new(),
            score_error: Mutex::new(None),
            watch: Arc::new(WatchControl::new(interval_secs)),
            sender: SenderControl::default(),
            seen: Mutex::new(seen),
            last_check: Mutex::new(None),
            restored: tokio::sync::watch::channel(false).0,
            closed: CancellationToken::new(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn connection(&self) -> &Arc<ConnectionManager> {
        &self.connection
    }

    pub fn tickets(&self) -> &Arc<TicketService> {
        &self.tickets
    }

    pub fn microsoft(&self) -> &Arc<MicrosoftSignIn> {
        &self.microsoft
    }

    pub fn score(&self) -> &Arc<ScoreStore> {
        &self.score
    }

    pub fn csv(&self) -> &Arc<CsvActions> {
        &self.csv
    }

    pub fn watch_control(&self) -> &Arc<WatchControl> {
        &self.watch
    }

    /// The connection as the home page draws it at start, so that a connected workspace is
    /// drawn connected, with its cached tickets, and never first as not connected. Until the
    /// saved connection has been restored (its secrets read from the keychain in the
    /// background, see [`Workspaces::start`]) it is what the settings file saved; the
    /// restore's `connection://changed` then says what the keychain held (not connected when
    /// it could not be read).
    pub async fn connection_status(&self) -> Option<crate::connection::ConnectionInfo> {
        if !*self.restored.borrow() {
            return self.connection.saved_info();
        }
        self.connection.status().await
    }

    /// The saved connection has been looked for (or there is none to look for).
    pub(crate) fn restore_done(&self) {
        self.restored.send_replace(true);
    }

    pub fn record(&self) -> Option<WorkspaceRecord> {
        self.records.get(&self.id)
    }

    /// The instance this workspace belongs to, once known.
    pub fn instance(&self) -> Option<InstanceUrl> {
        self.record().and_then(|r| r.instance)
    }

    /// What the switcher, the tray and notifications call it.
    pub fn name(&self) -> String {
        let r = self.record();
        r.as_ref()
            .and_then(|r| r.name.clone())
            .or_else(|| r.and_then(|r| r.instance).map(|i| instance_name(&i)))
            .unwrap_or_else(|| self.id.clone())
    }

    pub async fn summary(&self, selected: bool) -> WorkspaceSummary {
        let status = self.connection.status().await;
        WorkspaceSummary {
            id: self.id.clone(),
            name: self.name(),
            instance: self.instance().map(|i| i.to_string()),
            connected: status.is_some(),
            needs_reconnect: status.is_some_and(|s| s.needs_reconnect),
            waiting: self.tickets.outbox_items().len(),
            unseen: self.unseen_count(),
            selected,
        }
    }

    /// Asks the sender to look at the outbox now (and, with `refresh`, to read the ticket
    /// list first).
    pub fn wake_sender(&self, refresh: bool) {
        if refresh {
            self.sender.refresh.store(true, Ordering::SeqCst);
        }
        self.sender.wake.notify_one();
    }

    /// A connection was made or restored: what waits goes out now, the ticket list is read
    /// again, and the watcher looks.
    pub(crate) async fn connected(&self) {
        if let Err(e) = self.tickets.after_connect().await {
            log::warn!(
                "{}: the outbox could not be updated: {}",
                self.id,
                e.message
            );
        }
        self.wake_sender(true);
        self.wake_watcher();
    }

    pub fn wake_watcher(&self) {
        self.watch.wake();
    }

    pub fn unseen_count(&self) -> usize {
        self.lock_seen().unseen.len()
    }

    fn lock_seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn add_unseen(&self, sys_ids: impl IntoIterator<Item = String>) {
        self.lock_seen().unseen.extend(sys_ids);
    }

    /// The admin looked: the count starts again. Returns whether there was any.
    pub fn mark_seen(&self) -> bool {
        let mut s = self.lock_seen();
        let had = !s.unseen.is_empty();
        s.unseen.clear();
        had
    }

    /// The most recently changed tickets, newest first.
    pub fn recent(&self) -> Vec<TicketView> {
        self.lock_seen().recent.clone()
    }

    pub(crate) fn set_recent(&self, tickets: &[TicketView]) {
        self.lock_seen().recent = tickets.iter().take(RECENT).cloned().collect();
    }

    pub(crate) fn forget_seen(&self) {
        let mut s = self.lock_seen();
        s.unseen.clear();
        s.recent.clear();
    }

    // What the commands do, with the events that follow -----------------------------------

    fn emit(&self, event: Event) {
        if let Some(app) = self.app.upgrade() {
            app.host().emit(event);
        }
    }

    async fn publish(&self) {
        if let Some(app) = self.app.upgrade() {
            app.publish().await;
        }
    }

    pub(crate) fn emit_outbox(&self) {
        self.emit(Event::OutboxChanged {
            workspace: self.id.clone(),
            items: self.tickets.outbox_items(),
        });
    }

    /// Tells the UI the cached list changed (with the home page's summary: the pages that list
    /// every ticket read them again), and keeps the tray's recent tickets in step.
    pub(crate) fn emit_tickets(&self) {
        if let Ok(recent) = self.tickets.newest_tickets(RECENT) {
            self.set_recent(&recent);
        }
        if let Ok(summary) = self.tickets.ticket_summary(HOME_NEWEST) {
            self.emit(Event::TicketsChanged {
                workspace: self.id.clone(),
                summary,
            });
        }
    }

    /// The home page's summary of the cached tickets.
    pub fn ticket_summary(&self) -> crate::Result<crate::tickets::board::TicketSummary> {
        self.tickets.ticket_summary(HOME_NEWEST)
    }

    /// Queues a task for this workspace's instance and tries to send it at once; a task that
    /// waits wakes the sender.
    pub async fn submit(&self, input: DraftInput) -> crate::Result<SubmitOutcome> {
        let outcome = self.tickets.submit(input).await?;
        self.emit_outbox();
        if outcome.sent.is_some() {
            self.emit_tickets();
        } else {
            self.wake_sender(false);
        }
        self.publish().await;
        Ok(outcome)
    }

    /// Sends a waiting or blocked task now.
    pub async fn retry(&self, outbox_id: &str) -> crate::Result<()> {
        self.tickets.retry(outbox_id).await?;
        self.wake_sender(false);
        Ok(())
    }

    /// Sends a task whose lookups could not prove absence without looking again: the admin
    /// looked in ServiceNow and found no ticket.
    pub async fn send_anyway(&self, outbox_id: &str) -> crate::Result<()> {
        self.tickets.send_anyway(outbox_id).await?;
        self.wake_sender(false);
        Ok(())
    }

    /// Drops a task without sending it.
    pub async fn discard(&self, outbox_id: &str) -> crate::Result<()> {
        self.tickets.discard(outbox_id).await?;
        self.emit_outbox();
        self.publish().await;
        Ok(())
    }

    /// Reads every ticket from the instance now.
    pub async fn refresh_tickets(&self) -> crate::Result<TicketList> {
        let list = self.tickets.refresh_tickets().await?;
        self.emit_tickets();
        Ok(list)
    }

    pub async fn set_state_name(
        &self,
        kind: TicketKind,
        value: &str,
        label: Option<&str>,
    ) -> crate::Result<()> {
        self.tickets.set_state_name(kind, value, label).await?;
        self.emit_tickets();
        Ok(())
    }

    pub async fn reset_state_names(&self) -> crate::Result<()> {
        self.tickets.reset_state_names().await?;
        self.emit_tickets();
        Ok(())
    }

    /// The connection check. Its report is kept, in memory, as the last one.
    pub async fn check(&self) -> crate::Result<doctor::Report> {
        let settings = self
            .connection
            .settings()
            .ok_or_else(crate::Error::not_connected)?;
        let api = self.connection.api()?;
        let report = doctor::run(&settings, &api).await;
        *self.last_check.lock().unwrap_or_else(|p| p.into_inner()) = Some(LastCheck {
            at: chrono::Utc::now(),
            report: report.clone(),
        });
        Ok(report)
    }

    /// The connection check's last report since the app started, if it ran.
    pub fn last_check(&self) -> Option<LastCheck> {
        self.last_check
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Opens a page of this workspace's instance in the system browser; any other address is
    /// refused.
    pub fn open_page(&self, url: &str) -> crate::Result<()> {
        if !self.tickets.is_instance_url(url) {
            return Err(crate::Error::invalid_input(
                "Ticket Bridge only opens pages of your ServiceNow instance.",
                "Open the ticket from the list again.",
            )
            .with_reason("page_not_on_instance"));
        }
        let app = self
            .app
            .upgrade()
            .ok_or_else(|| crate::Error::internal("the app is closing"))?;
        app.host().open_url(url)
    }

    /// Writes the listed tickets (all, or those `sys_ids`) as a CSV file in `dir`.
    pub async fn export_csv(
        &self,
        sys_ids: Option<Vec<String>>,
        dir: PathBuf,
    ) -> crate::Result<PathBuf> {
        let lang = self
            .app
            .upgrade()
            .map(|a| a.locale())
            .unwrap_or_else(|| "en".into());
        let csv = self.tickets.csv(sys_ids.as_deref(), &lang)?;
        let name = format!(
            "ticket-bridge-{}-{}.csv",
            self.name()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>(),
            chrono::Local::now().format("%Y-%m-%d-%H%M%S")
        );
        crate::files::blocking(move || {
            let path = dir.join(name);
            std::fs::create_dir_all(&dir)
                .and_then(|()| crate::files::write_atomic(&path, csv.as_bytes()))
                .map_err(|e| {
                    crate::Error::invalid_input(
                        format!("The CSV file could not be saved in {} ({e}).", dir.display()),
                        "Check that the Downloads folder exists and can be written to, then export again.",
                    )
                    .with_reason("export_not_saved")
                    .with_param("folder", dir.display().to_string())
                })?;
            Ok(path)
        })
        .await
    }

    // Microsoft 365 and Secure Score -------------------------------------------------------

    /// Signs in to Microsoft 365 in the system browser and reads the score.
    pub async fn microsoft_sign_in(&self, form: MicrosoftForm) -> crate::Result<MicrosoftInfo> {
        if let Some(app) = self.app.upgrade() {
            app.policy()
                .check_microsoft(&form.tenant, &form.client_id)?;
        }
        let url = self.microsoft.begin(form).await?;
        self.finish_microsoft(url).await
    }

    /// Signs in again with the saved registration.
    pub async fn microsoft_reconnect(&self) -> crate::Result<MicrosoftInfo> {
        // A registration saved before the organisation locked another is not used again.
        if let (Some(app), Some(saved)) = (self.app.upgrade(), self.microsoft.settings()) {
            app.policy()
                .check_microsoft(&saved.app.tenant, &saved.app.client_id)?;
        }
        let url = self.microsoft.begin_again().await?;
        self.finish_microsoft(url).await
    }

    async fn finish_microsoft(&self, url: String) -> crate::Result<MicrosoftInfo> {
        if let Some(app) = self.app.upgrade() {
            app.host().emit(Event::MicrosoftAuthorizeUrl {
                workspace: self.id.clone(),
                url: url.clone(),
            });
            if let Err(e) = app.host().open_url(&url) {
                log::warn!("could not open the browser: {}", e.message);
            }
        }
        let info = self.microsoft.finish().await?;
        self.emit(Event::MicrosoftChanged {
            workspace: self.id.clone(),
            microsoft: Some(Box::new(info.clone())),
        });
        self.score_wake.notify_one();
        Ok(info)
    }

    /// Opens the tenant's admin consent page for the form's app registration (a Global
    /// Administrator grants Ticket Bridge's permission there, once for the tenant).
    pub fn open_admin_consent(&self, form: &MicrosoftForm) -> crate::Result<()> {
        let url = form.validate()?.admin_consent_url();
        match self.app.upgrade() {
            Some(app) => app.host().open_url(&url),
            None => Ok(()),
        }
    }

    pub fn microsoft_cancel(&self) {
        self.microsoft.cancel();
    }

    /// Signs out of Microsoft 365: deletes the tokens and the cached score.
    pub async fn microsoft_sign_out(&self) -> crate::Result<()> {
        self.microsoft.sign_out().await?;
        *self.score_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let score = self.score.clone();
        crate::files::blocking(move || {
            score.clear();
            Ok(())
        })
        .await?;
        self.emit(Event::MicrosoftChanged {
            workspace: self.id.clone(),
            microsoft: None,
        });
        self.emit_score().await;
        Ok(())
    }

    /// What the actions page's header shows: the score, its age, the sign-in, the import.
    pub async fn score_view(&self) -> ScoreView {
        let microsoft = self.microsoft.status().await;
        let summary = self
            .score
            .summary(microsoft.as_ref().map(|m| m.account.tenant_id.as_str()));
        let stale = microsoft.is_some()
            && summary
                .as_ref()
                .and_then(|s| s.fetched_at)
                .is_none_or(|at| {
                    chrono::Utc::now() - at > chrono::Duration::minutes(STALE_MINUTES)
                });
        let error = microsoft.as_ref().and_then(|_| {
            self.score_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        });
        ScoreView {
            summary,
            microsoft,
            csv: self.csv.summary(),
            stale,
            error,
        }
    }

    async fn emit_score(&self) {
        let view = self.score_view().await;
        self.emit(Event::ScoreChanged {
            workspace: self.id.clone(),
            score: Box::new(view),
        });
    }

    /// Asks the Secure Score loop to read the score now (the actions page opened).
    pub fn wake_score(&self) {
        self.score_wake.notify_one();
    }

    /// Reads the tenant's Secure Score from Graph, keeps it, and judges the tickets against it;
    /// verdicts that changed are told like ticket changes.
    pub async fn refresh_score(&self) -> crate::Result<ScoreSummary> {
        let result = self.read_score().await;
        let error = result.as_ref().err().cloned();
        let changed = {
            let mut last = self.score_error.lock().unwrap_or_else(|p| p.into_inner());
            let changed = *last != error;
            *last = error;
            changed
        };
        match &result {
            Ok(_) => {
                self.judge().await;
                self.emit_score().await;
            }
            Err(_) if changed => self.emit_score().await,
            Err(_) => {}
        }
        result
    }

    async fn read_score(&self) -> crate::Result<ScoreSummary> {
        let graph = self.microsoft.graph()?;
        let tenant = self
            .microsoft
            .settings()
            .map(|s| s.account.tenant_id)
            .unwrap_or_default();
        let (profiles, scores, cost) = graph.read_all().await?;
        let store = self.score.clone();
        let summary = crate::files::blocking(move || {
            let board = graph_data::join(
                &graph_data::parse_profiles(&profiles),
                &graph_data::parse_newest_snapshot(&scores)
                    .into_iter()
                    .collect::<Vec<_>>(),
            );
            store.replace(&tenant, &board, cost)
        })
        .await?;
        log::info!(
            "{}: Secure Score read: {} actions, {} Graph requests",
            self.id,
            summary.actions,
            summary.requests
        );
        Ok(summary)
    }

    /// Judges every ticket against the cached score and tells what changed.
    pub(crate) async fn judge(&self) {
        let score = self.score.clone();
        let told = match self
            .tickets
            .apply_scores(move |action| score.control(action))
            .await
        {
            Ok(t) => t,
            Err(e) => {
                log::warn!(
                    "{}: the tickets could not be judged: {}",
                    self.id,
                    e.message
                );
                return;
            }
        };
        if told.is_empty() {
            return;
        }
        let changes: Vec<TicketChange> = told
            .into_iter()
            .map(|(t, verdict)| {
                TicketChange::new(
                    &t.sys_id,
                    t.number.as_deref().unwrap_or_default(),
                    t.kind,
                    t.short_description.as_deref().unwrap_or_default(),
                    t.state.as_deref().unwrap_or_default(),
                    vec![Change::Scored { verdict }],
                )
            })
            .collect();
        self.emit_tickets();
        if let Some(app) = self.app.upgrade() {
            app.tell(self, &changes);
            app.publish().await;
        }
    }

    /// What an import of `bytes` would give, without keeping it (blocking work off-thread).
    pub async fn csv_preview(&self, bytes: Vec<u8>) -> crate::Result<CsvImport> {
        crate::files::blocking(move || {
            csv_import::parse(&bytes).map_err(|e| csv_source::import_error(&e))
        })
        .await
    }

    /// Imports the export in place of the last import.
    pub async fn csv_import(
        &self,
        bytes: Vec<u8>,
        file_name: Option<String>,
    ) -> crate::Result<CsvSummary> {
        // Shown as text on the actions page: the name alone, no folder, no control characters.
        let file_name = file_name.and_then(|n| {
            let base = n.rsplit(['/', '\\']).next().unwrap_or_default();
            let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
            (!clean.trim().is_empty()).then_some(clean)
        });
        let csv = self.csv.clone();
        let summary = crate::files::blocking(move || {
            let import = csv_import::parse(&bytes).map_err(|e| csv_source::import_error(&e))?;
            csv.replace(&import, file_name.as_deref())
        })
        .await?;
        self.emit_score().await;
        Ok(summary)
    }

    /// Forgets the last import.
    pub async fn csv_clear(&self) -> crate::Result<()> {
        let csv = self.csv.clone();
        crate::files::blocking(move || csv.clear()).await?;
        self.emit_score().await;
        Ok(())
    }

    /// Stops the workspace's sender and watcher.
    pub(crate) fn close(&self) {
        self.closed.cancel();
        self.watch.close();
    }

    pub(crate) fn closed(&self) -> &CancellationToken {
        &self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        let i = |s| InstanceUrl::parse(s).unwrap();
        assert_eq!(instance_name(&i("contoso")), "contoso");
        assert_eq!(
            instance_name(&i("https://itsm.fabrikam.com")),
            "itsm.fabrikam.com"
        );
        assert_eq!(instance_name(&i("http://127.0.0.1:8080")), "127.0.0.1:8080");
        let id = new_id();
        assert!(is_workspace_id(&id), "{id}");
        for bad in [
            "ws-",
            "ws-0123456",
            "ws-0123456g",
            "../ws-01234567",
            "ws-01234567/",
        ] {
            assert!(!is_workspace_id(bad), "{bad}");
        }
    }
}
