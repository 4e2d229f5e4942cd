//! The ticket vocabulary: which table a ticket lives in ([`TicketKind`]), the priority and the
//! impact and urgency that produce it ([`Priority`]), where a recommendation came from
//! ([`RecommendationSource`]), Secure Score's categories ([`Category`]), and the read model of a
//! ticket as the Table API returns it ([`Ticket`]).
//!
//! Everything here is pure: no I/O, no clock. Parsing ServiceNow's answers is total: whatever
//! JSON arrives, nothing here panics; a field that is missing or unreadable becomes `None`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

pub use crate::servicenow::kinds::TicketKind;
pub use crate::servicenow::table::{SN_DATE_TIME, field_str, parse_sn_datetime};

/// A ticket's priority. ServiceNow computes it from impact × urgency and does not accept it on
/// write, so Ticket Bridge sends [`Priority::impact_urgency`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Priority {
    Critical = 1,
    High = 2,
    Moderate = 3,
    Low = 4,
    Planning = 5,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::Critical,
        Priority::High,
        Priority::Moderate,
        Priority::Low,
        Priority::Planning,
    ];

    pub fn value(self) -> u8 {
        self as u8
    }

    pub fn from_value(v: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.value() == v)
    }

    /// The impact and urgency (1 High, 2 Medium, 3 Low) that give this priority on a default
    /// instance: (1,1) Critical, (1,2) High, (2,2) Moderate, (2,3) Low, (3,3) Planning.
    pub fn impact_urgency(self) -> (u8, u8) {
        match self {
            Self::Critical => (1, 1),
            Self::High => (1, 2),
            Self::Moderate => (2, 2),
            Self::Low => (2, 3),
            Self::Planning => (3, 3),
        }
    }

    /// The priority a default instance computes from impact and urgency (each 1..=3).
    pub fn from_impact_urgency(impact: u8, urgency: u8) -> Option<Self> {
        if !(1..=3).contains(&impact) || !(1..=3).contains(&urgency) {
            return None;
        }
        Self::from_value(impact + urgency - 1)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Critical => "Critical",
            Self::High => "High",
            Self::Moderate => "Moderate",
            Self::Low => "Low",
            Self::Planning => "Planning",
        }
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.value()
    }
}

impl TryFrom<u8> for Priority {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Self::from_value(v).ok_or_else(|| format!("priority must be 1 to 5, not {v}"))
    }
}

/// Who recommended the improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationSource {
    Microsoft,
    User,
}

impl RecommendationSource {
    pub fn label(self) -> &'static str {
        match self {
            Self::Microsoft => "Microsoft recommendation",
            Self::User => "User recommendation",
        }
    }
}

/// Secure Score's categories, as the portal names them (and so on the wire: `"Identity"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    Identity,
    Data,
    Devices,
    Apps,
    Infrastructure,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Self::Identity => "Identity",
            Self::Data => "Data",
            Self::Devices => "Devices",
            Self::Apps => "Apps",
            Self::Infrastructure => "Infrastructure",
        }
    }
}

impl FromStr for Category {
    type Err = String;

    /// Accepts the portal's names and Graph's `controlCategory` spellings (`Device`, and the old
    /// `Account` for Identity), in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "identity" | "account" => Ok(Self::Identity),
            "data" => Ok(Self::Data),
            "device" | "devices" => Ok(Self::Devices),
            "apps" | "app" => Ok(Self::Apps),
            "infrastructure" => Ok(Self::Infrastructure),
            _ => Err(format!("unknown Secure Score category '{s}'")),
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A ticket as Ticket Bridge shows it, read from the Table API (raw values, not display values).
/// Only `sys_id` is certain; anything ServiceNow did not send, or sent in a shape Ticket Bridge
/// cannot read, is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub sys_id: String,
    pub number: Option<String>,
    pub kind: Option<TicketKind>,
    pub short_description: Option<String>,
    /// The `state` choice value (`"-5"`, `"2"`...); labels come from `sys_choice`.
    pub state: Option<String>,
    pub priority: Option<Priority>,
    pub due_date: Option<DateTime<Utc>>,
    pub category: Option<String>,
    pub correlation_id: Option<String>,
    pub sys_updated_on: Option<DateTime<Utc>>,
    pub sys_mod_count: Option<u64>,
    pub active: Option<bool>,
    /// When the ticket was made (files written before this was read have none).
    #[serde(default)]
    pub sys_created_on: Option<DateTime<Utc>>,
}

impl Ticket {
    /// Closed, canceled or resolved: the work on it is done.
    pub fn is_done(&self) -> bool {
        self.active == Some(false)
            || match (self.kind, self.state.as_deref()) {
                (Some(k), Some(s)) => k.is_done_state(s),
                _ => false,
            }
    }

    /// Reads one record. `None` when it is not an object or has no `sys_id`. The kind comes from
    /// `sys_class_name`, else from the number's prefix, else from `table` (the table asked).
    pub fn from_record(record: &Value, table: Option<TicketKind>) -> Option<Ticket> {
        let s = |f: &str| field_str(record, f).map(str::to_owned);
        let sys_id = s("sys_id")?;
        if !crate::servicenow::table::is_sys_id(&sys_id) {
            // It would go into URLs, paths and queries: a record with another id is left out.
            log::warn!("ignoring a record whose sys_id is not one: {sys_id:?}");
            return None;
        }
        let number = s("number");
        let kind = field_str(record, "sys_class_name")
            .and_then(TicketKind::from_table)
            .or_else(|| number.as_deref().and_then(TicketKind::from_number))
            .or(table);
        Some(Ticket {
            sys_id,
            number,
            kind,
            short_description: s("short_description"),
            state: s("state"),
            priority: field_str(record, "priority")
                .and_then(|p| p.trim().parse::<u8>().ok())
                .and_then(Priority::from_value),
            due_date: field_str(record, "due_date").and_then(parse_sn_datetime),
            category: s("category"),
            correlation_id: s("correlation_id"),
            sys_updated_on: field_str(record, "sys_updated_on").and_then(parse_sn_datetime),
            sys_mod_count: field_str(record, "sys_mod_count").and_then(|c| c.trim().parse().ok()),
            active: match field_str(record, "active") {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
            sys_created_on: field_str(record, "sys_created_on").and_then(parse_sn_datetime),
        })
    }

    /// Reads a Table API list body (`{"result":[...]}`), skipping records it cannot read.
    pub fn list_from_body(body: &Value, table: Option<TicketKind>) -> Vec<Ticket> {
        body.get("result")
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| Ticket::from_record(r, table))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The fields [`Ticket`] reads (the Table API sends only these).
pub const TICKET_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "sys_class_name",
    "short_description",
    "state",
    "priority",
    "due_date",
    "category",
    "correlation_id",
    "sys_updated_on",
    "sys_mod_count",
    "active",
    "sys_created_on",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_priority_has_the_impact_and_urgency_that_give_it() {
        let expected = [
            (Priority::Critical, (1, 1)),
            (Priority::High, (1, 2)),
            (Priority::Moderate, (2, 2)),
            (Priority::Low, (2, 3)),
            (Priority::Planning, (3, 3)),
        ];
        for (p, iu) in expected {
            assert_eq!(p.impact_urgency(), iu);
            assert_eq!(Priority::from_impact_urgency(iu.0, iu.1), Some(p));
        }
        // The whole matrix from servicenow-api.md §3.
        let matrix = [
            ((1, 1), 1),
            ((1, 2), 2),
            ((2, 1), 2),
            ((1, 3), 3),
            ((2, 2), 3),
            ((3, 1), 3),
            ((2, 3), 4),
            ((3, 2), 4),
            ((3, 3), 5),
        ];
        for ((i, u), p) in matrix {
            assert_eq!(Priority::from_impact_urgency(i, u).unwrap().value(), p);
        }
        assert_eq!(Priority::from_impact_urgency(0, 1), None);
        assert_eq!(Priority::from_impact_urgency(1, 4), None);
        assert_eq!(serde_json::to_value(Priority::Low).unwrap(), json!(4));
        assert!(serde_json::from_value::<Priority>(json!(6)).is_err());
    }

    #[test]
    fn kinds_and_categories() {
        assert_eq!(TicketKind::ChangeRequest.table(), "change_request");
        assert_eq!(TicketKind::Incident.table(), "incident");
        assert_eq!(
            serde_json::to_value(TicketKind::ChangeRequest).unwrap(),
            json!("change_request")
        );
        for (s, c) in [
            ("Identity", Category::Identity),
            ("Account", Category::Identity),
            ("Device", Category::Devices),
            ("devices", Category::Devices),
            (" Data ", Category::Data),
            ("Apps", Category::Apps),
            ("INFRASTRUCTURE", Category::Infrastructure),
        ] {
            assert_eq!(s.parse::<Category>(), Ok(c), "{s}");
        }
        assert!("Network".parse::<Category>().is_err());
    }

    #[test]
    fn tickets_parse_from_table_api_strings() {
        let r = json!({
            "sys_id": "0123456789abcdef0123456789abcdef",
            "number": "CHG0030012",
            "sys_class_name": "change_request",
            "short_description": "Enable MFA",
            "state": "-5",
            "priority": "2",
            "due_date": "2026-07-01 23:59:59",
            "category": "",
            "correlation_id": "tb1/t/AdminMFAV2/0a1b2c3d",
            "sys_updated_on": "2026-06-29 10:00:00",
            "sys_mod_count": "3",
            "active": "true",
            "assigned_to": {"link": "https://x/api/now/table/sys_user/1", "value": "1"}
        });
        let t = Ticket::from_record(&r, None).unwrap();
        assert_eq!(t.kind, Some(TicketKind::ChangeRequest));
        assert_eq!(t.priority, Some(Priority::High));
        assert_eq!(t.state.as_deref(), Some("-5"));
        assert_eq!(t.category, None, "empty is missing");
        assert_eq!(
            t.due_date.unwrap().format(SN_DATE_TIME).to_string(),
            "2026-07-01 23:59:59"
        );
        assert_eq!(t.sys_mod_count, Some(3));
        assert_eq!(t.active, Some(true));
        // Odd shapes become None, never a panic.
        let id = "0123456789abcdef0123456789abcdef";
        let odd = json!({"sys_id": {"value": id}, "priority": "9", "active": "yes",
            "sys_mod_count": "-1", "due_date": "tomorrow", "number": 5});
        let t = Ticket::from_record(&odd, Some(TicketKind::Incident)).unwrap();
        assert_eq!(t.sys_id, id);
        assert_eq!(
            (t.priority, t.active, t.sys_mod_count, t.due_date, t.number),
            (None, None, None, None, None)
        );
        assert_eq!(t.kind, Some(TicketKind::Incident));
        assert_eq!(Ticket::from_record(&json!({"number": "INC1"}), None), None);
        // A sys_id that is not one would end up in URLs and queries: the record is left out.
        for bad in [
            "abc",
            "../../api/now/table/sys_user",
            "0123456789ABCDEF0123456789ABCDEF",
        ] {
            assert_eq!(
                Ticket::from_record(&json!({"sys_id": bad}), None),
                None,
                "{bad}"
            );
        }
        assert_eq!(Ticket::from_record(&json!([1, 2]), None), None);
        assert_eq!(
            Ticket::list_from_body(&json!({"result": [r, 1, {"sys_id": ""}]}), None).len(),
            1
        );
        assert!(Ticket::list_from_body(&json!({"result": {}}), None).is_empty());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,24}".prop_map(Value::String),
            prop_oneof![
                Just("sys_id"),
                Just("number"),
                Just("priority"),
                Just("due_date"),
                Just("active"),
                Just("sys_mod_count"),
                Just("sys_class_name"),
                Just("9999-99-99 99:99:99"),
                Just("-1"),
                Just("CHG"),
                Just("INC")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            let keys = prop_oneof![
                Just("sys_id".to_string()),
                Just("number".to_string()),
                Just("priority".to_string()),
                Just("due_date".to_string()),
                Just("active".to_string()),
                Just("sys_mod_count".to_string()),
                Just("sys_class_name".to_string()),
                Just("value".to_string()),
                Just("result".to_string()),
                Just("sys_updated_on".to_string()),
                ".{0,8}",
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(keys, inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_table_api_parser_never_panics(v in json(), hint in prop::option::of(prop_oneof![Just(TicketKind::Incident), Just(TicketKind::ChangeRequest)])) {
            if let Some(t) = Ticket::from_record(&v, hint) {
                prop_assert!(!t.sys_id.is_empty());
            }
            let _ = Ticket::list_from_body(&v, hint);
            let _ = Ticket::list_from_body(&serde_json::json!({"result": [v.clone()]}), hint);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                let _ = Ticket::list_from_body(&v, None);
            }
            let s = String::from_utf8_lossy(&bytes);
            let _ = parse_sn_datetime(&s);
            let _ = s.parse::<Category>();
        }
    }
}
