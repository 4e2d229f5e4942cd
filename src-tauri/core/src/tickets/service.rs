//! The tickets side of one workspace in one place, for the commands, the sender and the
//! watcher: the actions page, the task form (preview, submit through the outbox), the outbox
//! panel, the ticket list and cards (cached, refreshed), state names and CSV export.
//!
//! Everything it keeps is in the workspace's folder (outbox, ticket cache, watermark, typed
//! actions) and belongs to that workspace's connection. Async methods do their file writes on
//! blocking threads; the sync ones only read.
//!
//! The tenant in correlation ids is `local` until the Microsoft Graph sign-in names the real
//! tenant; the initiating user is the computer's account name until then.

use super::board::{ActionView, Board, StateNames, TicketList, TicketRef};
use super::correlation::Owners;
use super::draft::FieldError;
use super::outbox::{EntryState, Outbox, SentTicket};
use super::watch::{self, TicketChange, Watermark};
use super::{Category, CorrelationId, TaskDraft, TicketKind, dedup};
use crate::connection::ConnectionManager;
use crate::error::{Error, Result};
use crate::files::blocking;
use crate::secure_score::{ActionSource, TypedActions};
use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The tenant part of correlation ids until Graph names the tenant.
pub const LOCAL_TENANT: &str = super::correlation::LEGACY_TENANT;

/// The task form as the UI sends it (the initiating user is filled in here).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftInput {
    pub action_id: String,
    pub action_title: String,
    pub name: String,
    pub description: String,
    pub priority: super::Priority,
    pub due_date: chrono::NaiveDate,
    pub source: super::RecommendationSource,
    pub category: Category,
    pub kind: TicketKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub errors: Vec<FieldError>,
    pub table: String,
    pub record: Value,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentView {
    pub number: String,
    pub kind: TicketKind,
    pub sys_id: String,
    pub url: String,
    pub warnings: Vec<super::outbox::FieldWarning>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: String,
    pub name: String,
    pub kind: TicketKind,
    pub attempts: u32,
    pub state: &'static str,
    pub error: Option<Error>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub may_exist: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitOutcome {
    pub outbox_id: String,
    pub sent: Option<SentView>,
    pub waiting: Option<OutboxItem>,
}

pub struct TicketService {
    outbox: Outbox,
    board: Board,
    typed: Arc<TypedActions>,
    sources: Vec<Arc<dyn ActionSource>>,
    /// The watcher's watermark on disk (`watch.json`), for the instance it belongs to.
    watch: tokio::sync::Mutex<WatchFile>,
    watch_path: std::path::PathBuf,
    connection: Arc<ConnectionManager>,
    initiating_user: String,
    /// The tenant segments of this install's tickets: new ones get the first (the install's
    /// own); `local` (before installs had their own) stays recognised.
    owners: Vec<String>,
}

/// The files of a workspace's folder.
pub const OUTBOX_FILE: &str = "outbox.json";
pub const BOARD_FILE: &str = "tickets.json";
pub const WATCH_FILE: &str = "watch.json";
pub const TYPED_ACTIONS_FILE: &str = "typed-actions.json";

/// The watermark and the instance it was taken on: another instance starts afresh.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchFile {
    instance: Option<String>,
    #[serde(default)]
    mark: Watermark,
}

impl WatchFile {
    fn read(path: &Path, ctx: &crate::files::Ctx) -> Self {
        ctx.read(path, "watch")
    }
}

/// What one round of the watcher found.
#[derive(Debug, Clone)]
pub struct WatchReport {
    pub changes: Vec<TicketChange>,
    /// The poll read tickets into the cached list.
    pub read_tickets: bool,
}

fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "the local account".into())
}

fn today() -> chrono::NaiveDate {
    Local::now().date_naive()
}

impl TicketService {
    /// Opens the outbox, the ticket cache, the watermark and the typed actions in `dir` (the
    /// workspace's folder); the actions page reads `sources` first, then the typed actions.
    /// Blocking: call it from a blocking context.
    pub fn open(
        dir: &Path,
        connection: Arc<ConnectionManager>,
        sources: Vec<Arc<dyn ActionSource>>,
    ) -> Result<Self> {
        Self::open_in(dir, connection, sources, &crate::files::Ctx::default())
    }

    /// [`Self::open`], reporting damaged files to `ctx` (each is moved aside; the service
    /// starts with what could be read).
    pub fn open_in(
        dir: &Path,
        connection: Arc<ConnectionManager>,
        sources: Vec<Arc<dyn ActionSource>>,
        ctx: &crate::files::Ctx,
    ) -> Result<Self> {
        crate::files::create_private_dir(dir).map_err(|e| {
            Error::internal(format_args!("the data folder could not be created ({e})"))
        })?;
        let board = Board::open_in(dir.join(BOARD_FILE), ctx);
        let typed = Arc::new(TypedActions::open_in(
            dir.join(TYPED_ACTIONS_FILE),
            board.take_legacy_actions()?,
            ctx,
        )?);
        let mut sources = sources;
        sources.push(typed.clone());
        Ok(Self {
            outbox: Outbox::open_reporting(
                dir.join(OUTBOX_FILE),
                &ctx.damage,
                ctx.workspace.as_deref(),
            )?,
            board,
            typed,
            sources,
            watch: tokio::sync::Mutex::new(WatchFile::read(&dir.join(WATCH_FILE), ctx)),
            watch_path: dir.join(WATCH_FILE),
            connection,
            initiating_user: local_user(),
            owners: vec![LOCAL_TENANT.to_owned()],
        })
    }

    /// New tickets carry `segment` (the install's own, see
    /// [`super::correlation::new_install_segment`]); those made under `local` stay this
    /// install's.
    pub fn with_install(mut self, segment: &str) -> Self {
        if super::correlation::is_install_segment(segment) {
            self.owners = vec![segment.to_owned(), LOCAL_TENANT.to_owned()];
        }
        self
    }

    /// The connection this service sends to.
    pub fn connection(&self) -> &Arc<ConnectionManager> {
        &self.connection
    }

    fn instance(&self) -> Result<crate::servicenow::InstanceUrl> {
        self.connection
            .settings()
            .map(|s| s.instance)
            .ok_or_else(Error::not_connected)
    }

    fn draft(&self, input: DraftInput) -> TaskDraft {
        TaskDraft {
            action_id: input.action_id,
            action_title: input.action_title,
            name: input.name,
            description: input.description,
            priority: input.priority,
            due_date: input.due_date,
            source: input.source,
            category: input.category,
            kind: input.kind,
            initiating_user: self.initiating_user.clone(),
        }
    }

    pub fn actions(&self) -> Result<Vec<ActionView>> {
        Ok(self
            .board
            .actions(&self.sources, &self.outbox, &self.owners, &self.instance()?))
    }

    pub async fn add_action(
        &self,
        title: &str,
        category: Category,
        remediation: &str,
    ) -> Result<ActionView> {
        let typed = self.typed.clone();
        let (title, remediation) = (title.to_owned(), remediation.to_owned());
        let action = blocking(move || typed.add(&title, category, &remediation)).await?;
        Ok(ActionView {
            action,
            ticket: None,
            queued: false,
        })
    }

    /// An active ticket already made for this action, from the instance (not the cache).
    pub async fn open_ticket_for_action(&self, action_id: &str) -> Result<Option<TicketRef>> {
        let api = self.connection.api()?;
        let found = dedup::open_ticket_for_action(&api, &self.owners, action_id).await?;
        let instance = api.instance().clone();
        Ok(found.map(|t| {
            let list = self.board.cached(&instance);
            let cached = list.tickets.iter().find(|c| c.sys_id == t.sys_id);
            let label = cached
                .map(|c| c.state_label.clone())
                .unwrap_or_else(|| t.state.clone().unwrap_or_default());
            let score = cached.and_then(|c| c.score.clone());
            TicketRef {
                done: false,
                score,
                url: super::board::record_url(
                    &instance,
                    t.kind.map(TicketKind::table).unwrap_or("task"),
                    &t.sys_id,
                ),
                number: t.number.unwrap_or_default(),
                kind: t.kind,
                state: t.state.unwrap_or_default(),
                state_label: label,
                sys_id: t.sys_id,
            }
        }))
    }

    /// Exactly what will be sent, or what is wrong with the form.
    pub fn preview(&self, input: DraftInput) -> Preview {
        let draft = self.draft(input);
        let errors = draft.validate(today()).err().unwrap_or_default();
        let correlation = CorrelationId::new(self.owners.current(), &draft.action_id);
        let category_field = self.board.category_field(draft.category);
        Preview {
            errors,
            table: draft.kind.table().to_owned(),
            record: draft.to_record(&correlation, category_field.as_deref()),
        }
    }

    fn item(e: &super::OutboxEntry) -> OutboxItem {
        let (state, error) = match &e.state {
            EntryState::Waiting => ("waiting", e.last_error.clone()),
            EntryState::Blocked { error } => ("blocked", Some(error.clone())),
        };
        OutboxItem {
            id: e.id.clone(),
            name: e.draft.name.clone(),
            kind: e.kind,
            attempts: e.attempts,
            state,
            error,
            next_attempt_at: matches!(e.state, EntryState::Waiting).then_some(e.next_attempt_at),
            may_exist: e.may_exist(),
        }
    }

    fn sent_view(&self, s: &SentTicket) -> SentView {
        let url = self
            .instance()
            .map(|i| super::board::record_url(&i, s.kind.table(), &s.sys_id))
            .unwrap_or_default();
        SentView {
            number: s.number.clone(),
            kind: s.kind,
            sys_id: s.sys_id.clone(),
            url,
            warnings: s.warnings.clone(),
        }
    }

    /// Queues the task durably for this workspace's instance, then tries to send what is due.
    pub async fn submit(&self, input: DraftInput) -> Result<SubmitOutcome> {
        let draft = self.draft(input);
        let category_field = self.board.category_field(draft.category);
        let instance = self.instance()?;
        let outbox = self.outbox.clone();
        let tenant = self.owners.current().to_owned();
        let id = blocking(move || {
            outbox.enqueue(
                draft,
                &tenant,
                &instance,
                category_field.as_deref(),
                today(),
            )
        })
        .await?;
        let report = self.send_due().await;
        // Sent in this round, or in the background sender's round this one waited for.
        let sent = report.iter().find(|s| s.id == id).cloned().or_else(|| {
            self.outbox
                .recently_sent()
                .into_iter()
                .rev()
                .find(|s| s.id == id)
        });
        if let Some(s) = sent {
            return Ok(SubmitOutcome {
                outbox_id: id,
                sent: Some(self.sent_view(&s)),
                waiting: None,
            });
        }
        Ok(SubmitOutcome {
            waiting: self.outbox.get(&id).map(|e| Self::item(&e)),
            outbox_id: id,
            sent: None,
        })
    }

    /// Sends every due task (when connected), then refreshes the cached list if any went out.
    /// Returns what was sent in this round.
    pub async fn send_due(&self) -> Vec<SentTicket> {
        let Ok(api) = self.connection.api() else {
            return Vec::new();
        };
        if self.outbox.list().is_empty() {
            return Vec::new();
        }
        let report = self.outbox.send_due(&api, Utc::now()).await;
        if !report.sent.is_empty() {
            self.learn_sent(&api, &report.sent).await;
        }
        if !report.sent.is_empty()
            && let Err(e) = self.board.refresh(&api, &self.owners).await
        {
            log::warn!(
                "the ticket list could not be refreshed after sending: {}",
                e.message
            );
        }
        report.sent
    }

    /// The watcher knows each ticket from its creation (see [`watch::learn_created`]).
    async fn learn_sent(&self, api: &crate::servicenow::client::ServiceNow, sent: &[SentTicket]) {
        let instance = api.instance().as_str().to_owned();
        let mut file = self.watch.lock().await;
        if file.instance.as_deref() != Some(instance.as_str()) {
            *file = WatchFile {
                instance: Some(instance),
                mark: Watermark::default(),
            };
        }
        for s in sent {
            if let Some(record) = &s.record {
                watch::learn_created(&mut file.mark, record);
            }
        }
        let bytes = match serde_json::to_vec(&*file) {
            Ok(b) => b,
            Err(e) => {
                log::warn!("the watch state could not be written: {e}");
                return;
            }
        };
        let path = self.watch_path.clone();
        if let Err(e) = blocking(move || {
            crate::files::write_atomic(&path, &bytes).map_err(|e| {
                Error::internal(format_args!("the watch state could not be saved ({e})"))
            })
        })
        .await
        {
            log::warn!("{}", e.message);
        }
    }

    pub fn outbox_items(&self) -> Vec<OutboxItem> {
        self.outbox.list().iter().map(Self::item).collect()
    }

    pub async fn retry(&self, id: &str) -> Result<()> {
        let (outbox, id) = (self.outbox.clone(), id.to_owned());
        blocking(move || outbox.retry_now(&id)).await
    }

    pub async fn send_anyway(&self, id: &str) -> Result<()> {
        let (outbox, id) = (self.outbox.clone(), id.to_owned());
        blocking(move || outbox.send_anyway(&id)).await
    }

    pub async fn discard(&self, id: &str) -> Result<()> {
        let (outbox, id) = (self.outbox.clone(), id.to_owned());
        blocking(move || outbox.discard(&id).map(|_| ())).await
    }

    /// A connection was made or restored: what waits is due now (see
    /// [`super::outbox::Outbox::due_after_connect`]).
    pub async fn after_connect(&self) -> Result<()> {
        let outbox = self.outbox.clone();
        blocking(move || outbox.due_after_connect().map(|_| ())).await
    }

    /// Drops every waiting task (the admin chose to, when removing the connection). Returns
    /// how many.
    pub async fn discard_all(&self) -> Result<usize> {
        let mut n = 0;
        for item in self.outbox_items() {
            self.discard(&item.id).await?;
            n += 1;
        }
        Ok(n)
    }

    pub fn cached_tickets(&self) -> Result<TicketList> {
        Ok(self.board.cached(&self.instance()?))
    }

    pub async fn refresh_tickets(&self) -> Result<TicketList> {
        let api = self.connection.api()?;
        self.board.refresh(&api, &self.owners).await?;
        let mut list = self.board.cached(api.instance());
        list.from_cache = false;
        Ok(list)
    }

    /// Brings the cached list up to date without building it (the home page and the tray read
    /// the summary).
    pub async fn sync_tickets(&self) -> Result<()> {
        let api = self.connection.api()?;
        self.board.refresh(&api, &self.owners).await
    }

    /// The home page's summary of the cached tickets, `newest` of each kind.
    pub fn ticket_summary(&self, newest: usize) -> Result<super::board::TicketSummary> {
        Ok(self.board.summary(&self.instance()?, newest))
    }

    /// The `n` cached tickets changed last (the tray's recent tickets).
    pub fn newest_tickets(&self, n: usize) -> Result<Vec<super::board::TicketView>> {
        Ok(self.board.newest(&self.instance()?, n))
    }

    /// One round of the watcher: one poll since the watermark, the changed tickets put into the
    /// cached list, the watermark saved. Errors leave the watermark where it was.
    pub async fn watch_poll(&self) -> Result<WatchReport> {
        let api = self.connection.api()?;
        let instance = api.instance().as_str().to_owned();
        let mut file = self.watch.lock().await;
        if file.instance.as_deref() != Some(instance.as_str()) {
            *file = WatchFile {
                instance: Some(instance),
                mark: Watermark::default(),
            };
        }
        // poll_full changes the watermark only once ServiceNow has answered: an error leaves it
        // where it was.
        let result = watch::poll_full(&api, &self.owners, &mut file.mark, Utc::now()).await?;
        // An idle poll read nothing and told nothing: nothing to merge or save.
        if result.tickets.is_empty() && result.changes.is_empty() {
            return Ok(WatchReport {
                changes: Vec::new(),
                read_tickets: false,
            });
        }
        let read_any = !result.tickets.is_empty();
        let board = self.board.clone();
        let bytes = serde_json::to_vec(&*file).map_err(Error::internal)?;
        let path = self.watch_path.clone();
        blocking(move || {
            board.merge(result.tickets)?;
            crate::files::write_atomic(&path, &bytes).map_err(|e| {
                Error::internal(format_args!("the watch state could not be saved ({e})"))
            })
        })
        .await?;
        Ok(WatchReport {
            changes: result.changes,
            read_tickets: read_any,
        })
    }

    /// Forgets what the watcher saw and the cached tickets (the connection was removed); the
    /// outbox, the typed actions, state names and category mapping stay.
    pub async fn forget_watch(&self) -> Result<()> {
        let mut file = self.watch.lock().await;
        *file = WatchFile::default();
        let (path, board) = (self.watch_path.clone(), self.board.clone());
        blocking(move || {
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                log::warn!("the watch state could not be deleted: {e}");
            }
            board.forget_tickets()
        })
        .await
    }

    /// Judges the tickets against the score (see [`super::board::Board::apply_scores`]).
    pub async fn apply_scores(
        &self,
        control: impl Fn(&str) -> Option<crate::secure_score::verify::ControlNow> + Send + 'static,
    ) -> Result<Vec<(super::Ticket, crate::secure_score::verify::Verdict)>> {
        let board = self.board.clone();
        blocking(move || board.apply_scores(&control, Utc::now())).await
    }

    /// The admin's name for a state, as notifications say it.
    pub fn state_label(&self, kind: Option<TicketKind>, value: &str) -> String {
        self.board.state_label(kind, value)
    }

    /// The ticket's page in ServiceNow.
    pub fn ticket_url(&self, kind: Option<TicketKind>, sys_id: &str) -> Result<String> {
        let table = kind.map(TicketKind::table).unwrap_or("task");
        Ok(super::board::record_url(&self.instance()?, table, sys_id))
    }

    pub fn state_names(&self) -> StateNames {
        self.board.state_names()
    }

    pub async fn set_state_name(
        &self,
        kind: TicketKind,
        value: &str,
        label: Option<&str>,
    ) -> Result<()> {
        let board = self.board.clone();
        let (value, label) = (value.to_owned(), label.map(str::to_owned));
        blocking(move || board.set_state_name(kind, &value, label.as_deref())).await
    }

    pub async fn reset_state_names(&self) -> Result<()> {
        let board = self.board.clone();
        blocking(move || board.reset_state_names()).await
    }

    pub fn category_mapping(&self) -> std::collections::BTreeMap<String, String> {
        self.board.category_mapping()
    }

    pub async fn set_category_mapping(
        &self,
        mapping: std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        let board = self.board.clone();
        blocking(move || board.set_category_mapping(&mapping)).await
    }

    pub fn csv(&self, sys_ids: Option<&[String]>, lang: &str) -> Result<String> {
        Ok(self.board.csv(&self.instance()?, sys_ids, lang))
    }

    /// Whether `url` is a page of the connected instance (so the shell may open it).
    pub fn is_instance_url(&self, url: &str) -> bool {
        self.instance()
            .is_ok_and(|i| url.starts_with(&format!("{}/", i.as_str())))
    }
}
