//! Watching Ticket Bridge's tickets for changes made by anyone in ServiceNow.
//!
//! One poll is one request: the `task` table for this tenant's tickets updated at or after the
//! watermark, oldest change first, only the fields the cards and notifications need, no count.
//! ServiceNow's `sys_updated_on` has one-second resolution, so the query uses `>=` and the
//! watermark remembers the `sys_mod_count` of every ticket seen in its last second: a change in
//! that same second is reported, a ticket already reported is not, also after a restart (the
//! watermark serializes). The first poll of an empty watermark only learns the current state.
//!
//! No timers and no Tauri here: the watcher loop ([`super::watcher`]) calls [`poll_full`].

use super::model::{TICKET_FIELDS, Ticket, field_str};
use super::{TicketKind, correlation::Owners};
use crate::error::Result;
use crate::servicenow::client::ServiceNow;
use crate::servicenow::table::JournalEntry;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields one poll reads: what the cards show, plus who the ticket is assigned to.
pub fn watch_fields() -> Vec<&'static str> {
    let mut f = TICKET_FIELDS.to_vec();
    f.push("assigned_to");
    f
}
/// At most this many changed tickets per poll; the rest come with the next one.
pub const WATCH_LIMIT: usize = 200;
/// The longest comment text a notification carries.
const COMMENT_CHARS: usize = 200;

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
    /// `sys_updated_on` of this sighting.
    #[serde(default)]
    pub updated_on: Option<DateTime<Utc>>,
    /// The passed due date was already reported (or had passed before the watch began).
    #[serde(default)]
    pub due_reported: bool,
    /// Journal entries already reported that were written in the second of `updated_on`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal_ids: Vec<String>,
    /// Learned from ServiceNow's answer when Ticket Bridge created the ticket, not from a poll:
    /// a change after it is told even by the very first poll.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_creation: bool,
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
        /// The assignee's sys_id; `None` when the ticket was unassigned.
        to: Option<String>,
        /// The assignee's name, when ServiceNow told it.
        name: Option<String>,
    },
    PriorityChanged {
        from: Option<u8>,
        to: Option<u8>,
    },
    /// Closed or canceled: the ticket is no longer active.
    Closed {
        state: String,
    },
    /// A comment (`work_note: false`) or work note added by someone.
    Commented {
        work_note: bool,
        by: Option<String>,
        text: String,
    },
    /// The due date passed while the ticket is still open.
    DuePassed {
        due: DateTime<Utc>,
    },
    /// Updated without a change the watcher can name.
    Updated,
    /// The Secure Score confirms the fix, or does not (yet), or the fix regressed.
    Scored {
        verdict: crate::secure_score::verify::Verdict,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketChange {
    pub sys_id: String,
    pub number: String,
    pub kind: Option<TicketKind>,
    pub name: String,
    /// The state after the change (its value; the caller names it).
    pub state: String,
    pub changes: Vec<Change>,
    /// The previous sighting's time and reported journal entries (to tell new comments).
    #[serde(skip)]
    previous: Option<(Option<DateTime<Utc>>, Vec<String>)>,
}

impl TicketChange {
    /// A change as the app reports it (tests and the due-date check build them this way).
    pub fn new(
        sys_id: &str,
        number: &str,
        kind: Option<TicketKind>,
        name: &str,
        state: &str,
        changes: Vec<Change>,
    ) -> Self {
        Self {
            sys_id: sys_id.to_owned(),
            number: number.to_owned(),
            kind,
            name: name.to_owned(),
            state: state.to_owned(),
            changes,
            previous: None,
        }
    }
}

/// What one poll found.
#[derive(Debug, Clone, Default)]
pub struct PollResult {
    pub changes: Vec<TicketChange>,
    /// Every ticket the poll read (new and changed), to update the cached list.
    pub tickets: Vec<Ticket>,
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
        updated_on: t.sys_updated_on,
        due_reported: false,
        journal_ids: Vec::new(),
        from_creation: false,
    }
}

/// Learns a ticket Ticket Bridge just created, from ServiceNow's answer to the write: its state
/// and `sys_mod_count` at creation. Any change made after it is then a change, however soon it
/// comes (even before the first poll). A ticket the watermark knows already is left alone.
pub fn learn_created(mark: &mut Watermark, record: &Value) {
    let Some(t) = Ticket::from_record(record, None) else {
        return;
    };
    if !crate::servicenow::table::is_sys_id(&t.sys_id) || mark.tickets.contains_key(&t.sys_id) {
        return;
    }
    let mut seen = seen_of(record, &t);
    seen.from_creation = true;
    mark.tickets.insert(t.sys_id, seen);
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
            name: None,
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

fn is_overdue(seen: &Seen, now: DateTime<Utc>) -> bool {
    seen.active != Some(false) && seen.due_date.is_some_and(|d| d <= now)
}

/// Folds one page of records into the watermark; returns the changes to report and the
/// tickets read. A due date already past when a ticket is first seen is learned, not reported.
pub fn apply(mark: &mut Watermark, records: &[Value], now: DateTime<Utc>) -> PollResult {
    let first_poll = mark.updated_on.is_none();
    let mut out = PollResult::default();
    for record in records {
        let Some(t) = Ticket::from_record(record, None) else {
            continue;
        };
        let mut new = seen_of(record, &t);
        let updated = t.sys_updated_on;
        match mark.tickets.get(&t.sys_id) {
            // Already known at this modification: the same second seen again.
            Some(old) if new.mod_count <= old.mod_count => {}
            Some(old) => {
                let changes = diff(old, &new);
                new.from_creation = false;
                // A due date that did not move keeps its "reported" mark.
                new.due_reported = old.due_reported && old.due_date == new.due_date;
                if !changes.is_empty() && (!first_poll || old.from_creation) {
                    out.changes.push(TicketChange {
                        sys_id: t.sys_id.clone(),
                        number: new.number.clone(),
                        kind: new.kind,
                        name: new.name.clone(),
                        state: new.state.clone(),
                        changes,
                        previous: Some((old.updated_on, old.journal_ids.clone())),
                    });
                }
                mark.tickets.insert(t.sys_id.clone(), new);
                out.tickets.push(t);
            }
            None => {
                new.due_reported = is_overdue(&new, now);
                mark.tickets.insert(t.sys_id.clone(), new);
                out.tickets.push(t);
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

/// Open tickets whose due date has passed since they were last looked at, each reported once.
/// Needs no request: the due dates are in the watermark.
pub fn due_passed(mark: &mut Watermark, now: DateTime<Utc>) -> Vec<TicketChange> {
    let mut out = Vec::new();
    for (sys_id, seen) in mark.tickets.iter_mut() {
        if seen.due_reported || !is_overdue(seen, now) {
            continue;
        }
        seen.due_reported = true;
        out.push(TicketChange {
            sys_id: sys_id.clone(),
            number: seen.number.clone(),
            kind: seen.kind,
            name: seen.name.clone(),
            state: seen.state.clone(),
            changes: vec![Change::DuePassed {
                due: seen.due_date.unwrap_or(now),
            }],
            previous: None,
        });
    }
    out
}

/// The ids of the changed tickets whose comments to read, and since when: one request, made
/// only when something changed.
fn journal_scope(changes: &[TicketChange]) -> Option<(Vec<&str>, Option<DateTime<Utc>>)> {
    let ids: Vec<&str> = changes
        .iter()
        .filter(|c| c.previous.is_some())
        .map(|c| c.sys_id.as_str())
        .collect();
    if ids.is_empty() {
        return None;
    }
    let since = changes
        .iter()
        .filter_map(|c| c.previous.as_ref().and_then(|p| p.0))
        .min();
    Some((ids, since))
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= COMMENT_CHARS {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(COMMENT_CHARS - 1).collect();
    s.push('…');
    s
}

/// Turns the journal entries into `Commented` changes: an entry is new when written after the
/// previous sighting, or in its very second and not reported then.
pub(crate) fn add_comments(
    mark: &mut Watermark,
    changes: &mut [TicketChange],
    entries: &[JournalEntry],
) {
    for change in changes.iter_mut() {
        let Some((since, reported)) = change.previous.clone() else {
            continue;
        };
        let mut found = false;
        for e in entries.iter().filter(|e| e.ticket == change.sys_id) {
            let created = e.created_on;
            let new = match (created, since) {
                (Some(c), Some(s)) => c > s || (c == s && !reported.contains(&e.sys_id)),
                _ => true,
            };
            if let Some(seen) = mark.tickets.get_mut(&change.sys_id)
                && created.is_some()
                && created == seen.updated_on
                && !seen.journal_ids.contains(&e.sys_id)
            {
                seen.journal_ids.push(e.sys_id.clone());
            }
            if !new {
                continue;
            }
            found = true;
            change.changes.push(Change::Commented {
                work_note: e.work_note,
                by: e.created_by.clone(),
                text: shorten(&e.text),
            });
        }
        if found {
            change.changes.retain(|c| *c != Change::Updated);
        }
    }
}

/// Names the assignees of `Assigned` changes (one small read per new assignee).
async fn name_assignees(api: &ServiceNow, changes: &mut [TicketChange]) {
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    for change in changes.iter_mut() {
        for c in change.changes.iter_mut() {
            let Change::Assigned { to: Some(id), name } = c else {
                continue;
            };
            if !names.contains_key(id.as_str()) {
                let found = match api.user_name(id).await {
                    Ok(n) => n,
                    Err(e) => {
                        log::info!("the assignee's name could not be read: {}", e.message);
                        None
                    }
                };
                names.insert(id.clone(), found);
            }
            *name = names.get(id.as_str()).cloned().flatten();
        }
    }
}

/// One poll: one request when nothing changed; when something did, one more for the comments
/// of the changed tickets and one per new assignee. Then the due dates that passed.
pub async fn poll_full<O: Owners + ?Sized>(
    api: &ServiceNow,
    owners: &O,
    mark: &mut Watermark,
    now: DateTime<Utc>,
) -> Result<PollResult> {
    let rows = api
        .tickets_changed_since(
            &owners.prefixes(),
            mark.updated_on,
            &watch_fields(),
            WATCH_LIMIT,
        )
        .await?;
    // ServiceNow ignores query parts it cannot use: only this install's tickets are watched.
    let records: Vec<Value> = rows
        .into_iter()
        .filter(|r| r.str("correlation_id").is_some_and(|c| owners.owns_text(c)))
        .map(|r| r.value().clone())
        .collect();
    let mut result = apply(mark, &records, now);
    if let Some((ids, since)) = journal_scope(&result.changes) {
        match api.journal_entries(&ids, since, 100).await {
            Ok(entries) => add_comments(mark, &mut result.changes, &entries),
            // The change itself is still worth telling; it stays "updated".
            Err(e) => log::info!("the comments could not be read: {}", e.message),
        }
    }
    name_assignees(api, &mut result.changes).await;
    let mut due = due_passed(mark, now);
    result.changes.append(&mut due);
    Ok(result)
}

/// One poll, the changes only (see [`poll_full`]).
pub async fn poll<O: Owners + ?Sized>(
    api: &ServiceNow,
    owners: &O,
    mark: &mut Watermark,
) -> Result<Vec<TicketChange>> {
    Ok(poll_full(api, owners, mark, Utc::now()).await?.changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::table::parse_sn_datetime;
    use serde_json::json;

    fn apply_now(m: &mut Watermark, r: &[Value]) -> Vec<TicketChange> {
        apply(m, r, Utc::now()).changes
    }

    /// A sys_id (32 hex characters) for a short test id.
    fn sid(id: &str) -> String {
        format!("{id:0>32}")
    }

    fn rec(id: &str, state: &str, mods: u64, at: &str) -> Value {
        json!({"sys_id": sid(id), "number": format!("INC{id}"), "sys_class_name": "incident",
               "short_description": "x", "state": state, "priority": "3", "active": "true",
               "assigned_to": "", "sys_updated_on": at, "sys_mod_count": mods.to_string(),
               "correlation_id": "tb1/local/A/00000000"})
    }

    #[test]
    fn the_first_poll_learns_then_changes_are_reported_once() {
        let mut m = Watermark::default();
        assert!(apply_now(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]).is_empty());
        // The same second again, nothing new.
        assert!(apply_now(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]).is_empty());
        // Another change in the same second: reported.
        let c = apply_now(&mut m, &[rec("1", "2", 1, "2026-11-23 10:00:00")]);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].changes,
            vec![Change::StateChanged {
                from: "1".into(),
                to: "2".into()
            }]
        );
        // Seen again at the watermark: not reported twice.
        assert!(apply_now(&mut m, &[rec("1", "2", 1, "2026-11-23 10:00:00")]).is_empty());
        // A comment: only the mod count moves.
        let c = apply_now(&mut m, &[rec("1", "2", 2, "2026-11-23 10:00:05")]);
        assert_eq!(c[0].changes, vec![Change::Updated]);
        assert_eq!(m.updated_on, parse_sn_datetime("2026-11-23 10:00:05"));
    }

    #[test]
    fn closing_assigning_and_priority() {
        let mut m = Watermark::default();
        apply_now(&mut m, &[rec("1", "1", 0, "2026-11-23 10:00:00")]);
        let mut r = rec("1", "7", 1, "2026-11-23 10:01:00");
        r["active"] = json!("false");
        r["assigned_to"] = json!("abc");
        r["priority"] = json!("2");
        let c = apply_now(&mut m, &[r]);
        assert_eq!(
            c[0].changes,
            vec![
                Change::Closed { state: "7".into() },
                Change::Assigned {
                    to: Some("abc".into()),
                    name: None
                },
                Change::PriorityChanged {
                    from: Some(3),
                    to: Some(2)
                }
            ]
        );
    }

    #[test]
    fn a_passed_due_date_is_told_once_and_again_after_it_moves() {
        let at = |s: &str| parse_sn_datetime(s).unwrap();
        let mut m = Watermark::default();
        let mut r1 = rec("1", "2", 0, "2026-11-23 10:00:00");
        r1["due_date"] = json!("2026-11-24 12:00:00");
        // Overdue when first seen: learned, not told.
        let mut r2 = rec("2", "2", 0, "2026-11-23 10:00:00");
        r2["due_date"] = json!("2026-11-01 12:00:00");
        apply(&mut m, &[r1.clone(), r2], at("2026-11-23 10:00:00"));
        assert!(due_passed(&mut m, at("2026-11-24 11:59:59")).is_empty());
        let due = due_passed(&mut m, at("2026-11-24 12:00:01"));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].sys_id, sid("1"));
        assert!(matches!(due[0].changes[0], Change::DuePassed { .. }));
        assert!(
            due_passed(&mut m, at("2026-11-25 09:00:00")).is_empty(),
            "told once"
        );
        // The fulfiller moves the due date: it can pass again.
        r1["due_date"] = json!("2026-11-26 12:00:00");
        r1["sys_mod_count"] = json!("1");
        r1["sys_updated_on"] = json!("2026-11-25 09:00:00");
        apply(&mut m, &[r1.clone()], at("2026-11-25 09:00:00"));
        assert_eq!(due_passed(&mut m, at("2026-11-26 12:00:01")).len(), 1);
        // A closed ticket's due date does not matter.
        r1["due_date"] = json!("2026-11-27 12:00:00");
        r1["active"] = json!("false");
        r1["state"] = json!("7");
        r1["sys_mod_count"] = json!("2");
        apply(&mut m, &[r1], at("2026-11-26 13:00:00"));
        assert!(due_passed(&mut m, at("2026-11-28 00:00:00")).is_empty());
    }

    #[test]
    fn comments_are_told_once_also_in_the_same_second() {
        let at = |s: &str| parse_sn_datetime(s).unwrap();
        let mut m = Watermark::default();
        apply(
            &mut m,
            &[rec("1", "2", 0, "2026-11-23 10:00:00")],
            at("2026-11-23 10:00:00"),
        );
        let entry = |id: &str, when: &str, text: &str| JournalEntry {
            sys_id: id.into(),
            ticket: sid("1"),
            work_note: true,
            text: text.into(),
            created_on: parse_sn_datetime(when),
            created_by: Some("beth.agent".into()),
        };
        let mut r = apply(
            &mut m,
            &[rec("1", "2", 1, "2026-11-23 10:00:05")],
            at("2026-11-23 10:00:05"),
        );
        add_comments(
            &mut m,
            &mut r.changes,
            &[entry("j1", "2026-11-23 10:00:05", "first")],
        );
        assert_eq!(
            r.changes[0].changes,
            vec![Change::Commented {
                work_note: true,
                by: Some("beth.agent".into()),
                text: "first".into()
            }]
        );
        // A second note in the same second: only the new one is told.
        let mut r = apply(
            &mut m,
            &[rec("1", "2", 2, "2026-11-23 10:00:05")],
            at("2026-11-23 10:00:05"),
        );
        add_comments(
            &mut m,
            &mut r.changes,
            &[
                entry("j1", "2026-11-23 10:00:05", "first"),
                entry("j2", "2026-11-23 10:00:05", "second"),
            ],
        );
        assert_eq!(r.changes[0].changes.len(), 1);
        assert!(
            matches!(&r.changes[0].changes[0], Change::Commented { text, .. } if text == "second")
        );
        assert_eq!(shorten(&"x".repeat(500)).chars().count(), COMMENT_CHARS);
    }

    #[test]
    fn the_watermark_survives_serialization() {
        let mut m = Watermark::default();
        apply_now(&mut m, &[rec("1", "1", 3, "2026-11-23 10:00:00")]);
        let back: Watermark = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let mut b = back;
        assert!(apply_now(&mut b, &[rec("1", "1", 3, "2026-11-23 10:00:00")]).is_empty());
    }
}
