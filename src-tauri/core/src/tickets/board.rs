//! What the home cards, the ticket list and the actions page show, kept on disk so the cards
//! paint at start before any network call: the last ticket list and state labels read from the
//! instance, the admin's own state names, and the actions the admin typed in.
//!
//! One JSON file (atomic writes, nothing secret). Reading it never fails the app: an unreadable
//! file starts empty and is replaced on the next refresh.

use super::outbox::{Outbox, write_atomic};
use super::sync::{self, StateLabels};
use super::{Category, CorrelationId, Priority, Ticket, TicketKind};
use crate::error::{Error, Result};
use crate::secure_score::verify::{self, ControlNow, TicketFacts, TicketScore, Verdict};
use crate::secure_score::{Action, ActionSource, Origin};
use crate::servicenow::InstanceUrl;
use crate::servicenow::client::ServiceNow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BoardFile {
    version: u32,
    fetched_at: Option<DateTime<Utc>>,
    /// The newest `sys_updated_on` a sync has read (the instance's clock): the next refresh
    /// reads only the tickets changed since. The watcher's merges leave it alone (they read
    /// from the watcher's own watermark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    synced_through: Option<DateTime<Utc>>,
    /// When every ticket was last read whole (this machine's clock). After
    /// [`FULL_SYNC_EVERY`] a refresh reads them all again, so tickets deleted on the instance
    /// leave the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    full_sync_at: Option<DateTime<Utc>>,
    #[serde(default)]
    tickets: Vec<Ticket>,
    #[serde(default)]
    labels: StateLabels,
    #[serde(default)]
    custom_names: StateLabels,
    /// Typed actions, as files written before action sources kept them (moved out on open).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    user_actions: Vec<Action>,
    /// The instance's `category` value for each Secure Score category (by its label).
    #[serde(default)]
    category_mapping: std::collections::BTreeMap<String, String>,
    /// Each ticket's standing against the Secure Score, by sys_id.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    scores: std::collections::BTreeMap<String, TicketScore>,
}

/// A ticket as the cards and the list show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    pub sys_id: String,
    pub number: String,
    pub kind: Option<TicketKind>,
    pub name: String,
    pub state: String,
    pub state_label: String,
    pub priority: Option<Priority>,
    pub due_date: Option<DateTime<Utc>>,
    pub category: Option<String>,
    pub action_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub active: Option<bool>,
    pub url: String,
    /// Whether the score confirms the fix, and the control's points now.
    pub score: Option<TicketScore>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketList {
    pub tickets: Vec<TicketView>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub from_cache: bool,
}

/// What the home page shows of the cached tickets: each kind's count by state and its newest,
/// a few kilobytes however many tickets the cache holds (the list itself goes only to the
/// page that lists them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketSummary {
    pub total: usize,
    pub kinds: Vec<KindSummary>,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindSummary {
    pub kind: TicketKind,
    pub total: usize,
    /// By state value, in the order first met; the page orders them as the instance does.
    pub states: Vec<StateCount>,
    /// Last changed first, then the highest number.
    pub newest: Vec<TicketView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateCount {
    pub value: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateName {
    pub value: String,
    pub instance_label: String,
    pub custom_label: Option<String>,
}

/// The state names of one kind, for the customise card.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindStateNames {
    pub kind: TicketKind,
    pub states: Vec<StateName>,
}

/// Every kind's state names, in the registry's order.
pub type StateNames = Vec<KindStateNames>;

/// The ticket a card row points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRef {
    pub sys_id: String,
    pub number: String,
    pub kind: Option<TicketKind>,
    pub state: String,
    pub state_label: String,
    pub url: String,
    /// Closed, canceled or resolved: the action may get a new ticket.
    pub done: bool,
    pub score: Option<TicketScore>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    #[serde(flatten)]
    pub action: Action,
    pub ticket: Option<TicketRef>,
    pub queued: bool,
}

/// The longest name an admin may give a state.
pub const MAX_STATE_NAME_CHARS: usize = 40;
/// The longest `category` value of the mapping.
pub const MAX_CATEGORY_VALUE_CHARS: usize = 40;

/// The record's page in ServiceNow's UI.
pub fn record_url(instance: &InstanceUrl, table: &str, sys_id: &str) -> String {
    if !crate::servicenow::table::is_sys_id(sys_id) {
        // Never a value from ServiceNow in a URL unchecked: the table's list instead.
        return instance.url(&format!("/nav_to.do?uri={table}_list.do"));
    }
    instance.url(&format!("/nav_to.do?uri={table}.do%3Fsys_id%3D{sys_id}"))
}

/// The cached board of one workspace. Clones share it.
/// How long an incremental refresh may build on the last full one.
pub const FULL_SYNC_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(24);

#[derive(Clone)]
pub struct Board {
    inner: Arc<BoardInner>,
}

struct BoardInner {
    path: PathBuf,
    data: Mutex<BoardFile>,
}

impl Board {
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self::open_in(path, &crate::files::Ctx::default())
    }

    /// Opens the cache; an unreadable one is moved aside and reported (the next sync fills a
    /// new one).
    pub fn open_in(path: impl Into<PathBuf>, ctx: &crate::files::Ctx) -> Self {
        let path = path.into();
        let data: BoardFile = ctx.read(&path, "tickets");
        Self {
            inner: Arc::new(BoardInner {
                path,
                data: Mutex::new(data),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoardFile> {
        self.inner.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn save(&self, data: &BoardFile) -> Result<()> {
        let bytes = serde_json::to_vec(data).map_err(Error::internal)?;
        write_atomic(&self.inner.path, &bytes)
            .map_err(|e| Error::internal(format_args!("the ticket cache could not be saved ({e})")))
    }

    fn label(data: &BoardFile, kind: Option<TicketKind>, value: &str) -> String {
        let Some(kind) = kind else {
            return value.to_owned();
        };
        data.custom_names
            .get(kind, value)
            .or_else(|| data.labels.get(kind, value))
            .cloned()
            .or_else(|| {
                kind.spec()
                    .states
                    .iter()
                    .find(|s| s.value == value)
                    .map(|s| s.label.to_owned())
            })
            .unwrap_or_else(|| value.to_owned())
    }

    fn view(data: &BoardFile, t: &Ticket, instance: &InstanceUrl) -> TicketView {
        let state = t.state.clone().unwrap_or_default();
        let table = t.kind.map(TicketKind::table).unwrap_or("task");
        TicketView {
            sys_id: t.sys_id.clone(),
            number: t.number.clone().unwrap_or_default(),
            kind: t.kind,
            name: t.short_description.clone().unwrap_or_default(),
            state_label: Self::label(data, t.kind, &state),
            state,
            priority: t.priority,
            due_date: t.due_date,
            category: t.category.clone(),
            action_id: t
                .correlation_id
                .as_deref()
                .and_then(CorrelationId::parse)
                .map(|c| c.action().to_owned()),
            updated_at: t.sys_updated_on,
            active: t.active,
            url: record_url(instance, table, &t.sys_id),
            score: data.scores.get(&t.sys_id).cloned(),
        }
    }

    /// Newest first: last changed first (never changed last), then the highest number.
    fn newest_first(a: &Ticket, b: &Ticket) -> std::cmp::Ordering {
        b.sys_updated_on
            .cmp(&a.sys_updated_on)
            .then_with(|| b.number.cmp(&a.number))
    }

    /// Keeps the `n` newest of `tickets`, newest first (a selection, not a sort of them all).
    fn keep_newest(tickets: &mut Vec<&Ticket>, n: usize) {
        if tickets.len() > n {
            tickets.select_nth_unstable_by(n, |a, b| Self::newest_first(a, b));
            tickets.truncate(n);
        }
        tickets.sort_by(|a, b| Self::newest_first(a, b));
    }

    /// The home page's summary (see [`TicketSummary`]), with `newest` tickets of each kind.
    pub fn summary(&self, instance: &InstanceUrl, newest: usize) -> TicketSummary {
        let data = self.lock();
        let mut kinds: Vec<(TicketKind, Vec<&Ticket>)> = Vec::new();
        for t in &data.tickets {
            let Some(kind) = t.kind else { continue };
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, list)) => list.push(t),
                None => kinds.push((kind, vec![t])),
            }
        }
        kinds.sort_by_key(|(k, _)| *k);
        let kinds = kinds
            .into_iter()
            .map(|(kind, mut tickets)| {
                let mut states: Vec<StateCount> = Vec::new();
                for t in &tickets {
                    let value = t.state.as_deref().unwrap_or_default();
                    match states.iter_mut().find(|s| s.value == value) {
                        Some(s) => s.count += 1,
                        None => states.push(StateCount {
                            value: value.to_owned(),
                            label: Self::label(&data, Some(kind), value),
                            count: 1,
                        }),
                    }
                }
                let total = tickets.len();
                Self::keep_newest(&mut tickets, newest);
                KindSummary {
                    kind,
                    total,
                    states,
                    newest: tickets
                        .into_iter()
                        .map(|t| Self::view(&data, t, instance))
                        .collect(),
                }
            })
            .collect();
        TicketSummary {
            total: data.tickets.len(),
            kinds,
            fetched_at: data.fetched_at,
        }
    }

    /// The `n` tickets changed last, of every kind (the tray's recent tickets).
    pub fn newest(&self, instance: &InstanceUrl, n: usize) -> Vec<TicketView> {
        let data = self.lock();
        let mut tickets: Vec<&Ticket> = data.tickets.iter().collect();
        Self::keep_newest(&mut tickets, n);
        tickets
            .into_iter()
            .map(|t| Self::view(&data, t, instance))
            .collect()
    }

    /// The cached list, newest change first.
    pub fn cached(&self, instance: &InstanceUrl) -> TicketList {
        let data = self.lock();
        let mut tickets: Vec<_> = data
            .tickets
            .iter()
            .map(|t| Self::view(&data, t, instance))
            .collect();
        tickets.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
        TicketList {
            tickets,
            fetched_at: data.fetched_at,
            from_cache: true,
        }
    }

    /// Brings the cached list up to date, then saves it (the file on a blocking thread). The
    /// first time, and once [`FULL_SYNC_EVERY`], every ticket of the tenant and the state labels
    /// are read; in between, only the tickets changed since the newest change already read
    /// (one request when nothing changed), merged into the list.
    pub async fn refresh<O: super::correlation::Owners + ?Sized>(
        &self,
        api: &ServiceNow,
        owners: &O,
    ) -> Result<()> {
        self.refresh_at(api, owners, Utc::now()).await
    }

    /// [`Board::refresh`] with this machine's clock reading `now`.
    pub async fn refresh_at<O: super::correlation::Owners + ?Sized>(
        &self,
        api: &ServiceNow,
        owners: &O,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let since = Self::incremental_since(&self.lock(), now);
        let board = self.clone();
        match since {
            Some(since) => {
                let changed = sync::fetch_changed(api, owners, Some(since)).await?;
                tokio::task::spawn_blocking(move || board.merge_synced(changed, now))
                    .await
                    .map_err(Error::internal)??;
            }
            None => {
                let tickets = sync::fetch_all(api, owners).await?;
                let labels = sync::state_labels(api).await.unwrap_or_default();
                tokio::task::spawn_blocking(move || board.replace_at(tickets, labels, now))
                    .await
                    .map_err(Error::internal)??;
            }
        }
        Ok(())
    }

    /// Where an incremental refresh starts, or `None` when the next one must read everything.
    fn incremental_since(data: &BoardFile, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let full = data.full_sync_at?;
        // A clock set back makes the last full sync look recent forever: read everything.
        if full > now || now - full >= FULL_SYNC_EVERY {
            return None;
        }
        data.synced_through
    }

    /// Replaces the cached tickets (and the labels, when some were read), then saves them.
    fn replace_at(
        &self,
        tickets: Vec<Ticket>,
        labels: StateLabels,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut data = self.lock();
        data.version = 1;
        data.synced_through = tickets.iter().filter_map(|t| t.sys_updated_on).max();
        data.full_sync_at = Some(now);
        data.tickets = tickets;
        if !labels.is_empty() {
            data.labels = labels;
        }
        data.fetched_at = Some(now);
        self.save(&data)
    }

    /// Puts what an incremental sync read into the list and moves its mark on.
    fn merge_synced(&self, changed: Vec<Ticket>, now: DateTime<Utc>) -> Result<()> {
        let mut data = self.lock();
        let newest = changed.iter().filter_map(|t| t.sys_updated_on).max();
        let mark = data.synced_through.max(newest);
        let moved = mark != data.synced_through;
        data.synced_through = mark;
        let merged = Self::merge_into(&mut data, changed);
        data.fetched_at = Some(now);
        // Nothing new (the newest second read again): the file stays as it is; only the time
        // of this read, kept in memory, moves.
        if !moved && !merged {
            return Ok(());
        }
        self.save(&data)
    }

    /// New tickets added, known ones replaced; one pass over each list. Whether any ticket was
    /// new or different.
    fn merge_into(data: &mut BoardFile, tickets: Vec<Ticket>) -> bool {
        let mut changed = false;
        let mut at: std::collections::HashMap<String, usize> = data
            .tickets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.sys_id.clone(), i))
            .collect();
        for t in tickets {
            match at.get(&t.sys_id) {
                Some(&i) if data.tickets[i] == t => {}
                Some(&i) => {
                    data.tickets[i] = t;
                    changed = true;
                }
                None => {
                    at.insert(t.sys_id.clone(), data.tickets.len());
                    data.tickets.push(t);
                    changed = true;
                }
            }
        }
        changed
    }

    /// Forgets the cached tickets (the connection was removed); the admin's own state names
    /// and category mapping stay with the workspace.
    pub fn forget_tickets(&self) -> Result<()> {
        let mut data = self.lock();
        data.tickets.clear();
        data.fetched_at = None;
        data.synced_through = None;
        data.full_sync_at = None;
        self.save(&data)
    }

    /// The typed actions of files written before action sources (read once, to move them).
    pub fn take_legacy_actions(&self) -> Result<Vec<Action>> {
        let mut data = self.lock();
        if data.user_actions.is_empty() {
            return Ok(Vec::new());
        }
        let taken = std::mem::take(&mut data.user_actions);
        self.save(&data)?;
        Ok(taken)
    }

    /// Puts tickets the watcher read into the cached list (new ones added, known ones
    /// replaced), then saves it. The list stays whole without reading every ticket again.
    pub fn merge(&self, tickets: Vec<Ticket>) -> Result<()> {
        if tickets.is_empty() {
            return Ok(());
        }
        let mut data = self.lock();
        if !Self::merge_into(&mut data, tickets) {
            return Ok(());
        }
        self.save(&data)
    }

    /// The admin's name for a state (their own, else the instance's label, else the value).
    pub fn state_label(&self, kind: Option<TicketKind>, value: &str) -> String {
        Self::label(&self.lock(), kind, value)
    }

    /// The state names for the customise card: the instance's labels (a default instance's
    /// until they are read) and the admin's own, in the instance's order.
    pub fn state_names(&self) -> StateNames {
        let data = self.lock();
        TicketKind::ALL
            .into_iter()
            .map(|kind| {
                let states = match data.labels.for_kind(kind).filter(|m| !m.is_empty()) {
                    Some(read) => {
                        let mut states: Vec<_> = read
                            .iter()
                            .map(|(value, label)| (value.clone(), label.clone()))
                            .collect();
                        // A default instance's order where the values are known, the rest after.
                        let order = |v: &str| {
                            let known = kind.spec().states.iter().position(|s| s.value == v);
                            known.unwrap_or(usize::MAX)
                        };
                        states.sort_by_key(|(v, _)| order(v));
                        states
                    }
                    None => kind
                        .spec()
                        .states
                        .iter()
                        .map(|s| (s.value.to_owned(), s.label.to_owned()))
                        .collect(),
                };
                KindStateNames {
                    kind,
                    states: states
                        .into_iter()
                        .map(|(value, instance_label)| StateName {
                            custom_label: data.custom_names.get(kind, &value).cloned(),
                            value,
                            instance_label,
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Renames a state for the admin (`None` or blank goes back to the instance's label).
    pub fn set_state_name(&self, kind: TicketKind, value: &str, label: Option<&str>) -> Result<()> {
        let mut data = self.lock();
        let names = data.custom_names.for_kind_mut(kind);
        match label.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) if l.chars().count() > MAX_STATE_NAME_CHARS => {
                return Err(Error::invalid_input(
                    format!("A state name can be at most {MAX_STATE_NAME_CHARS} characters."),
                    "Use a shorter name.",
                )
                .with_reason("state_name_too_long")
                .with_param("limit", MAX_STATE_NAME_CHARS.to_string()));
            }
            Some(l) => {
                names.insert(value.to_owned(), l.to_owned());
            }
            None => {
                names.remove(value);
            }
        }
        self.save(&data)
    }

    pub fn reset_state_names(&self) -> Result<()> {
        let mut data = self.lock();
        data.custom_names = StateLabels::default();
        self.save(&data)
    }

    /// The actions page: the actions of every source, each with its newest active ticket and
    /// whether a task for it waits in the outbox. An id that two sources give is shown once,
    /// from the first source.
    pub fn actions<O: super::correlation::Owners + ?Sized>(
        &self,
        sources: &[Arc<dyn ActionSource>],
        outbox: &Outbox,
        owners: &O,
        instance: &InstanceUrl,
    ) -> Vec<ActionView> {
        let mut seen = std::collections::HashSet::new();
        let all: Vec<Action> = sources
            .iter()
            .flat_map(|s| s.actions())
            .filter(|a| seen.insert(a.id.clone()))
            .collect();
        // An imported action the tenant's Secure Score also lists is shown once, from Graph.
        let norm = |t: &str| {
            t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let from_graph: std::collections::HashSet<String> = all
            .iter()
            .filter(|a| a.origin == Origin::Graph)
            .map(|a| norm(&a.title))
            .collect();
        let all: Vec<Action> = all
            .into_iter()
            .filter(|a| a.origin != Origin::Csv || !from_graph.contains(&norm(&a.title)))
            .collect();
        let data = self.lock();
        all.into_iter()
            .map(|action| {
                let mine: Vec<&Ticket> = data
                    .tickets
                    .iter()
                    .filter(|t| {
                        t.correlation_id
                            .as_deref()
                            .and_then(CorrelationId::parse)
                            .is_some_and(|c| owners.owns(&c, &action.id))
                    })
                    .collect();
                // The open ticket; else the newest one the score has judged (a verified fix,
                // or one that regressed and may need a new ticket).
                let ticket = mine
                    .iter()
                    .filter(|t| t.active != Some(false) && !t.is_done())
                    .max_by_key(|t| t.sys_updated_on)
                    .or_else(|| {
                        mine.iter()
                            .filter(|t| {
                                data.scores
                                    .get(&t.sys_id)
                                    .is_some_and(|s| s.verdict.is_some())
                            })
                            .max_by_key(|t| t.sys_updated_on)
                    })
                    .map(|t| {
                        let v = Self::view(&data, t, instance);
                        TicketRef {
                            sys_id: v.sys_id,
                            number: v.number,
                            kind: v.kind,
                            state: v.state,
                            state_label: v.state_label,
                            url: v.url,
                            done: t.is_done() || t.active == Some(false),
                            score: v.score,
                        }
                    });
                let queued = outbox.pending_for_action(owners, &action.id).is_some();
                ActionView {
                    action,
                    ticket,
                    queued,
                }
            })
            .collect()
    }

    /// Judges every ticket made for an action against its control's points now
    /// (`control(action_id)`), keeps the standings, and returns the tickets whose verdict
    /// changed, to tell.
    pub fn apply_scores(
        &self,
        control: &dyn Fn(&str) -> Option<ControlNow>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Ticket, Verdict)>> {
        let mut data = self.lock();
        let mut told = Vec::new();
        let mut scores = data.scores.clone();
        for t in &data.tickets {
            let Some(action) = t
                .correlation_id
                .as_deref()
                .and_then(CorrelationId::parse)
                .map(|c| c.action().to_owned())
            else {
                continue;
            };
            let prev = scores.get(&t.sys_id).cloned().unwrap_or_default();
            let facts = TicketFacts {
                created: t.sys_created_on,
                done: t.is_done(),
            };
            let (next, verdict) = verify::evaluate(&prev, facts, control(&action), now);
            if let Some(v) = verdict {
                told.push((t.clone(), v));
            }
            if next != prev {
                scores.insert(t.sys_id.clone(), next);
            }
        }
        if scores != data.scores {
            data.scores = scores;
            self.save(&data)?;
        }
        Ok(told)
    }

    /// The `category` value the admin mapped to a Secure Score category, if any.
    pub fn category_field(&self, category: Category) -> Option<String> {
        self.lock().category_mapping.get(category.label()).cloned()
    }

    /// Every Secure Score category with its mapped value ("" when none).
    pub fn category_mapping(&self) -> std::collections::BTreeMap<String, String> {
        let data = self.lock();
        [
            Category::Identity,
            Category::Data,
            Category::Devices,
            Category::Apps,
            Category::Infrastructure,
        ]
        .iter()
        .map(|c| {
            let label = c.label().to_owned();
            let value = data
                .category_mapping
                .get(&label)
                .cloned()
                .unwrap_or_default();
            (label, value)
        })
        .collect()
    }

    /// Replaces the mapping; blank values mean "leave `category` unset".
    pub fn set_category_mapping(
        &self,
        mapping: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        let mut clean = std::collections::BTreeMap::new();
        for (k, v) in mapping {
            let category: Category = k.parse().map_err(|_| {
                Error::invalid_input(
                    format!("\u{201c}{k}\u{201d} is not a Secure Score category."),
                    "Use Identity, Data, Devices, Apps or Infrastructure.",
                )
                .with_reason("category_unknown")
                .with_param("category", k.as_str())
            })?;
            let v = v.trim();
            if v.chars().count() > MAX_CATEGORY_VALUE_CHARS {
                return Err(Error::invalid_input(
                    format!(
                        "A category value can be at most {MAX_CATEGORY_VALUE_CHARS} characters."
                    ),
                    "Use the value of the choice in ServiceNow (System Definition > Choice Lists), not its label.",
                )
                .with_reason("category_value_too_long")
                .with_param("limit", MAX_CATEGORY_VALUE_CHARS.to_string()));
            }
            if !v.is_empty() {
                clean.insert(category.label().to_owned(), v.to_owned());
            }
        }
        let mut data = self.lock();
        data.category_mapping = clean;
        self.save(&data)
    }

    /// The listed tickets (all, or those `sys_ids`) as CSV, with a header row, the type and the
    /// priority in `lang` (the admin's language). Dates stay ISO 8601 and ServiceNow's values
    /// (name, state, category) as the instance has them, for spreadsheets to read.
    pub fn csv(&self, instance: &InstanceUrl, sys_ids: Option<&[String]>, lang: &str) -> String {
        fn cell(s: &str) -> String {
            // Quote every cell; double quotes inside; neutralise formula starts for spreadsheets.
            let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.to_owned()
            };
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        let list = self.cached(instance);
        let header = [
            "ticketList.columns.number",
            "ticketList.columns.kind",
            "ticketList.columns.name",
            "ticketList.columns.state",
            "ticketList.columns.priority",
            "ticketList.columns.due",
            "ticketList.columns.category",
            "ticketList.csv.action",
            "ticketList.columns.updated",
            "ticketList.csv.link",
        ]
        .map(|k| cell(&crate::i18n::text(lang, k)));
        let mut out = header.join(",");
        out.push_str("\r\n");
        for t in list
            .tickets
            .iter()
            .filter(|t| sys_ids.is_none_or(|ids| ids.contains(&t.sys_id)))
        {
            let row = [
                t.number.clone(),
                t.kind
                    .map(|k| crate::i18n::text(lang, &format!("kinds.{}", k.spec().locale_key)))
                    .unwrap_or_default(),
                t.name.clone(),
                t.state_label.clone(),
                t.priority
                    .map(|p| {
                        crate::i18n::format(
                            lang,
                            "priority.option",
                            &[
                                ("n", &p.value().to_string()),
                                (
                                    "label",
                                    &crate::i18n::text(lang, &format!("priority.p{}", p.value())),
                                ),
                            ],
                        )
                    })
                    .unwrap_or_default(),
                t.due_date
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                t.category.clone().unwrap_or_default(),
                t.action_id.clone().unwrap_or_default(),
                t.updated_at
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default(),
                t.url.clone(),
            ];
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sys_id (32 hex characters) for a short test id.
    fn sid(id: &str) -> String {
        format!("{id:0>32}")
    }

    fn ticket(id: &str, state: &str, kind: TicketKind, action: &str, updated: i64) -> Ticket {
        Ticket {
            sys_id: sid(id),
            number: Some(format!("N{id}")),
            kind: Some(kind),
            short_description: Some(format!("=cmd {id}")),
            state: Some(state.into()),
            priority: Some(Priority::High),
            due_date: None,
            category: None,
            correlation_id: Some(
                CorrelationId::with_draft("local", action, "0123abcd").to_string(),
            ),
            sys_updated_on: DateTime::from_timestamp(updated, 0),
            sys_mod_count: Some(0),
            active: Some(true),
            sys_created_on: None,
        }
    }

    #[test]
    fn the_summary_counts_each_kind_by_state_and_keeps_only_its_newest() {
        let dir = tempfile::tempdir().unwrap();
        let board = Board::open(dir.path().join("board.json"));
        {
            let mut d = board.lock();
            d.custom_names
                .for_kind_mut(TicketKind::Incident)
                .insert("2".into(), "Doing".into());
            // Twelve incidents (one never changed), three change requests, one of no kind.
            d.tickets =
                (0..12)
                    .map(|i| {
                        let mut t = ticket(
                            &format!("i{i:02}"),
                            ["1", "2"][i % 2],
                            TicketKind::Incident,
                            "A",
                            100 + i as i64,
                        );
                        if i == 11 {
                            t.sys_updated_on = None;
                        }
                        t
                    })
                    .chain((0..3).map(|i| {
                        ticket(&format!("c{i}"), "-5", TicketKind::ChangeRequest, "B", 50)
                    }))
                    .collect();
            let mut odd = ticket("x", "1", TicketKind::Incident, "C", 999);
            odd.kind = None;
            d.tickets.push(odd);
        }
        let s = board.summary(&InstanceUrl::parse("contoso").unwrap(), 5);
        assert_eq!(s.total, 16);
        let kinds: Vec<_> = s.kinds.iter().map(|k| (k.kind, k.total)).collect();
        assert_eq!(
            kinds,
            vec![(TicketKind::ChangeRequest, 3), (TicketKind::Incident, 12)]
        );
        let inc = &s.kinds[1];
        let states: Vec<_> = inc
            .states
            .iter()
            .map(|c| (c.value.as_str(), c.label.as_str(), c.count))
            .collect();
        assert_eq!(states, vec![("1", "New", 6), ("2", "Doing", 5 + 1)]);
        // Last changed first; the one never changed is not among the newest five.
        let newest: Vec<_> = inc.newest.iter().map(|t| t.number.as_str()).collect();
        assert_eq!(newest, vec!["Ni10", "Ni09", "Ni08", "Ni07", "Ni06"]);
        // Same moment: the highest number first.
        let cr: Vec<_> = s.kinds[0]
            .newest
            .iter()
            .map(|t| t.number.as_str())
            .collect();
        assert_eq!(cr, vec!["Nc2", "Nc1", "Nc0"]);
        // The tray's recent tickets: every kind, last changed first.
        let recent: Vec<_> = board
            .newest(&InstanceUrl::parse("contoso").unwrap(), 2)
            .into_iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(recent, vec!["Nx", "Ni10"]);
    }

    #[test]
    fn custom_state_names_win_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("board.json");
        let board = Board::open(&path);
        {
            let mut d = board.lock();
            d.labels
                .for_kind_mut(TicketKind::ChangeRequest)
                .insert("-5".into(), "New".into());
            d.tickets = vec![
                ticket("a", "-5", TicketKind::ChangeRequest, "AdminMFAV2", 10),
                ticket("b", "-5", TicketKind::ChangeRequest, "DLPEnabled", 20),
            ];
        }
        board
            .set_state_name(TicketKind::ChangeRequest, "-5", Some("  Triage "))
            .unwrap();
        let instance = InstanceUrl::parse("contoso").unwrap();
        let list = board.cached(&instance);
        assert_eq!(list.tickets[0].sys_id, sid("b"), "newest first");
        assert_eq!(list.tickets[0].state_label, "Triage");
        assert_eq!(list.tickets[0].action_id.as_deref(), Some("DLPEnabled"));
        assert!(
            list.tickets[0]
                .url
                .starts_with("https://contoso.service-now.com/nav_to.do?uri=change_request.do")
        );

        let again = Board::open(&path);
        assert_eq!(
            again.state_names()[0].states[0].custom_label.as_deref(),
            Some("Triage")
        );
        again
            .set_state_name(TicketKind::ChangeRequest, "-5", Some(""))
            .unwrap();
        assert_eq!(again.state_names()[0].states[0].custom_label, None);
        assert!(
            again
                .set_state_name(TicketKind::Incident, "1", Some(&"x".repeat(61)))
                .is_err()
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let dir = tempfile::tempdir().unwrap();
        let board = Board::open(dir.path().join("b.json"));
        board.lock().tickets = vec![ticket("a", "1", TicketKind::Incident, "X", 1)];
        let csv = board.csv(&InstanceUrl::parse("contoso").unwrap(), None, "en");
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("\"Number\",\"Type\",\"Name\"")
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("\"Na\",\"Incident\",\"'=cmd a\""), "{row}");
        // In the admin's language: the header, the type and the priority's name.
        let fr = board.csv(&InstanceUrl::parse("contoso").unwrap(), None, "fr");
        let header = fr.lines().next().unwrap();
        assert!(
            header.starts_with(&format!(
                "\"{}\"",
                crate::i18n::text("fr", "ticketList.columns.number")
            )),
            "{header}"
        );
        assert!(
            !header.contains("Improvement action") && !header.contains("Link"),
            "{header}"
        );
        // A tab or a carriage return first is a formula start for some spreadsheets too.
        let mut tab = ticket("b", "1", TicketKind::Incident, "X", 2);
        tab.short_description = Some("\t=HYPERLINK(1)".into());
        let mut cr = ticket("c", "1", TicketKind::Incident, "X", 3);
        cr.short_description = Some("\r=1+1".into());
        board.lock().tickets = vec![tab, cr];
        let csv = board.csv(&InstanceUrl::parse("contoso").unwrap(), None, "en");
        assert!(csv.contains("\"'\t=HYPERLINK(1)\""), "{csv}");
        assert!(csv.contains("\"'\r=1+1\""), "{csv}");
        assert!(
            board
                .csv(
                    &InstanceUrl::parse("contoso").unwrap(),
                    Some(&["zz".into()]),
                    "en"
                )
                .lines()
                .count()
                == 1
        );
    }

    #[test]
    fn category_mapping_is_kept_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let board = Board::open(dir.path().join("b.json"));
        assert_eq!(board.category_field(Category::Identity), None);
        let mut m = std::collections::BTreeMap::new();
        m.insert("Identity".to_owned(), " security ".to_owned());
        m.insert("Data".to_owned(), "".to_owned());
        board.set_category_mapping(&m).unwrap();
        let again = Board::open(dir.path().join("b.json"));
        assert_eq!(
            again.category_field(Category::Identity).as_deref(),
            Some("security")
        );
        assert_eq!(again.category_field(Category::Data), None);
        assert_eq!(again.category_mapping().len(), 5);
        m.insert("Weather".to_owned(), "x".to_owned());
        assert!(again.set_category_mapping(&m).is_err());
    }

    #[test]
    fn an_unreadable_cache_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, b"{not json").unwrap();
        let board = Board::open(&path);
        assert!(
            board
                .cached(&InstanceUrl::parse("contoso").unwrap())
                .tickets
                .is_empty()
        );
    }
}
