//! The registry of ticket kinds: for each kind of ticket Ticket Bridge creates, its table, its
//! number prefix, the states of a default instance, the roles that create it, the fields every
//! record of it carries, and the key of its words in the UI's locale files.
//!
//! Everything that lists the kinds (the watcher's query, the full sync, the state labels, the
//! connection check, the UI's cards and forms) reads this one list, so a new kind is one entry
//! here plus its translations. Table names live here, inside `servicenow/`, with the rest of
//! the wire.

use serde::{Deserialize, Serialize};

/// Which table a ticket is created in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// (`changeRequest` is how files written before the registry name it.)
    #[serde(alias = "changeRequest")]
    ChangeRequest,
    Incident,
}

/// One state of a kind, as a default instance has it (instances rename them: the labels read
/// from `sys_choice` win, and the admin's own names win over those).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSpec {
    pub value: &'static str,
    pub label: &'static str,
    /// Closed or canceled: the ticket is done.
    pub closed: bool,
    /// Resolved: the fix is in, the ticket waits to be closed.
    #[serde(skip)]
    pub resolved: bool,
}

/// Everything Ticket Bridge knows about one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindSpec {
    pub kind: TicketKind,
    /// The ServiceNow table (also the value of `sys_class_name`).
    pub table: &'static str,
    /// The number prefix (`CHG0030001`).
    pub number_prefix: &'static str,
    pub states: &'static [StateSpec],
    /// Roles that may create this kind on a default instance.
    pub create_roles: &'static [&'static str],
    /// Fields every new record of this kind is sent with.
    #[serde(skip)]
    pub fixed_fields: &'static [(&'static str, &'static str)],
    /// The UI's words for this kind live under `kinds.{locale_key}` in `ui/locales/*.json`.
    pub locale_key: &'static str,
    /// The connection check's line for the rights on this kind (`doctor.checks.{id}`).
    pub rights_check: &'static str,
    /// English names, for logs and messages.
    #[serde(skip)]
    pub name: &'static str,
    #[serde(skip)]
    pub plural: &'static str,
}

const fn st(value: &'static str, label: &'static str, closed: bool) -> StateSpec {
    StateSpec {
        value,
        label,
        closed,
        resolved: false,
    }
}

const fn resolved(value: &'static str, label: &'static str) -> StateSpec {
    StateSpec {
        value,
        label,
        closed: false,
        resolved: true,
    }
}

/// Every kind, in the order the UI shows them.
pub const KINDS: [KindSpec; 2] = [
    KindSpec {
        kind: TicketKind::ChangeRequest,
        table: "change_request",
        number_prefix: "CHG",
        states: &[
            st("-5", "New", false),
            st("-4", "Assess", false),
            st("-3", "Authorize", false),
            st("-2", "Scheduled", false),
            st("-1", "Implement", false),
            st("0", "Review", false),
            st("3", "Closed", true),
            st("4", "Canceled", true),
        ],
        create_roles: &["itil", "admin", "sn_change_write"],
        // Since Quebec a change without a type falls to a release-dependent model.
        fixed_fields: &[("type", "normal")],
        locale_key: "change_request",
        rights_check: "change_rights",
        name: "change request",
        plural: "change requests",
    },
    KindSpec {
        kind: TicketKind::Incident,
        table: "incident",
        number_prefix: "INC",
        states: &[
            st("1", "New", false),
            st("2", "In Progress", false),
            st("3", "On Hold", false),
            resolved("6", "Resolved"),
            st("7", "Closed", true),
            st("8", "Canceled", true),
        ],
        create_roles: &["itil", "admin", "sn_incident_write"],
        fixed_fields: &[],
        locale_key: "incident",
        rights_check: "incident_rights",
        name: "incident",
        plural: "incidents",
    },
];

impl TicketKind {
    pub const ALL: [TicketKind; KINDS.len()] = [KINDS[0].kind, KINDS[1].kind];

    pub fn spec(self) -> &'static KindSpec {
        // KINDS holds every variant; the match keeps that true at compile time.
        match self {
            Self::ChangeRequest => &KINDS[0],
            Self::Incident => &KINDS[1],
        }
    }

    /// The ServiceNow table name.
    pub fn table(self) -> &'static str {
        self.spec().table
    }

    /// The kind of a table name (`sys_class_name`), if it is one Ticket Bridge makes.
    pub fn from_table(table: &str) -> Option<Self> {
        KINDS.iter().find(|k| k.table == table).map(|k| k.kind)
    }

    /// The kind a ticket number says (`CHG…`, `INC…`).
    pub fn from_number(number: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|k| number.starts_with(k.number_prefix))
            .map(|k| k.kind)
    }

    /// English name, for messages and logs.
    pub fn label(self) -> &'static str {
        self.spec().name
    }

    pub fn plural(self) -> &'static str {
        self.spec().plural
    }

    /// Whether `state` means the work is done (closed, canceled or resolved).
    pub fn is_done_state(self, state: &str) -> bool {
        self.spec()
            .states
            .iter()
            .any(|s| (s.closed || s.resolved) && s.value == state)
    }

    /// Whether `state` ends a ticket of this kind on a default instance.
    pub fn is_closed_state(self, state: &str) -> bool {
        self.spec()
            .states
            .iter()
            .any(|s| s.closed && s.value == state)
    }
}

/// The tables of every kind, for queries on `task` (`sys_class_nameIN…`).
pub fn tables() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|k| k.table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_complete_and_consistent() {
        assert_eq!(TicketKind::ALL.len(), KINDS.len());
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind.spec(), k, "spec() of {:?}", k.kind);
            assert_eq!(TicketKind::ALL[i], k.kind);
            assert_eq!(TicketKind::from_table(k.table), Some(k.kind));
            assert_eq!(
                TicketKind::from_number(&format!("{}0010001", k.number_prefix)),
                Some(k.kind)
            );
            assert_eq!(
                serde_json::to_value(k.kind).unwrap(),
                serde_json::json!(k.locale_key),
                "the locale key is the wire name"
            );
            assert!(k.states.iter().any(|s| s.closed) && k.states.iter().any(|s| !s.closed));
            assert!(k.create_roles.contains(&"itil"));
        }
        assert_eq!(TicketKind::from_table("problem"), None);
        assert_eq!(TicketKind::from_number("PRB0000001"), None);
        assert!(TicketKind::Incident.is_closed_state("7"));
        assert!(!TicketKind::Incident.is_closed_state("6"));
        assert!(TicketKind::ChangeRequest.is_closed_state("4"));
        assert_eq!(
            tables().collect::<Vec<_>>().join(","),
            "change_request,incident"
        );
    }
}
