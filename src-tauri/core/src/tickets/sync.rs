//! Reading what ServiceNow holds: every ticket Ticket Bridge raised in a tenant
//! ([`fetch_all`], paged) and the state labels of every kind ([`state_labels`], from
//! `sys_choice`). Reads only. Watching for changes (the watermark query) builds on these.

use super::correlation::Owners;
use super::model::{TICKET_FIELDS, Ticket, TicketKind};
use crate::error::Result;
use crate::servicenow::client::ServiceNow;
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows per page.
pub const PAGE: usize = 100;
/// A bound on pages, so a misbehaving answer can never loop forever (100,000 tickets).
const MAX_PAGES: usize = 1000;

/// Every incident and change request Ticket Bridge raised under `owners`' tenant segments,
/// oldest first. Pages until a page comes back empty: a short page is not the end, because
/// ServiceNow applies the limit before ACL filtering.
pub async fn fetch_all<O: Owners + ?Sized>(api: &ServiceNow, owners: &O) -> Result<Vec<Ticket>> {
    let prefixes = owners.prefixes();
    let mut tickets: Vec<Ticket> = Vec::new();
    // A record can shift between pages while they are read; keep the first copy of each.
    let mut seen = std::collections::HashSet::new();
    for page in 0..MAX_PAGES {
        let rows = api
            .tickets_page(&prefixes, TICKET_FIELDS, PAGE, page * PAGE)
            .await?;
        if rows.is_empty() {
            break;
        }
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
    }
    Ok(tickets)
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
