//! Watching Ticket Bridge's tickets for changes made by anyone in ServiceNow.
//!
//! One poll is one request: the `task` table for this tenant's tickets updated at or after the
//! watermark, oldest change first, only the fields the cards and notifications need, no count.
//! ServiceNow's `sys_updated_on` has one-second resolution, so the query uses `>=` and the
//! watermark remembers the `sys_mod_count` of every ticket seen in its last second: a change in
//! that same second is reported, a ticket already reported is not, also after a restart (the
//! watermark serializes). The first poll of an empty watermark only learns the current state.
//!
//! No timers and no Tauri here: the app's background task calls [`Watcher::poll`].

use super::model::{Ticket, field_str, parse_sn_datetime};
use super::{TicketKind, correlation::tenant_prefix, table_url};
use crate::error::Result;
use crate::servicenow::client::ServiceNow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields one poll reads.
pub const WATCH_FIELDS: &str = "sys_id,number,sys_class_name,short_description,state,priority,due_date,assigned_to,active,sys_updated_on,sys_mod_count,correlation_id";
/// At most this many changed tickets per poll; the rest come with the next one.
pub const WATCH_LIMIT: usize = 200;

/// What the watcher remembers of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    pub number: String,
    pub kind: Option<TicketKind>,
    pub name: String,
    pub state: String,
    pub priority: Option<u8>,
    pub due_date: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    pub active: Option<bool>,
    pub mod_count: u64,
}

/// Where the last poll stopped, and what it knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watermark {
    pub updated_on: Option<DateTime<Utc>>,
    /// The tickets last seen, by sys_id.
    pub tickets: BTreeMap<String, Seen>,
}

/// One thing that changed about one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    StateChanged {
        from: String,
        to: String,
    },
    Assigned {
        to: Option<String>,
    },
    PriorityChanged {
        from: Option<u8>,
        to: Option<u8>,
    },
    Closed {
        state: String,
    },
    /// Updated without a change to the fields above: a comment or work note, as a rule.
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketChange {
    pub sys_id: String,
    pub number: String,
    pub kind: Option<TicketKind>,
    pub name: String,
    pub changes: Vec<Change>,
}

fn seen_of(record: &Value, t: &Ticket) -> Seen {
    Seen {
        number: t.number.clone().unwrap_or_default(),
        kind: t.kind,
        name: t.short_description.clone().unwrap_or_default(),
        state: t.state.clone().unwrap_or_default(),
        priority: t.priority.map(|p| p as u8),
        due_date: t.due_date,
        assigned_to: field_str(record, "assigned_to").map(str::to_owned),
        active: t.active,
        mod_count: t.sys_mod_count.unwrap_or(0),
    }
}

/// What differs between two sightings of one ticket.
pub fn diff(old: &Seen, new: &Seen) -> Vec<Change> {
    let mut out = Vec::new();
    if old.state != new.state {
        if new.active == Some(false) && old.active != Some(false) {
            out.push(Change::Closed {
                state: new.state.clone(),
            });
        } else {
            out.push(Change::StateChanged {
                from: old.state.clone(),
                to: new.state.clone(),
            });
        }
    }
    if old.assigned_to != new.assigned_to {
        out.push(Change::Assigned {
            to: new.assigned_to.clone(),
        });
    }
    if old.priority != new.priority {
        out.push(Change::PriorityChanged {
            from: old.priority,
            to: new.priority,
        });
    }
    if out.is_empty() && new.mod_count > old.mod_count {
        out.push(Change::Updated);
    }
    out
}

/// Folds one page of records into the watermark; returns the changes to report.
pub fn apply(mark: &mut Watermark, records: &[Value]) -> Vec<TicketChange> {
    let first_poll = mark.updated_on.is_none();
    let mut out = Vec::new();
    for record in records {
        let Some(t) = Ticket::from_record(record, None) else {
            continue;
        };
        let new = seen_of(record, &t);
        let updated = field_str(record, "sys_updated_on").and_then(parse_sn_datetime);
        match mark.tickets.get(&t.sys_id) {
            // Already known at this modification: the same second seen again.
            Some(old) if new.mod_count <= old.mod_count => {}
            Some(old) => {
                let changes = diff(old, &new);
                if !changes.is_empty() && !first_poll {
                    out.push(TicketChange {
                        sys_id: t.sys_id.clone(),
                        number: new.number.clone(),
                        kind: new.kind,
                        name: new.name.clone(),
                        changes,
                    });
                }
                mark.tickets.insert(t.sys_id.clone(), new);
            }
            None => {
                mark.tickets.insert(t.sys_id.clone(), new);
            }
        }
        if let Some(u) = updated
            && mark.updated_on.is_none_or(|w| u > w)
        {
            mark.updated_on = Some(u);
        }
    }
    out
}

/// The one query of a poll.
pub fn poll_url(tenant: &str, mark: &Watermark) -> String {
    let mut query = format!(
        "sys_class_nameINincident,change_request^correlation_idSTARTSWITH{}",
        tenant_prefix(tenant)
    );
    if let Some(w) = mark.updated_on {
        query.push_str(&format!(
            "^sys_updated_on>={}",
            w.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    query.push_str("^ORDERBYsys_updated_on");
    let limit = WATCH_LIMIT.to_string();
    table_url(
        "task",
        &[
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", WATCH_FIELDS),
            ("sysparm_exclude_reference_link", "true"),
            ("sysparm_no_count", "true"),
            ("sysparm_limit", limit.as_str()),
        ],
    )
}

/// One poll: one request, then the changes since the watermark.
pub async fn poll(
    api: &ServiceNow,
    tenant: &str,
    mark: &mut Watermark,
) -> Result<Vec<TicketChange>> {
    let answer = api
        .get(&poll_url(tenant, mark), "look for ticket changes")
        .await?;
    let records = answer.body["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(apply(mark, &records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(id: &str, state: &str, mods: u64, at: &str) -> Value {
        json!({"sys_id": id, "number": format!("INC{id}"), "sys_class_name": "incident",
               "short_description": "x", "state": state, "priority": "3", "active": "true",
               "assigned_to": "", "sys_updated_on": at, "sys_mod_count": mods.to_string(),
               "correlation_id": "tb1/local/A/00000000"})
    }

    #[test]
    fn the_first_poll_learns_then_changes_are_reported_once() {
        let mut m = Watermark::default();
        assert!(apply(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]).is_empty());
        // The same second again, nothing new.
        assert!(apply(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]).is_empty());
        // Another change in the same second: reported.
        let c = apply(&mut m, &[rec("1", "2", 1, "2026-11-23 10:00:00")]);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].changes,
            vec![Change::StateChanged {
                from: "1".into(),
                to: "2".into()
            }]
        );
        // Seen again at the watermark: not reported twice.
        assert!(apply(&mut m, &[rec("1", "2", 1, "2026-11-23 10:00:00")]).is_empty());
        // A comment: only the mod count moves.
        let c = apply(&mut m, &[rec("1", "2", 2, "2026-11-23 10:00:05")]);
        assert_eq!(c[0].changes, vec![Change::Updated]);
        assert!(poll_url("local", &m).contains("sys_updated_on%3E%3D2026-11-23+10%3A00%3A05"));
    }

    #[test]
    fn closing_assigning_and_priority() {
        let mut m = Watermark::default();
        apply(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]);
        let mut r = rec("1", "7", 1, "2026-11-23 10:01:00");
        r["active"] = json!("false");
        r["assigned_to"] = json!("abc");
        r["priority"] = json!("2");
        let c = apply(&mut m, &[r]);
        assert_eq!(
            c[0].changes,
            vec![
                Change::Closed { state: "7".into() },
                Change::Assigned {
                    to: Some("abc".into())
                },
                Change::PriorityChanged {
                    from: Some(3),
                    to: Some(2)
                }
            ]
        );
    }

    #[test]
    fn the_watermark_survives_serialization() {
        let mut m = Watermark::default();
        apply(&mut m, &[rec("1", "1", 3, "2026-11-23 10:00:00")]);
        let back: Watermark = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let mut b = back;
        assert!(apply(&mut b, &[rec("1", "1", 3, "2026-11-23 10:00:00")]).is_empty());
    }
}
