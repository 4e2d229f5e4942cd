//! The duplicate check: before a new draft, is a ticket for the same improvement action still
//! open in ServiceNow? One read covers every kind.
//! Reads only; it never creates or changes a ticket.

use super::correlation::Owners;
use super::model::{TICKET_FIELDS, Ticket};
use crate::error::Result;
use crate::servicenow::client::ServiceNow;

/// How many rows to ask for: the limit applies before ACL filtering, so asking for one could
/// hide a visible ticket behind a hidden one.
const LIMIT: usize = 20;

/// The newest active ticket Ticket Bridge raised for `action_id` in `tenant`, if any, so the UI
/// can say "CHG0030012 is already open for this action".
pub async fn open_ticket_for_action<O: Owners + ?Sized>(
    api: &ServiceNow,
    owners: &O,
    action_id: &str,
) -> Result<Option<Ticket>> {
    let prefixes = owners.action_prefixes(action_id);
    let rows = api.open_tickets(&prefixes, TICKET_FIELDS, LIMIT).await?;
    // ServiceNow ignores query parts it cannot parse: check again here.
    Ok(rows
        .iter()
        .filter_map(|r| Ticket::from_record(r.value(), None))
        .find(|t| {
            t.active != Some(false)
                && t.correlation_id
                    .as_deref()
                    .is_some_and(|c| prefixes.iter().any(|p| c.starts_with(p)))
        }))
}
