//! The duplicate check: before a new draft, is a ticket for the same improvement action still
//! open in ServiceNow? One read on `task` covers incidents and change requests.
//! Reads only; it never creates or changes a ticket.

use super::correlation::action_query;
use super::model::{TICKET_FIELDS, Ticket};
use super::table_url;
use crate::error::Result;
use crate::servicenow::client::ServiceNow;

/// How many rows to ask for: `sysparm_limit` applies before ACL filtering, so asking for one
/// could hide a visible ticket behind a hidden one.
const LIMIT: &str = "20";

/// The encoded query for the open tickets of one action, incidents and change requests.
pub fn open_tickets_query(tenant: &str, action_id: &str) -> String {
    format!(
        "sys_class_nameINincident,change_request^{}^ORDERBYDESCsys_created_on",
        action_query(tenant, action_id)
    )
}

/// The newest active ticket Ticket Bridge raised for `action_id` in `tenant`, if any, so the UI
/// can say "CHG0030012 is already open for this action".
pub async fn open_ticket_for_action(
    api: &ServiceNow,
    tenant: &str,
    action_id: &str,
) -> Result<Option<Ticket>> {
    let query = open_tickets_query(tenant, action_id);
    let url = table_url(
        "task",
        &[
            ("sysparm_query", query.as_str()),
            ("sysparm_fields", TICKET_FIELDS),
            ("sysparm_exclude_reference_link", "true"),
            ("sysparm_limit", LIMIT),
        ],
    );
    let answer = api
        .get(&url, "check for an open ticket for this action")
        .await?;
    let prefix = super::correlation::action_prefix(tenant, action_id);
    // ServiceNow ignores query parts it cannot parse: check again here.
    Ok(Ticket::list_from_body(&answer.body, None)
        .into_iter()
        .find(|t| {
            t.active != Some(false)
                && t.correlation_id
                    .as_deref()
                    .is_some_and(|c| c.starts_with(&prefix))
        }))
}
