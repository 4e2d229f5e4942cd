//! Reading what ServiceNow holds: every ticket Ticket Bridge raised in a tenant
//! ([`fetch_all`], paged) and the state labels of every kind ([`state_labels`], from
//! `sys_choice`). Reads only. Watching for changes (the watermark query) builds on these.

use super::correlation::Owners;
use super::model::{TICKET_FIELDS, Ticket, TicketKind};
use crate::error::Result;
use crate::servicenow::client::ServiceNow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows per page.
pub const PAGE: usize = 100;
/// A bound on pages, so a misbehaving answer can never loop forever (100,000 tickets).
const MAX_PAGES: usize = 1000;

/// Pages read at once on a first sync (ServiceNow's own guidance keeps integrations to a few
/// concurrent requests).
pub const IN_FLIGHT: usize = 4;
/// How often one page is asked again after a 429 before the sync gives up (and is retried as a
/// whole later).
const RATE_LIMIT_TRIES: u32 = 3;

/// Every incident and change request Ticket Bridge raised under `owners`' tenant segments,
/// oldest first. The first page says how many there are (`X-Total-Count`); the other pages are
/// then read with [`IN_FLIGHT`] in flight (the next asked as soon as one is answered), and
/// reading goes on past the count until a page comes back empty: a short page is not the end, because ServiceNow applies the limit before
/// ACL filtering, and tickets may be created meanwhile. A 429 waits `Retry-After` and asks that
/// page again. A ticket read twice (pages shift while they are read) is kept once.
pub async fn fetch_all<O: Owners + ?Sized>(api: &ServiceNow, owners: &O) -> Result<Vec<Ticket>> {
    fetch_changed(api, owners, None).await
}

/// As [`fetch_all`], only the tickets changed at or after `since` (ServiceNow's clock) when it
/// is given: what an incremental sync reads.
pub async fn fetch_changed<O: Owners + ?Sized>(
    api: &ServiceNow,
    owners: &O,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<Ticket>> {
    let prefixes = owners.prefixes();
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut keep = |rows: Vec<crate::servicenow::table::Record>, tickets: &mut Vec<Ticket>| {
        // ServiceNow ignores query parts it cannot use: only this install's tickets are kept.
        for t in rows
            .iter()
            .filter_map(|r| Ticket::from_record(r.value(), None))
            .filter(|t| {
                t.correlation_id
                    .as_deref()
                    .is_some_and(|c| owners.owns_text(c))
            })
        {
            if seen.insert(t.sys_id.clone()) {
                tickets.push(t);
            }
        }
    };
    let (first, total) = page(api, &prefixes, since, 0).await?;
    if first.is_empty() {
        return Ok(tickets);
    }
    keep(first, &mut tickets);
    // The pages the count promises and the first one past it, [`IN_FLIGHT`] at a time: as soon
    // as one is answered the next is asked, so a slow page holds up only itself.
    let counted = total
        .map(|t| (t as usize).div_ceil(PAGE).clamp(1, MAX_PAGES - 1))
        .unwrap_or(1);
    let mut answered = BTreeMap::new();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 1;
    loop {
        while set.len() < IN_FLIGHT && next <= counted {
            let (api, prefixes, p) = (api.clone(), prefixes.clone(), next);
            set.spawn(async move { (p, page(&api, &prefixes, since, p * PAGE).await) });
            next += 1;
        }
        // An error returns at once; dropping the set cancels the pages still in flight.
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (p, result) = joined.map_err(crate::error::Error::internal)?;
        answered.insert(p, result?.0);
    }
    let past_count_empty = answered.get(&counted).is_some_and(Vec::is_empty);
    for rows in answered.into_values() {
        keep(rows, &mut tickets);
    }
    // Tickets were created meanwhile: one page at a time until an empty one.
    if !past_count_empty {
        for p in counted + 1..MAX_PAGES {
            let (rows, _) = page(api, &prefixes, since, p * PAGE).await?;
            if rows.is_empty() {
                break;
            }
            keep(rows, &mut tickets);
        }
    }
    Ok(tickets)
}

/// One page, asked again (after `Retry-After`) when ServiceNow says to slow down.
async fn page(
    api: &ServiceNow,
    prefixes: &[String],
    since: Option<DateTime<Utc>>,
    offset: usize,
) -> Result<(Vec<crate::servicenow::table::Record>, Option<u64>)> {
    let mut tries = 0;
    loop {
        match api
            .tickets_page(prefixes, since, TICKET_FIELDS, PAGE, offset)
            .await
        {
            Err(e)
                if e.kind == crate::error::ErrorKind::RateLimited && tries < RATE_LIMIT_TRIES =>
            {
                tries += 1;
                let wait = e.retry_after_secs.unwrap_or(1).clamp(1, 60);
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            }
            other => return other,
        }
    }
}

/// State value → label, per kind. Serialized by kind name (`change_request`); files written
/// before the kinds registry (`changeRequest`) read the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct StateLabels(BTreeMap<TicketKind, BTreeMap<String, String>>);

impl StateLabels {
    pub fn for_kind(&self, kind: TicketKind) -> Option<&BTreeMap<String, String>> {
        self.0.get(&kind)
    }

    pub fn for_kind_mut(&mut self, kind: TicketKind) -> &mut BTreeMap<String, String> {
        self.0.entry(kind).or_default()
    }

    pub fn get(&self, kind: TicketKind, value: &str) -> Option<&String> {
        self.for_kind(kind)?.get(value)
    }

    /// The label of a state, or the value itself when the instance has none.
    pub fn label(&self, kind: TicketKind, value: &str) -> String {
        self.get(kind, value)
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeMap::is_empty)
    }
}

/// The active state choices of every kind. English labels win when the instance has several
/// languages; otherwise the first one read.
pub async fn state_labels(api: &ServiceNow) -> Result<StateLabels> {
    let mut labels = StateLabels::default();
    for c in api.state_choices().await? {
        let map = labels.for_kind_mut(c.kind);
        let english = matches!(c.language.as_deref(), None | Some("en"));
        if english || !map.contains_key(&c.value) {
            map.insert(c.value, c.label);
        }
    }
    Ok(labels)
}
