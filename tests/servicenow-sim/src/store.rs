//! The record store: tables, their fields and references, choice lists, and
//! the business rules a real instance runs on write (numbering, priority from
//! impact × urgency, invalid choices left unset, `active` from `state`,
//! journal fields, audit fields). Values are stored as ServiceNow returns them
//! with `sysparm_display_value=false`: every value a string, references as a
//! bare sys_id. Rendering and HTTP live in table.rs; this module knows nothing
//! of either.

use rand::Rng;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One stored record: field name → string value.
pub type Record = Map<String, Value>;

/// Who is writing (sets opened_by, sys_created_by, sys_updated_by...).
#[derive(Debug, Clone)]
pub struct Actor {
    pub sys_id: String,
    pub user_name: String,
}

/// A table the Table API serves.
pub struct TableDef {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    /// field → referenced table
    pub references: &'static [(&'static str, &'static str)],
    /// Number prefix and first number (INC0010001, CHG0030001).
    pub numbering: Option<(&'static str, u64)>,
    /// The field shown as the display value of a reference to this table.
    pub display_field: &'static str,
}

const AUDIT: [&str; 6] = [
    "sys_id",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
];

const TASK_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "impact",
    "urgency",
    "priority",
    "opened_by",
    "opened_at",
    "assigned_to",
    "assignment_group",
    "due_date",
    "category",
    "correlation_id",
    "correlation_display",
    "work_notes",
    "comments",
    "active",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "sys_class_name",
    "closed_at",
    "closed_by",
    "close_notes",
    "approval",
    "contact_type",
    "escalation",
    "parent",
    "watch_list",
    "work_notes_list",
    "comments_and_work_notes",
    "made_sla",
    "knowledge",
    "order",
    "sys_domain_path",
    "sys_tags",
];

const INCIDENT_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "impact",
    "urgency",
    "priority",
    "opened_by",
    "opened_at",
    "assigned_to",
    "assignment_group",
    "due_date",
    "category",
    "correlation_id",
    "correlation_display",
    "work_notes",
    "comments",
    "active",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "sys_class_name",
    "closed_at",
    "closed_by",
    "close_notes",
    "approval",
    "contact_type",
    "escalation",
    "parent",
    "watch_list",
    "work_notes_list",
    "comments_and_work_notes",
    "made_sla",
    "knowledge",
    "order",
    "sys_domain_path",
    "sys_tags",
    "caller_id",
    "incident_state",
    "severity",
    "subcategory",
    "close_code",
    "resolved_at",
    "resolved_by",
    "reopen_count",
];

const CHANGE_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "impact",
    "urgency",
    "priority",
    "opened_by",
    "opened_at",
    "assigned_to",
    "assignment_group",
    "due_date",
    "category",
    "correlation_id",
    "correlation_display",
    "work_notes",
    "comments",
    "active",
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "sys_class_name",
    "closed_at",
    "closed_by",
    "close_notes",
    "approval",
    "contact_type",
    "escalation",
    "parent",
    "watch_list",
    "work_notes_list",
    "comments_and_work_notes",
    "made_sla",
    "knowledge",
    "order",
    "sys_domain_path",
    "sys_tags",
    "type",
    "risk",
    "start_date",
    "end_date",
    "requested_by",
    "justification",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "on_hold",
    "phase",
];

const TASK_REFS: &[(&str, &str)] = &[
    ("opened_by", "sys_user"),
    ("assigned_to", "sys_user"),
    ("assignment_group", "sys_user_group"),
    ("closed_by", "sys_user"),
    ("caller_id", "sys_user"),
    ("resolved_by", "sys_user"),
    ("requested_by", "sys_user"),
    ("parent", "task"),
];

static TABLES: &[TableDef] = &[
    TableDef {
        name: "incident",
        fields: INCIDENT_FIELDS,
        references: TASK_REFS,
        numbering: Some(("INC", 10001)),
        display_field: "number",
    },
    TableDef {
        name: "change_request",
        fields: CHANGE_FIELDS,
        references: TASK_REFS,
        numbering: Some(("CHG", 30001)),
        display_field: "number",
    },
    TableDef {
        name: "task",
        fields: TASK_FIELDS,
        references: TASK_REFS,
        numbering: None,
        display_field: "number",
    },
    TableDef {
        name: "sys_user",
        fields: &[
            "sys_id",
            "user_name",
            "name",
            "first_name",
            "last_name",
            "email",
            "title",
            "active",
            "locked_out",
            "web_service_access_only",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
            "sys_class_name",
        ],
        references: &[],
        numbering: None,
        display_field: "name",
    },
    TableDef {
        name: "sys_user_group",
        fields: &[
            "sys_id",
            "name",
            "description",
            "active",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
        ],
        references: &[],
        numbering: None,
        display_field: "name",
    },
    TableDef {
        name: "sys_choice",
        fields: &[
            "sys_id",
            "name",
            "element",
            "value",
            "label",
            "language",
            "sequence",
            "inactive",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
        ],
        references: &[],
        numbering: None,
        display_field: "label",
    },
    TableDef {
        name: "sys_properties",
        fields: &[
            "sys_id",
            "name",
            "value",
            "type",
            "description",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
        ],
        references: &[],
        numbering: None,
        display_field: "name",
    },
    TableDef {
        name: "sys_user_role",
        fields: &[
            "sys_id",
            "name",
            "description",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
        ],
        references: &[],
        numbering: None,
        display_field: "name",
    },
    TableDef {
        name: "sys_user_has_role",
        fields: &[
            "sys_id",
            "user",
            "role",
            "state",
            "inherited",
            "sys_created_on",
            "sys_created_by",
            "sys_updated_on",
            "sys_updated_by",
            "sys_mod_count",
        ],
        references: &[("user", "sys_user"), ("role", "sys_user_role")],
        numbering: None,
        display_field: "role",
    },
    TableDef {
        name: "sys_journal_field",
        fields: &[
            "sys_id",
            "element_id",
            "element",
            "name",
            "value",
            "sys_created_on",
            "sys_created_by",
        ],
        references: &[],
        numbering: None,
        display_field: "value",
    },
];

/// The table's definition, if the Table API serves it.
pub fn table_def(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

/// Tables that extend `task` (the `task` view reads these).
pub const TASK_TABLES: [&str; 2] = ["incident", "change_request"];

pub fn is_task_table(name: &str) -> bool {
    TASK_TABLES.contains(&name) || name == "task"
}

impl TableDef {
    pub fn reference_table(&self, field: &str) -> Option<&'static str> {
        self.references
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, t)| *t)
    }
    pub fn has_field(&self, field: &str) -> bool {
        self.fields.contains(&field)
    }
}

/// Choice values and labels, as sys_choice holds them.
pub fn choices(table: &str, element: &str) -> Option<&'static [(&'static str, &'static str)]> {
    const IMPACT: &[(&str, &str)] = &[("1", "1 - High"), ("2", "2 - Medium"), ("3", "3 - Low")];
    const PRIORITY: &[(&str, &str)] = &[
        ("1", "1 - Critical"),
        ("2", "2 - High"),
        ("3", "3 - Moderate"),
        ("4", "4 - Low"),
        ("5", "5 - Planning"),
    ];
    const INCIDENT_STATE: &[(&str, &str)] = &[
        ("1", "New"),
        ("2", "In Progress"),
        ("3", "On Hold"),
        ("6", "Resolved"),
        ("7", "Closed"),
        ("8", "Canceled"),
    ];
    const CHANGE_STATE: &[(&str, &str)] = &[
        ("-5", "New"),
        ("-4", "Assess"),
        ("-3", "Authorize"),
        ("-2", "Scheduled"),
        ("-1", "Implement"),
        ("0", "Review"),
        ("3", "Closed"),
        ("4", "Canceled"),
    ];
    const CHANGE_TYPE: &[(&str, &str)] = &[
        ("normal", "Normal"),
        ("standard", "Standard"),
        ("emergency", "Emergency"),
    ];
    if !is_task_table(table) {
        return None;
    }
    match (table, element) {
        (_, "impact" | "urgency") => Some(IMPACT),
        (_, "priority") => Some(PRIORITY),
        ("incident", "state" | "incident_state") => Some(INCIDENT_STATE),
        ("change_request", "state") => Some(CHANGE_STATE),
        ("change_request", "type") => Some(CHANGE_TYPE),
        _ => None,
    }
}

/// The label of a choice value, if the field has choices and the value is one.
pub fn choice_label(table: &str, element: &str, value: &str) -> Option<&'static str> {
    choices(table, element)?
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, l)| *l)
}

/// Priority from impact × urgency (1 High, 2 Medium, 3 Low).
pub fn compute_priority(impact: &str, urgency: &str) -> String {
    let i: i64 = impact.parse().unwrap_or(3).clamp(1, 3);
    let u: i64 = urgency.parse().unwrap_or(3).clamp(1, 3);
    (i + u - 1).to_string()
}

/// Whether a task in this state is still active.
pub fn is_active_state(table: &str, state: &str) -> bool {
    match table {
        "incident" => !matches!(state, "6" | "7" | "8"),
        "change_request" => !matches!(state, "3" | "4"),
        _ => true,
    }
}

/// 32 lowercase hex characters, random.
pub fn new_sys_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn is_sys_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A JSON value as ServiceNow stores it: a string. Objects with a `value`
/// (a reference as it was read) give that value.
pub fn to_sn_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => o.get("value").map(to_sn_string).unwrap_or_default(),
        Value::Array(a) => a.iter().map(to_sn_string).collect::<Vec<_>>().join(","),
    }
}

/// Fields a client cannot set (computed or audit).
const READ_ONLY: &[&str] = &[
    "sys_created_on",
    "sys_created_by",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "sys_class_name",
    "number",
    "priority",
    "active",
    "opened_by",
    "incident_state",
    "comments_and_work_notes",
    "work_notes_list",
];

/// Max lengths that a real instance truncates to silently.
fn max_len(field: &str) -> Option<usize> {
    match field {
        "short_description" => Some(160),
        "correlation_id" | "correlation_display" => Some(100),
        _ => None,
    }
}

/// All the tables and their rows (insertion order), plus number counters.
#[derive(Default)]
pub struct Store {
    tables: HashMap<&'static str, Vec<Record>>,
    counters: HashMap<&'static str, u64>,
}

impl Store {
    /// Rows of a table (for `task`: incidents and change requests, oldest first).
    pub fn rows(&self, table: &str) -> Vec<&Record> {
        if table == "task" {
            let mut all: Vec<&Record> = TASK_TABLES
                .iter()
                .flat_map(|t| self.tables.get(t).into_iter().flatten())
                .collect();
            all.sort_by(|a, b| str_field(a, "sys_created_on").cmp(str_field(b, "sys_created_on")));
            return all;
        }
        self.tables
            .get(table)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }

    /// One record by sys_id; the concrete table is returned too (for `task`).
    pub fn find(&self, table: &str, sys_id: &str) -> Option<(&'static str, &Record)> {
        let candidates: Vec<&'static str> = if table == "task" {
            TASK_TABLES.to_vec()
        } else {
            vec![table_def(table)?.name]
        };
        candidates.into_iter().find_map(|t| {
            self.tables
                .get(t)?
                .iter()
                .find(|r| str_field(r, "sys_id") == sys_id)
                .map(|r| (t, r))
        })
    }

    fn find_mut(&mut self, table: &str, sys_id: &str) -> Option<(&'static str, &mut Record)> {
        let (t, _) = self.find(table, sys_id)?;
        let rec = self
            .tables
            .get_mut(t)?
            .iter_mut()
            .find(|r| str_field(r, "sys_id") == sys_id)?;
        Some((t, rec))
    }

    /// Insert a record as the Table API does: defaults, numbering, business
    /// rules. Returns the stored record. `table` must be a concrete table.
    pub fn insert(
        &mut self,
        table: &str,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: &str,
    ) -> Option<Record> {
        self.insert_as(table, fields, actor, now, None)
    }

    /// [`Store::insert`], with the sys_id imposed when `sys_id` is given
    /// (whatever the body asks for; the caller keeps it unique).
    pub fn insert_as(
        &mut self,
        table: &str,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: &str,
        sys_id: Option<&str>,
    ) -> Option<Record> {
        let def = table_def(table).filter(|d| d.name != "task")?;
        let mut rec = Record::new();
        for f in def.fields {
            rec.insert((*f).to_string(), Value::String(String::new()));
        }
        let sys_id = match sys_id {
            Some(id) => id.to_string(),
            None => fields
                .get("sys_id")
                .map(to_sn_string)
                .filter(|s| is_sys_id(s) && self.find(table, s).is_none())
                .unwrap_or_else(new_sys_id),
        };
        set(&mut rec, "sys_id", &sys_id);
        set(&mut rec, "sys_created_on", now);
        set(&mut rec, "sys_created_by", &actor.user_name);
        set(&mut rec, "sys_updated_on", now);
        set(&mut rec, "sys_updated_by", &actor.user_name);
        set(&mut rec, "sys_mod_count", "0");
        if def.has_field("sys_class_name") {
            set(&mut rec, "sys_class_name", table);
        }
        if is_task_table(table) {
            let (prefix, start) = def.numbering.expect("task tables are numbered");
            let counter = self.counters.entry(def.name).or_insert(start);
            let number = format!("{prefix}{:07}", *counter);
            *counter += 1;
            set(&mut rec, "number", &number);
            set(
                &mut rec,
                "state",
                if table == "change_request" { "-5" } else { "1" },
            );
            set(&mut rec, "impact", "3");
            set(&mut rec, "urgency", "3");
            set(&mut rec, "opened_by", &actor.sys_id);
            set(&mut rec, "opened_at", now);
            set(&mut rec, "approval", "not requested");
            set(&mut rec, "contact_type", "");
            set(&mut rec, "escalation", "0");
            set(&mut rec, "made_sla", "true");
            set(&mut rec, "knowledge", "false");
            set(&mut rec, "sys_domain_path", "/");
            if table == "incident" {
                set(&mut rec, "severity", "3");
                set(&mut rec, "reopen_count", "0");
            } else {
                set(&mut rec, "type", "normal");
                set(&mut rec, "risk", "3");
                set(&mut rec, "phase", "requested");
                set(&mut rec, "on_hold", "false");
            }
        }
        if def.has_field("active") {
            set(&mut rec, "active", "true");
        }
        self.apply(def.name, &mut rec, fields, actor, now, true);
        self.tables.entry(def.name).or_default().push(rec.clone());
        Some(rec)
    }

    /// Update a record as PATCH/PUT does. Bumps sys_mod_count and sys_updated_*.
    pub fn update(
        &mut self,
        table: &str,
        sys_id: &str,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: &str,
    ) -> Option<(&'static str, Record)> {
        let (t, mut rec) = {
            let (t, r) = self.find(table, sys_id)?;
            (t, r.clone())
        };
        self.apply(t, &mut rec, fields, actor, now, false);
        let count: u64 = str_field(&rec, "sys_mod_count").parse().unwrap_or(0);
        set(&mut rec, "sys_mod_count", &(count + 1).to_string());
        set(&mut rec, "sys_updated_on", now);
        set(&mut rec, "sys_updated_by", &actor.user_name);
        let (_, slot) = self.find_mut(t, sys_id)?;
        *slot = rec.clone();
        Some((t, rec))
    }

    pub fn delete(&mut self, table: &str, sys_id: &str) -> bool {
        let Some((t, _)) = self.find(table, sys_id) else {
            return false;
        };
        let rows = self.tables.get_mut(t).expect("table exists");
        rows.retain(|r| str_field(r, "sys_id") != sys_id);
        true
    }

    /// Copy client fields onto a record and run the business rules.
    fn apply(
        &mut self,
        table: &'static str,
        rec: &mut Record,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: &str,
        inserting: bool,
    ) {
        let def = table_def(table).expect("known table");
        let old_state = str_field(rec, "state").to_string();
        let mut journal = Vec::new();
        for (key, value) in fields {
            if !def.has_field(key) || key == "sys_id" || READ_ONLY.contains(&key.as_str()) {
                continue;
            }
            let mut s = to_sn_string(value);
            if is_task_table(table) && (key == "comments" || key == "work_notes") {
                if !s.trim().is_empty() {
                    journal.push((key.clone(), s));
                }
                continue;
            }
            if let Some(list) = choices(table, key)
                && !s.is_empty()
                && !list.iter().any(|(v, _)| *v == s)
            {
                continue; // invalid choice: left unset, not rejected
            }
            if let Some(max) = max_len(key) {
                s = s.chars().take(max).collect();
            }
            set(rec, key, &s);
        }
        if is_task_table(table) {
            let priority = compute_priority(str_field(rec, "impact"), str_field(rec, "urgency"));
            set(rec, "priority", &priority);
            let state = str_field(rec, "state").to_string();
            let active = is_active_state(table, &state);
            set(rec, "active", if active { "true" } else { "false" });
            if table == "incident" {
                set(rec, "incident_state", &state);
            }
            if inserting || state != old_state {
                let closed = matches!(
                    (table, state.as_str()),
                    ("incident", "7" | "8") | ("change_request", "3" | "4")
                );
                let resolved = table == "incident" && matches!(state.as_str(), "6" | "7");
                if closed && str_field(rec, "closed_at").is_empty() {
                    set(rec, "closed_at", now);
                    set(rec, "closed_by", &actor.sys_id);
                }
                if resolved && str_field(rec, "resolved_at").is_empty() {
                    set(rec, "resolved_at", now);
                    set(rec, "resolved_by", &actor.sys_id);
                }
            }
            let sys_id = str_field(rec, "sys_id").to_string();
            for (element, value) in journal {
                self.add_journal(table, &sys_id, &element, &value, &actor.user_name, now);
            }
        }
    }

    /// A journal entry (comments / work_notes) for a task.
    pub fn add_journal(
        &mut self,
        table: &str,
        element_id: &str,
        element: &str,
        value: &str,
        by: &str,
        now: &str,
    ) {
        let mut row = Record::new();
        for (k, v) in [
            ("sys_id", new_sys_id().as_str()),
            ("element_id", element_id),
            ("element", element),
            ("name", table),
            ("value", value),
            ("sys_created_on", now),
            ("sys_created_by", by),
        ] {
            set(&mut row, k, v);
        }
        self.tables
            .entry("sys_journal_field")
            .or_default()
            .push(row);
    }

    /// Store a row as given (seeding of users, choices, properties...).
    pub fn put_raw(&mut self, table: &'static str, rec: Record) {
        self.tables.entry(table).or_default().push(rec);
    }

    /// Replace a record wholesale (the seed's clock-driven edits).
    pub fn replace_raw(&mut self, table: &str, rec: Record) -> bool {
        let id = str_field(&rec, "sys_id").to_string();
        match self.find_mut(table, &id) {
            Some((_, slot)) => {
                *slot = rec;
                true
            }
            None => false,
        }
    }

    /// Remove every row of a table matching a predicate.
    pub fn remove_where(&mut self, table: &str, pred: impl Fn(&Record) -> bool) {
        if let Some(rows) = self.tables.get_mut(table) {
            rows.retain(|r| !pred(r));
        }
    }

    /// Audit-field defaults for a raw row.
    pub fn audit_fields(rec: &mut Record, by: &str, now: &str) {
        for f in AUDIT {
            let v = match f {
                "sys_id" => new_sys_id(),
                "sys_created_on" | "sys_updated_on" => now.to_string(),
                "sys_created_by" | "sys_updated_by" => by.to_string(),
                _ => "0".to_string(),
            };
            rec.entry(f).or_insert(Value::String(v));
        }
    }
}

/// A field's string value, "" when absent.
pub fn str_field<'a>(rec: &'a Record, field: &str) -> &'a str {
    rec.get(field).and_then(Value::as_str).unwrap_or("")
}

pub fn set(rec: &mut Record, field: &str, value: &str) {
    rec.insert(field.to_string(), Value::String(value.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            sys_id: "a".repeat(32),
            user_name: "admin".into(),
        }
    }

    #[test]
    fn priority_matrix() {
        let cases = [
            ("1", "1", "1"),
            ("1", "2", "2"),
            ("2", "1", "2"),
            ("1", "3", "3"),
            ("2", "2", "3"),
            ("3", "1", "3"),
            ("2", "3", "4"),
            ("3", "2", "4"),
            ("3", "3", "5"),
        ];
        for (i, u, p) in cases {
            assert_eq!(compute_priority(i, u), p, "impact {i} urgency {u}");
        }
    }

    #[test]
    fn insert_numbers_and_rules() {
        let mut s = Store::default();
        let body: Map<String, Value> = serde_json::from_str(r#"{"short_description":"x","impact":1,"urgency":"2","priority":"5","state":"99","bogus":"1"}"#).unwrap();
        let r = s
            .insert("incident", &body, &actor(), "2026-01-01 00:00:00")
            .unwrap();
        assert_eq!(str_field(&r, "number"), "INC0010001");
        assert_eq!(str_field(&r, "priority"), "2");
        assert_eq!(str_field(&r, "state"), "1");
        assert!(r.get("bogus").is_none());
        assert!(is_sys_id(str_field(&r, "sys_id")));
        let r2 = s
            .insert(
                "change_request",
                &Map::new(),
                &actor(),
                "2026-01-01 00:00:00",
            )
            .unwrap();
        assert_eq!(str_field(&r2, "number"), "CHG0030001");
        assert_eq!(str_field(&r2, "state"), "-5");
        assert_eq!(s.rows("task").len(), 2);
    }
}
