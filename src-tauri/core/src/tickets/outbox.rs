//! The outbox: tasks waiting to become tickets, kept in one JSON file so that nothing the admin
//! submitted is lost to a crash, a lost network or a refusal, and nothing is created twice.
//!
//! The rule is exactly once. Each entry carries the record to POST and its correlation id.
//! [`Outbox::send_due`] saves `attempts + 1` *before* it posts, so after a crash, a dropped
//! connection or an unreadable answer the next attempt knows the outcome is unknown and first
//! asks ServiceNow for a ticket with that correlation id; only if there is none does it post
//! again. Transient failures (unreachable, 5xx, 429, unreadable answers) keep the entry waiting
//! with a backoff (or ServiceNow's `Retry-After`); refusals (ACL, bad request, ended sign-in)
//! block it with ServiceNow's message and a hint until the admin chooses [`Outbox::retry_now`].
//! Sent entries leave the outbox for a short "recently sent" list.
//!
//! The file holds no secret (no token, no client secret), only what the admin typed and what
//! ServiceNow answered. Every change is written atomically (a temporary file in the same folder,
//! flushed to disk, then renamed over the old one). The sync methods write at once: call them
//! from a blocking context; [`Outbox::send_due`] writes on blocking threads itself. This module
//! never talks to the UI.

use super::correlation::CorrelationId;
use super::draft::TaskDraft;
use super::model::{Priority, TicketKind, field_str};
use crate::error::{Error, ErrorKind, Result};
pub(crate) use crate::files::write_atomic;
use crate::servicenow::InstanceUrl;
use crate::servicenow::client::ServiceNow;
use crate::servicenow::errors;
use crate::servicenow::table::Record;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The file format version this code writes.
const VERSION: u32 = 1;
/// How many sent tickets the "recently sent" list keeps.
pub const RECENTLY_SENT: usize = 20;
/// First backoff after a transient failure; doubles per attempt.
pub const BACKOFF_BASE_SECS: i64 = 30;
/// The longest backoff.
pub const BACKOFF_MAX_SECS: i64 = 15 * 60;
/// What the Table API sends back after a write or a lookup: what the outbox checks.
/// It includes what the watcher needs to know the ticket from its creation (state,
/// `sys_mod_count`, `sys_updated_on`, …), so that a change made right after is told.
const READ_BACK: &[&str] = &[
    "sys_id",
    "number",
    "impact",
    "urgency",
    "priority",
    "due_date",
    "category",
    "type",
    "correlation_id",
    "sys_class_name",
    "short_description",
    "state",
    "active",
    "assigned_to",
    "sys_updated_on",
    "sys_mod_count",
    "sys_created_on",
];

/// Where an entry stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EntryState {
    /// Sent at `next_attempt_at` or later.
    Waiting,
    /// ServiceNow refused it; nothing happens until [`Outbox::retry_now`].
    Blocked { error: Error },
}

/// One task on its way to ServiceNow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    /// The draft part of the correlation id.
    pub id: String,
    pub draft: TaskDraft,
    pub tenant: String,
    /// The instance the task was made for: it is sent there or nowhere. Entries written before
    /// workspaces have none; their workspace's instance is theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceUrl>,
    pub correlation_id: CorrelationId,
    /// The JSON to POST.
    pub record: Value,
    /// The table: `change_request` or `incident`.
    pub kind: TicketKind,
    /// Attempts started (saved before each POST): more than 0 means a ticket may exist.
    pub attempts: u32,
    pub state: EntryState,
    pub next_attempt_at: DateTime<Utc>,
    pub queued_at: DateTime<Utc>,
    /// Why the last attempt did not send it, while it waits.
    #[serde(default)]
    pub last_error: Option<Error>,
    /// Lookups in a row whose answer could not prove that no ticket exists (rows that did not
    /// match, or the correlation id hidden from the integration user).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unproven_lookups: u32,
    /// The admin chose to send it again without a lookup (after one could not prove absence).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub send_without_lookup: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Lookups that cannot prove absence before the entry waits for the admin.
pub const UNPROVEN_LOOKUPS_MAX: u32 = 3;

impl OutboxEntry {
    pub fn table(&self) -> &'static str {
        self.kind.table()
    }

    /// Whether an earlier attempt may have created the ticket (its outcome is unknown).
    pub fn may_exist(&self) -> bool {
        self.attempts > 0
    }
}

/// A field ServiceNow did not store as sent (an invalid choice is left unset, not refused).
/// The UI words it from `reason` (`errors.reasons.<reason>`) with `params`; `message` is the
/// English sentence for logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldWarning {
    pub field: String,
    pub sent: String,
    /// What ServiceNow holds; empty when it left the field unset.
    pub stored: String,
    pub message: String,
    /// `field_left_unset`, `priority_recomputed` or `field_changed_on_save` (empty in files
    /// written before warnings had one).
    #[serde(default)]
    pub reason: String,
    /// `field`, `sent` and `stored`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

/// A ticket the outbox created (or found created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentTicket {
    pub id: String,
    pub kind: TicketKind,
    pub sys_id: String,
    pub number: String,
    pub name: String,
    pub action_id: String,
    pub correlation_id: CorrelationId,
    pub sent_at: DateTime<Utc>,
    /// True when an earlier attempt had created it and the lookup found it.
    pub found_existing: bool,
    pub warnings: Vec<FieldWarning>,
    /// The record as ServiceNow answered the write (or the lookup): what the watcher learns
    /// the ticket from. Not kept on disk.
    #[serde(skip)]
    pub record: Option<Value>,
}

/// An entry that did not go out this time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotSent {
    pub id: String,
    pub error: Error,
    /// When it is tried again (`None`: blocked until Retry).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What one [`Outbox::send_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendReport {
    pub sent: Vec<SentTicket>,
    pub waiting: Vec<NotSent>,
    pub blocked: Vec<NotSent>,
    /// Entries left for later: not due yet, or the round stopped early (instance unreachable,
    /// rate limited, sign-in ended) to spare ServiceNow and the network.
    pub deferred: usize,
    /// The outbox file could not be written: nothing more was sent.
    pub storage_error: Option<Error>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxFile {
    version: u32,
    entries: Vec<OutboxEntry>,
    #[serde(default)]
    recently_sent: Vec<SentTicket>,
}

/// The durable outbox of one workspace. Clones share it.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<OutboxInner>,
}

struct OutboxInner {
    path: PathBuf,
    data: Mutex<OutboxFile>,
    /// One sending round at a time.
    sending: tokio::sync::Mutex<()>,
    /// The entry being sent right now, which cannot be discarded.
    in_flight: Mutex<Option<String>>,
}

/// What can still be read of a damaged outbox file: each entry (and each recently sent ticket)
/// that parses on its own.
fn salvage(bytes: &[u8]) -> OutboxFile {
    let value: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let each = |key: &str| -> Vec<Value> {
        value
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    OutboxFile {
        version: VERSION,
        entries: each("entries")
            .into_iter()
            .filter_map(|e| serde_json::from_value(e).ok())
            .collect(),
        recently_sent: each("recentlySent")
            .into_iter()
            .filter_map(|e| serde_json::from_value(e).ok())
            .collect(),
    }
}

fn storage_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!(
            "Ticket Bridge could not {what} its outbox file {} ({e}).",
            path.display()
        ),
        "Check that the disk is not full and that you can write to that folder. Tasks already in the outbox are kept.",
    )
    .with_reason("outbox_not_saved")
    .with_param("path", path.display().to_string())
}

/// The wait after a transient failure on the `attempts`-th attempt: 30 s, 60 s, 120 s ...
/// at most 15 minutes.
pub fn backoff(attempts: u32) -> Duration {
    let exp = attempts.saturating_sub(1).min(16);
    Duration::seconds((BACKOFF_BASE_SECS << exp).min(BACKOFF_MAX_SECS))
}

/// How long to wait before trying again, or `None` when the admin must act first.
fn retry_delay(e: &Error, attempts: u32) -> Option<Duration> {
    match e.kind {
        ErrorKind::RateLimited => Some(
            Duration::try_seconds(
                e.retry_after_secs
                    .unwrap_or(60)
                    .min(crate::retry_after::SERVICENOW_MAX.as_secs()) as i64,
            )
            .unwrap_or_else(|| backoff(attempts)),
        ),
        ErrorKind::InstanceUnreachable => Some(backoff(attempts)),
        // 5xx, and a 2xx answer that could not be read (status unknown): the write may or may
        // not have happened; the next attempt looks it up first.
        ErrorKind::ServiceNow if e.status.is_none_or(|s| s >= 500) => Some(backoff(attempts)),
        _ => None,
    }
}

/// Failures that concern the connection, not the entry: the round stops there.
fn stops_the_round(e: &Error) -> bool {
    matches!(
        e.kind,
        ErrorKind::RateLimited
            | ErrorKind::InstanceUnreachable
            | ErrorKind::AuthExpired
            | ErrorKind::NotConnected
            | ErrorKind::IpBlocked
    ) || (e.kind == ErrorKind::ServiceNow && e.status.is_none_or(|s| s >= 500))
}

/// Compares the stored record with what was sent.
fn check_stored(entry: &OutboxEntry, stored: &Value) -> Vec<FieldWarning> {
    let mut expected: Vec<(&str, String)> = ["impact", "urgency", "due_date", "category", "type"]
        .into_iter()
        .filter_map(|f| {
            entry
                .record
                .get(f)
                .and_then(Value::as_str)
                .map(|v| (f, v.to_owned()))
        })
        .collect();
    expected.push(("priority", entry.draft.priority.value().to_string()));
    expected
        .into_iter()
        .filter_map(|(field, sent)| {
            let got = field_str(stored, field).unwrap_or("").to_owned();
            if got == sent {
                return None;
            }
            let (message, reason) = if got.is_empty() {
                (format!("ServiceNow left {field} unset (Ticket Bridge sent \"{sent}\"). Check the instance's choices for {field}, and set it on the ticket."), "field_left_unset")
            } else if field == "priority" {
                let shown = got
                    .parse::<u8>()
                    .ok()
                    .and_then(Priority::from_value)
                    .map_or(got.clone(), |p| format!("{} - {}", p.value(), p.label()));
                (format!("ServiceNow gave the ticket priority {shown}, not {sent}: the instance computes priority from impact and urgency differently. Check its priority lookup rules."), "priority_recomputed")
            } else {
                (format!("ServiceNow stored {field} as \"{got}\", not \"{sent}\". A business rule on the instance may change it."), "field_changed_on_save")
            };
            let params = [("field", field), ("sent", sent.as_str()), ("stored", got.as_str())]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            Some(FieldWarning {
                field: field.into(),
                sent,
                stored: got,
                message,
                reason: reason.to_owned(),
                params,
            })
        })
        .collect()
}

/// The entry being sent, for as long as this value lives.
struct InFlight<'a>(&'a Outbox);

impl<'a> InFlight<'a> {
    fn set(outbox: &'a Outbox, id: &str) -> Self {
        outbox.set_in_flight(Some(id.to_owned()));
        Self(outbox)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set_in_flight(None);
    }
}

enum Attempt {
    Sent {
        sys_id: String,
        number: String,
        found_existing: bool,
        warnings: Vec<FieldWarning>,
        record: Value,
    },
    Failed(Error),
    /// The lookup after an unknown outcome could not prove that no ticket exists: nothing was
    /// posted; the entry waits (and, after a few, waits for the admin).
    Unproven(Error),
}

impl Outbox {
    /// Opens (or starts) the outbox in `path`, a JSON file in a folder the app owns. A file that
    /// cannot be read is moved aside; see [`Self::open_reporting`].
    pub fn open(path: impl Into<PathBuf>) -> Result<Outbox> {
        Self::open_reporting(path, &crate::files::DamageReport::default(), None)
    }

    /// Opens the outbox; a file that cannot be read (not JSON, or written by a newer version)
    /// is moved aside (`outbox.json.damaged-<time>`) and reported to `damage`, and every task
    /// that can still be read from it is kept in the new file. Fails only when the folder
    /// cannot be made.
    pub fn open_reporting(
        path: impl Into<PathBuf>,
        damage: &crate::files::DamageReport,
        workspace: Option<&str>,
    ) -> Result<Outbox> {
        use crate::files::Loaded;
        let path = path.into();
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir)
                .map_err(|e| storage_error(&path, "create the folder of", e))?;
            Self::remove_stale_temporaries(dir, &path);
        }
        let fresh = || OutboxFile {
            version: VERSION,
            ..OutboxFile::default()
        };
        let (data, salvaged) = match crate::files::read_json::<OutboxFile>(&path) {
            Loaded::Read(file) if file.version <= VERSION => (file, None),
            Loaded::Read(_) => {
                let bytes = fs::read(&path).unwrap_or_default();
                let kept = salvage(&bytes);
                let n = kept.entries.len();
                damage.quarantine(
                    "outbox",
                    workspace,
                    &path,
                    "it was written by a newer Ticket Bridge",
                    Some(n),
                );
                (kept, Some(n))
            }
            Loaded::Missing => (fresh(), None),
            Loaded::Damaged(bytes, reason) => {
                let kept = salvage(&bytes);
                let n = kept.entries.len();
                damage.quarantine("outbox", workspace, &path, reason, Some(n));
                (kept, Some(n))
            }
        };
        let outbox = Outbox {
            inner: Arc::new(OutboxInner {
                path,
                data: Mutex::new(data),
                sending: tokio::sync::Mutex::new(()),
                in_flight: Mutex::new(None),
            }),
        };
        if salvaged.is_some_and(|n| n > 0) {
            // The tasks read back go into a new file at once, so that nothing rests on memory.
            if let Err(e) = outbox.update(|_| ()) {
                log::error!(
                    "the outbox's salvaged tasks could not be written: {}",
                    e.message
                );
            }
        }
        Ok(outbox)
    }

    fn remove_stale_temporaries(dir: &Path, path: &Path) {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return;
        };
        let prefix = format!(".{name}.");
        if let Ok(rd) = fs::read_dir(dir) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with(&prefix) && n.ends_with(".tmp") {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn lock(&self) -> MutexGuard<'_, OutboxFile> {
        self.inner.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `change` to a copy, writes it, and only then makes it the outbox's state: memory
    /// never runs ahead of the disk.
    fn update<R>(&self, change: impl FnOnce(&mut OutboxFile) -> R) -> Result<R> {
        let mut data = self.lock();
        let mut next = data.clone();
        let r = change(&mut next);
        next.version = VERSION;
        let path = &self.inner.path;
        let bytes =
            serde_json::to_vec_pretty(&next).map_err(|e| storage_error(path, "write", e))?;
        write_atomic(path, &bytes).map_err(|e| storage_error(path, "write", e))?;
        *data = next;
        Ok(r)
    }

    /// [`Self::update`] on a blocking thread, for async callers: the file write never blocks
    /// an async task.
    async fn update_async<R: Send + 'static>(
        &self,
        change: impl FnOnce(&mut OutboxFile) -> R + Send + 'static,
    ) -> Result<R> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.update(change))
            .await
            .map_err(|e| storage_error(&self.inner.path, "write", e))?
    }

    fn set_in_flight(&self, id: Option<String>) {
        *self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = id;
    }

    /// Checks the draft and queues it. `today` is the admin's date (for the due date check);
    /// `category_field` is the instance's `category` value for the draft's category, if mapped.
    /// Returns the entry id. For per-field messages, call [`TaskDraft::validate`] first.
    pub fn enqueue(
        &self,
        draft: TaskDraft,
        tenant: &str,
        instance: &InstanceUrl,
        category_field: Option<&str>,
        today: NaiveDate,
    ) -> Result<String> {
        if let Err(problems) = draft.validate(today) {
            let first = &problems[0];
            let more = match problems.len() {
                1 => String::new(),
                n => format!(" ({} more problems in the form)", n - 1),
            };
            // Worded as the form's first problem: its reason and params.
            let mut e =
                Error::invalid_input(format!("{}{more}", first.message), first.hint.clone())
                    .with_reason(&first.reason);
            e.params = first.params.clone();
            return Err(e);
        }
        if tenant.trim().is_empty() {
            return Err(Error::invalid_input(
                "The Microsoft tenant is not known.",
                "Sign in to Microsoft Secure Score first, or import the actions again.",
            )
            .with_reason("tenant_unknown"));
        }
        self.update(|d| {
            let correlation = loop {
                let c = CorrelationId::new(tenant, &draft.action_id);
                if !d.entries.iter().any(|e| e.id == c.draft_id()) {
                    break c;
                }
            };
            let id = correlation.draft_id().to_owned();
            d.entries.push(OutboxEntry {
                id: id.clone(),
                record: draft.to_record(&correlation, category_field),
                kind: draft.kind,
                tenant: tenant.trim().to_owned(),
                instance: Some(instance.clone()),
                correlation_id: correlation,
                attempts: 0,
                state: EntryState::Waiting,
                next_attempt_at: DateTime::<Utc>::UNIX_EPOCH,
                queued_at: Utc::now(),
                last_error: None,
                unproven_lookups: 0,
                send_without_lookup: false,
                draft,
            });
            id
        })
    }

    /// Every entry still to send, oldest first.
    pub fn list(&self) -> Vec<OutboxEntry> {
        self.lock().entries.clone()
    }

    pub fn get(&self, id: &str) -> Option<OutboxEntry> {
        self.lock().entries.iter().find(|e| e.id == id).cloned()
    }

    /// The tickets sent most recently, newest last.
    pub fn recently_sent(&self) -> Vec<SentTicket> {
        self.lock().recently_sent.clone()
    }

    /// An entry for the same action that is still to send, for the duplicate warning.
    pub fn pending_for_action<O: super::correlation::Owners + ?Sized>(
        &self,
        owners: &O,
        action_id: &str,
    ) -> Option<OutboxEntry> {
        self.lock()
            .entries
            .iter()
            .find(|e| owners.owns(&e.correlation_id, action_id))
            .cloned()
    }

    fn unknown_entry(id: &str) -> Error {
        Error::invalid_input(
            format!("The outbox has no task {id}."),
            "It may have been sent or discarded meanwhile. Refresh the list.",
        )
        .with_reason("outbox_task_gone")
    }

    /// Removes an entry without sending it. If [`OutboxEntry::may_exist`], a ticket may already
    /// be in ServiceNow: the UI says so before asking.
    pub fn discard(&self, id: &str) -> Result<OutboxEntry> {
        if self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_deref()
            == Some(id)
        {
            return Err(Error::invalid_input(
                "This task is being sent right now.",
                "Wait a moment, then look at the list again.",
            )
            .with_reason("outbox_task_sending"));
        }
        self.update(|d| {
            let i = d.entries.iter().position(|e| e.id == id)?;
            Some(d.entries.remove(i))
        })?
        .ok_or_else(|| Self::unknown_entry(id))
    }

    /// Makes a blocked or waiting entry due at once. An entry whose lookups could not prove
    /// absence looks again (it is never posted blind by a Retry).
    pub fn retry_now(&self, id: &str) -> Result<()> {
        self.update(|d| {
            let e = d.entries.iter_mut().find(|e| e.id == id)?;
            e.state = EntryState::Waiting;
            e.next_attempt_at = DateTime::<Utc>::UNIX_EPOCH;
            e.unproven_lookups = 0;
            Some(())
        })?
        .ok_or_else(|| Self::unknown_entry(id))
    }

    /// The admin's decision after lookups could not prove absence (they looked in ServiceNow
    /// and found no ticket): the next attempt posts without a lookup.
    pub fn send_anyway(&self, id: &str) -> Result<()> {
        self.update(|d| {
            let e = d.entries.iter_mut().find(|e| e.id == id)?;
            e.state = EntryState::Waiting;
            e.next_attempt_at = DateTime::<Utc>::UNIX_EPOCH;
            e.unproven_lookups = 0;
            e.send_without_lookup = true;
            Some(())
        })?
        .ok_or_else(|| Self::unknown_entry(id))
    }

    /// After a new or restored connection: every waiting task is due now, and tasks that were
    /// held only because the sign-in had ended (or there was none) wait again, due now. Tasks
    /// ServiceNow refused stay as they are. Returns how many changed.
    pub fn due_after_connect(&self) -> Result<usize> {
        self.update(|d| {
            let mut n = 0;
            for e in &mut d.entries {
                let held_for_sign_in = matches!(&e.state, EntryState::Blocked { error }
                    if matches!(error.kind, ErrorKind::AuthExpired | ErrorKind::NotConnected));
                if held_for_sign_in {
                    e.state = EntryState::Waiting;
                }
                if e.state == EntryState::Waiting
                    && e.next_attempt_at != DateTime::<Utc>::UNIX_EPOCH
                {
                    e.next_attempt_at = DateTime::<Utc>::UNIX_EPOCH;
                    n += 1;
                } else if held_for_sign_in {
                    n += 1;
                }
            }
            n
        })
    }

    /// Sends every entry due at `now`, oldest first, and reports what happened to each.
    /// One round runs at a time; a second caller waits for the first.
    pub async fn send_due(&self, api: &ServiceNow, now: DateTime<Utc>) -> SendReport {
        let _round = self.inner.sending.lock().await;
        let mut report = SendReport::default();
        let due: Vec<String> = {
            let d = self.lock();
            report.deferred = d
                .entries
                .iter()
                .filter(|e| e.state == EntryState::Waiting && e.next_attempt_at > now)
                .count();
            d.entries
                .iter()
                .filter(|e| e.state == EntryState::Waiting && e.next_attempt_at <= now)
                .map(|e| e.id.clone())
                .collect()
        };
        let mut ids = due.into_iter();
        for id in ids.by_ref() {
            // Count the attempt on disk before anything reaches ServiceNow.
            let claim = id.clone();
            let claimed = self
                .update_async(move |d| {
                    let e = d
                        .entries
                        .iter_mut()
                        .find(|e| e.id == claim && e.state == EntryState::Waiting)?;
                    e.attempts = e.attempts.saturating_add(1);
                    Some(e.clone())
                })
                .await;
            let entry = match claimed {
                Ok(Some(e)) => e,
                Ok(None) => continue, // discarded meanwhile
                Err(e) => {
                    report.storage_error = Some(e);
                    report.deferred += 1;
                    break;
                }
            };
            // Cleared when this attempt ends however it ends (an error, a panic, a cancelled
            // round): Discard is refused only while a POST may really be on its way.
            let in_flight = InFlight::set(self, &id);
            let outcome = self.attempt(api, &entry).await;
            let stop = match &outcome {
                Attempt::Failed(e) => stops_the_round(e),
                Attempt::Sent { .. } | Attempt::Unproven(_) => false,
            };
            let recorded = self.record_outcome(&entry, outcome, now, &mut report).await;
            drop(in_flight);
            if let Err(e) = recorded {
                report.storage_error = Some(e);
                break;
            }
            if stop {
                break;
            }
        }
        report.deferred += ids.count();
        report
    }

    async fn record_outcome(
        &self,
        entry: &OutboxEntry,
        outcome: Attempt,
        now: DateTime<Utc>,
        report: &mut SendReport,
    ) -> Result<()> {
        match outcome {
            Attempt::Sent {
                sys_id,
                number,
                found_existing,
                warnings,
                record,
            } => {
                let sent = SentTicket {
                    id: entry.id.clone(),
                    kind: entry.kind,
                    sys_id,
                    number,
                    name: entry.draft.name.trim().to_owned(),
                    action_id: entry.draft.action_id.clone(),
                    correlation_id: entry.correlation_id.clone(),
                    sent_at: Utc::now(),
                    found_existing,
                    warnings,
                    record: Some(record),
                };
                log::info!(
                    "outbox: {} sent as {}{}",
                    entry.id,
                    sent.number,
                    if found_existing {
                        " (found after an unknown outcome)"
                    } else {
                        ""
                    }
                );
                // If this write fails the entry stays; the next round finds the ticket by its
                // correlation id instead of creating it again.
                let (id, kept) = (entry.id.clone(), sent.clone());
                self.update_async(move |d| {
                    d.entries.retain(|e| e.id != id);
                    d.recently_sent.push(kept);
                    let extra = d.recently_sent.len().saturating_sub(RECENTLY_SENT);
                    d.recently_sent.drain(..extra);
                })
                .await?;
                report.sent.push(sent);
            }
            Attempt::Unproven(error) => {
                let tries = entry.unproven_lookups.saturating_add(1);
                if tries >= UNPROVEN_LOOKUPS_MAX {
                    log::warn!(
                        "outbox: {} waits for the admin: {tries} lookups could not prove it absent",
                        entry.id
                    );
                    self.hold(entry, error, None, tries, report).await?;
                } else {
                    let at = now.checked_add_signed(backoff(tries)).unwrap_or(now);
                    log::warn!(
                        "outbox: {} looks again at {at}: {}",
                        entry.id,
                        error.message
                    );
                    self.hold(entry, error, Some(at), tries, report).await?;
                }
            }
            Attempt::Failed(error) => match retry_delay(&error, entry.attempts) {
                Some(wait) => {
                    let at = now.checked_add_signed(wait).unwrap_or(now);
                    log::warn!("outbox: {} waits until {at}: {}", entry.id, error.message);
                    let tries = entry.unproven_lookups;
                    self.hold(entry, error, Some(at), tries, report).await?;
                }
                None => {
                    let error = Error {
                        hint: format!(
                            "{} Then select Retry: the task stays in the outbox until it is sent.",
                            error.hint
                        ),
                        ..error
                    };
                    log::warn!("outbox: {} blocked: {}", entry.id, error.message);
                    let tries = entry.unproven_lookups;
                    self.hold(entry, error, None, tries, report).await?;
                }
            },
        }
        Ok(())
    }

    /// Keeps an entry that did not go out: waiting until `at`, or (`None`) blocked until the
    /// admin acts; either way with the error it says, on disk first, then in the report.
    async fn hold(
        &self,
        entry: &OutboxEntry,
        error: Error,
        at: Option<DateTime<Utc>>,
        unproven_lookups: u32,
        report: &mut SendReport,
    ) -> Result<()> {
        let (id, last) = (entry.id.clone(), error.clone());
        self.update_async(move |d| {
            if let Some(e) = d.entries.iter_mut().find(|e| e.id == id) {
                e.unproven_lookups = unproven_lookups;
                match at {
                    Some(at) => e.next_attempt_at = at,
                    None => {
                        e.state = EntryState::Blocked {
                            error: last.clone(),
                        }
                    }
                }
                e.last_error = Some(last);
            }
        })
        .await?;
        let not_sent = NotSent {
            id: entry.id.clone(),
            error,
            next_attempt_at: at,
        };
        match at {
            Some(_) => report.waiting.push(not_sent),
            None => report.blocked.push(not_sent),
        }
        Ok(())
    }

    async fn attempt(&self, api: &ServiceNow, entry: &OutboxEntry) -> Attempt {
        if let Some(instance) = &entry.instance
            && instance != api.instance()
        {
            // Never reached through a workspace (each has its own outbox); a last guard.
            return Attempt::Failed(wrong_instance(instance, api.instance()));
        }
        let correlation = entry.correlation_id.to_string();
        if entry.attempts > 1 && !entry.send_without_lookup {
            match find_by_correlation(api, entry.kind, &correlation).await {
                Ok(Lookup::Found(stored)) => {
                    return match sent_ids(stored.value()) {
                        Some((sys_id, number)) => Attempt::Sent {
                            warnings: check_stored(entry, stored.value()),
                            sys_id,
                            number,
                            found_existing: true,
                            record: stored.value().clone(),
                        },
                        None => {
                            Attempt::Failed(errors::unreadable_answer(errors::Doing::CheckCreated))
                        }
                    };
                }
                Ok(Lookup::Absent) => {}
                Ok(Lookup::Unprovable(why)) => return Attempt::Unproven(unproven(entry, why)),
                Err(e) => return Attempt::Failed(e),
            }
        }
        match api
            .create_ticket(entry.kind, &entry.record, READ_BACK)
            .await
        {
            Ok(stored) => match sent_ids(stored.value()) {
                Some((sys_id, number)) => Attempt::Sent {
                    warnings: check_stored(entry, stored.value()),
                    sys_id,
                    number,
                    found_existing: false,
                    record: stored.value().clone(),
                },
                // Created or not, the answer does not say: the next attempt looks it up.
                None => {
                    Attempt::Failed(errors::unreadable_answer(errors::Doing::create(entry.kind)))
                }
            },
            Err(e) => Attempt::Failed(e),
        }
    }
}

fn wrong_instance(made_for: &InstanceUrl, connected: &InstanceUrl) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "This task was made for {made_for}; Ticket Bridge does not send it to {connected}."
        ),
        format!("Connect {made_for} again to send it, or discard it."),
    )
    .with_reason("outbox_other_instance")
    .with_param("madeFor", made_for.as_str())
    .with_param("connected", connected.as_str())
}

fn sent_ids(stored: &Value) -> Option<(String, String)> {
    let sys_id = field_str(stored, "sys_id")?.to_owned();
    // Created all the same (the answer has an id); an id that is not a sys_id is never used in
    // a URL or a query.
    let sys_id = if crate::servicenow::table::is_sys_id(&sys_id) {
        sys_id
    } else {
        log::warn!("ServiceNow answered the write with a sys_id that is not one: {sys_id:?}");
        String::new()
    };
    let number = field_str(stored, "number").unwrap_or("").to_owned();
    Some((sys_id, number))
}

/// What a lookup by correlation id proved.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The record with this exact correlation id.
    Found(Record),
    /// ServiceNow answered with no row at all: no such record.
    Absent,
    /// Rows came back and none has this correlation id, or the field is not in the answer:
    /// ServiceNow ignored the condition (it does, silently, for a condition it cannot use) or
    /// hides the field from the integration user. Absence is not proven.
    Unprovable(Unprovable),
}

/// Why a lookup could not prove absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unprovable {
    /// Rows without the `correlation_id` field (a read ACL hides it).
    FieldHidden,
    /// Rows with other correlation ids (the condition was not applied).
    ConditionIgnored,
}

/// Looks the record with this exact correlation id up in `kind`'s table.
pub async fn find_by_correlation(
    api: &ServiceNow,
    kind: TicketKind,
    correlation_id: &str,
) -> Result<Lookup> {
    let rows = api
        .find_by_correlation(kind, correlation_id, READ_BACK)
        .await?;
    Ok(judge_lookup(rows, correlation_id))
}

/// What the rows of a lookup prove (pure, for tests).
pub fn judge_lookup(rows: Vec<Record>, correlation_id: &str) -> Lookup {
    if rows.is_empty() {
        return Lookup::Absent;
    }
    if rows.iter().any(|r| r.str("correlation_id").is_none()) {
        // A hidden field: a row may be ours without saying so.
        return match rows
            .into_iter()
            .find(|r| r.str("correlation_id") == Some(correlation_id))
        {
            Some(r) => Lookup::Found(r),
            None => Lookup::Unprovable(Unprovable::FieldHidden),
        };
    }
    match rows
        .into_iter()
        .find(|r| r.str("correlation_id") == Some(correlation_id))
    {
        Some(r) => Lookup::Found(r),
        None => Lookup::Unprovable(Unprovable::ConditionIgnored),
    }
}

fn unproven(entry: &OutboxEntry, why: Unprovable) -> Error {
    let (message, hint, reason) = match why {
        Unprovable::FieldHidden => (
            format!(
                "Ticket Bridge cannot tell whether \"{}\" already reached ServiceNow: the integration user may not read the correlation ID of {} records.",
                entry.draft.name.trim(),
                entry.kind.table()
            ),
            "Ask a ServiceNow administrator to let the integration user read task.correlation_id (a field ACL). Until then, look for the ticket in ServiceNow: discard the task if it is there, or select Send anyway.",
            "lookup_field_hidden",
        ),
        Unprovable::ConditionIgnored => (
            format!(
                "Ticket Bridge cannot tell whether \"{}\" already reached ServiceNow: the instance ignored the search by correlation ID.",
                entry.draft.name.trim()
            ),
            "Run the connection check on the manage page. Until it passes, look for the ticket in ServiceNow: discard the task if it is there, or select Send anyway.",
            "lookup_condition_ignored",
        ),
    };
    Error::new(ErrorKind::ServiceNow, message, hint)
        .with_reason(reason)
        .with_param("table", entry.kind.table())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_fifteen_minutes() {
        let secs: Vec<i64> = (1..=8).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff(0).num_seconds(), 30);
        assert_eq!(backoff(u32::MAX).num_seconds(), 900);
    }

    #[test]
    fn the_read_back_names_fields_left_unset_or_changed() {
        use crate::tickets::model::{Category, RecommendationSource};
        let draft = TaskDraft {
            action_id: "A".into(),
            action_title: String::new(),
            name: "n".into(),
            description: "d".into(),
            priority: Priority::High,
            due_date: NaiveDate::from_ymd_opt(2030, 1, 2).unwrap(),
            source: RecommendationSource::User,
            category: Category::Data,
            kind: TicketKind::ChangeRequest,
            initiating_user: String::new(),
        };
        let c = CorrelationId::with_draft("t", "A", "00000000");
        let entry = OutboxEntry {
            id: "00000000".into(),
            record: draft.to_record(&c, None),
            kind: draft.kind,
            tenant: "t".into(),
            instance: None,
            correlation_id: c,
            attempts: 1,
            state: EntryState::Waiting,
            next_attempt_at: Utc::now(),
            queued_at: Utc::now(),
            last_error: None,
            unproven_lookups: 0,
            send_without_lookup: false,
            draft,
        };
        let good = serde_json::json!({"impact":"1","urgency":"2","priority":"2",
            "due_date":"2030-01-02 23:59:59","type":"normal"});
        assert!(check_stored(&entry, &good).is_empty());
        let bad = serde_json::json!({"impact":"1","urgency":"","priority":"3",
            "due_date":"2030-01-02 23:59:59","type":"normal"});
        let w = check_stored(&entry, &bad);
        assert_eq!(
            w.iter().map(|w| w.field.as_str()).collect::<Vec<_>>(),
            ["urgency", "priority"]
        );
        assert!(
            w[0].message.contains("left urgency unset"),
            "{}",
            w[0].message
        );
        assert!(w[1].message.contains("3 - Moderate"), "{}", w[1].message);
        // The UI words them from the reason and its params.
        assert_eq!(
            w.iter().map(|w| w.reason.as_str()).collect::<Vec<_>>(),
            ["field_left_unset", "priority_recomputed"]
        );
        for w in &w {
            crate::error::reasons_scan::assert_worded(&w.reason, &w.params);
        }
        assert_eq!(
            (w[1].params["sent"].as_str(), w[1].params["stored"].as_str()),
            ("2", "3")
        );
        let changed = serde_json::json!({"impact":"1","urgency":"2","priority":"2",
            "due_date":"2030-01-02 23:59:59","type":"emergency"});
        let w = check_stored(&entry, &changed);
        assert_eq!(w[0].reason, "field_changed_on_save");
        crate::error::reasons_scan::assert_worded(&w[0].reason, &w[0].params);
        // A warning kept on disk before warnings had a reason still reads.
        let old: FieldWarning = serde_json::from_value(serde_json::json!({
            "field": "urgency", "sent": "2", "stored": "", "message": "m"
        }))
        .unwrap();
        assert_eq!((old.reason.as_str(), old.params.len()), ("", 0));
    }

    #[test]
    fn only_an_empty_answer_proves_absence() {
        let row = |v: serde_json::Value| Record::from_value(v).unwrap();
        let id = "tb1/x/A/00000000";
        assert_eq!(judge_lookup(vec![], id), Lookup::Absent);
        let mine = row(serde_json::json!({"sys_id": "a", "correlation_id": id}));
        assert!(matches!(
            judge_lookup(vec![mine.clone()], id),
            Lookup::Found(_)
        ));
        // The condition ignored: rows, none of them ours.
        let other = row(serde_json::json!({"sys_id": "b", "correlation_id": "tb1/x/B/11111111"}));
        assert_eq!(
            judge_lookup(vec![other.clone()], id),
            Lookup::Unprovable(Unprovable::ConditionIgnored)
        );
        // The field hidden: rows without it prove nothing, even beside one of another id.
        let hidden = row(serde_json::json!({"sys_id": "c"}));
        assert_eq!(
            judge_lookup(vec![hidden.clone(), other], id),
            Lookup::Unprovable(Unprovable::FieldHidden)
        );
        assert!(matches!(
            judge_lookup(vec![hidden, mine], id),
            Lookup::Found(_)
        ));
    }

    #[test]
    fn transient_failures_wait_and_refusals_block() {
        let e = |kind, status: Option<u16>| {
            let mut e = Error::new(kind, "m", "h");
            e.status = status;
            e
        };
        let rl = e(ErrorKind::RateLimited, Some(429)).with_retry_after(17);
        assert_eq!(retry_delay(&rl, 3), Some(Duration::seconds(17)));
        assert_eq!(
            retry_delay(&e(ErrorKind::InstanceUnreachable, None), 2),
            Some(Duration::seconds(60))
        );
        assert!(retry_delay(&e(ErrorKind::ServiceNow, Some(503)), 1).is_some());
        assert!(retry_delay(&e(ErrorKind::ServiceNow, None), 1).is_some());
        for blocked in [
            e(ErrorKind::ServiceNow, Some(400)),
            e(ErrorKind::AclDenied, Some(403)),
            e(ErrorKind::AuthExpired, Some(401)),
            e(ErrorKind::Internal, None),
        ] {
            assert_eq!(retry_delay(&blocked, 1), None, "{blocked:?}");
        }
    }
}
