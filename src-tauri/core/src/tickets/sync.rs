//! Reading what ServiceNow holds: every ticket Ticket Bridge raised in a tenant
//! ([`fetch_all`], paged) and the state labels of both tables ([`state_labels`], from
//! `sys_choice`). Reads only. Watching for changes (the watermark query) builds on these.

use super::correlation::tenant_prefix;
use super::model::{TICKET_FIELDS, Ticket, TicketKind, field_str};
use super::table_url;
use crate::error::Result;
use crate::servicenow::client::ServiceNow;
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows per page.
pub const PAGE: usize = 100;
/// A bound on pages, so a misbehaving answer can never loop forever (100,000 tickets).
const MAX_PAGES: usize = 1000;

/// Every incident and change request Ticket Bridge raised in `tenant`, oldest first. Pages with
/// `sysparm_limit`/`sysparm_offset` until a page comes back empty: a short page is not the end,
/// because ServiceNow applies the limit before ACL filtering.
pub async fn fetch_all(api: &ServiceNow, tenant: &str) -> Result<Vec<Ticket>> {
    let query = format!(
        "sys_class_nameINincident,change_request^correlation_idSTARTSWITH{}^ORDERBYsys_created_on^ORDERBYsys_id",
        tenant_prefix(tenant)
    );
    let limit = PAGE.to_string();
    let mut tickets: Vec<Ticket> = Vec::new();
    // A record can shift between pages while they are read; keep the first copy of each.
    let mut seen = std::collections::HashSet::new();
    for page in 0..MAX_PAGES {
        let offset = (page * PAGE).to_string();
        let url = table_url(
            "task",
            &[
                ("sysparm_query", query.as_str()),
                ("sysparm_fields", TICKET_FIELDS),
                ("sysparm_exclude_reference_link", "true"),
                ("sysparm_limit", limit.as_str()),
                ("sysparm_offset", offset.as_str()),
            ],
        );
        let answer = api.get(&url, "read the tickets").await?;
        let rows = answer.body["result"].as_array().map_or(0, Vec::len);
        if rows == 0 {
            break;
        }
        for t in Ticket::list_from_body(&answer.body, None) {
            if seen.insert(t.sys_id.clone()) {
                tickets.push(t);
            }
        }
    }
    Ok(tickets)
}

/// State value → label, per table, as the instance names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateLabels {
    pub change_request: BTreeMap<String, String>,
    pub incident: BTreeMap<String, String>,
}

impl StateLabels {
    pub fn for_kind(&self, kind: TicketKind) -> &BTreeMap<String, String> {
        match kind {
            TicketKind::ChangeRequest => &self.change_request,
            TicketKind::Incident => &self.incident,
        }
    }

    /// The label of a state, or the value itself when the instance has none.
    pub fn label(&self, kind: TicketKind, value: &str) -> String {
        self.for_kind(kind)
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_owned())
    }
}

/// The active state choices of both tables. English labels win when the instance has several
/// languages; otherwise the first one read.
pub async fn state_labels(api: &ServiceNow) -> Result<StateLabels> {
    let url = table_url(
        "sys_choice",
        &[
            (
                "sysparm_query",
                "nameINincident,change_request^element=state^inactive=false^ORDERBYsequence",
            ),
            ("sysparm_fields", "name,value,label,language"),
        ],
    );
    let answer = api.get(&url, "read the ticket states").await?;
    let mut labels = StateLabels::default();
    for row in answer.body["result"].as_array().into_iter().flatten() {
        let (Some(name), Some(value), Some(label)) = (
            field_str(row, "name"),
            field_str(row, "value"),
            field_str(row, "label"),
        ) else {
            continue;
        };
        let Some(kind) = TicketKind::from_table(name) else {
            continue;
        };
        let map = match kind {
            TicketKind::ChangeRequest => &mut labels.change_request,
            TicketKind::Incident => &mut labels.incident,
        };
        let english = matches!(field_str(row, "language"), None | Some("en"));
        if english || !map.contains_key(value) {
            map.insert(value.to_owned(), label.to_owned());
        }
    }
    Ok(labels)
}
