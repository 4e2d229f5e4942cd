//! A task as the admin fills it in ([`TaskDraft`]), its checks ([`TaskDraft::validate`]), and the
//! Table API record it becomes ([`TaskDraft::to_record`]): priority as impact and urgency, the due
//! date in ServiceNow's UTC format, the correlation id and `correlation_display`, and a short
//! readable block that says where the task came from.
//!
//! Pure: no I/O, no clock (the caller passes "today"). Messages are English, for logs; the UI
//! marks the field named by `field` and words the problem from `reason` and `params`
//! (`errors.reasons.<reason>` in `ui/locales`), as it does for [`crate::Error`].

use super::correlation::CorrelationId;
use super::model::{Category, Priority, RecommendationSource, SN_DATE_TIME, TicketKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// ServiceNow's `short_description` length.
pub const MAX_NAME_CHARS: usize = 160;
/// What Ticket Bridge writes into `correlation_display`.
pub const CORRELATION_DISPLAY: &str = "Ticket Bridge";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDraft {
    /// The Secure Score control id (`AdminMFAV2`), or the id of a typed action.
    pub action_id: String,
    pub action_title: String,
    /// Becomes `short_description`.
    pub name: String,
    pub description: String,
    pub priority: Priority,
    pub due_date: NaiveDate,
    pub source: RecommendationSource,
    pub category: Category,
    pub kind: TicketKind,
    /// Who asked for the ticket (the admin at the keyboard), for the readable block.
    pub initiating_user: String,
}

/// One problem with one field of the form. Crosses IPC as
/// `{ "field", "reason", "params"?, "message", "hint" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The form field, as the UI names it (`name`, `description`, `dueDate`, `actionId`).
    pub field: String,
    /// The cause (`snake_case`, stable): the UI's words are `errors.reasons.<reason>`.
    #[serde(default)]
    pub reason: String,
    /// The values those words need (counts and limits as digits, dates as `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    pub message: String,
    pub hint: String,
}

impl FieldError {
    /// A problem with `field`; the caller names its cause with [`FieldError::with_reason`].
    fn new(field: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: String::new(),
            params: BTreeMap::new(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    fn with_reason(mut self, reason: &str) -> Self {
        self.reason = reason.to_owned();
        self
    }

    fn with_param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }
}

impl TaskDraft {
    /// Every problem at once, so the form can mark each field. `today` is the admin's date.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(
                FieldError::new(
                    "name",
                    "Enter a name for the task.",
                    "The name becomes the ticket's short description in ServiceNow.",
                )
                .with_reason("task_name_missing"),
            );
        } else {
            let chars = name.chars().count();
            if chars > MAX_NAME_CHARS {
                errors.push(FieldError::new(
                    "name",
                    format!("The name is {chars} characters long; ServiceNow keeps at most {MAX_NAME_CHARS}."),
                    "Shorten the name and put the details in the description.",
                )
                .with_reason("task_name_too_long")
                .with_param("count", chars.to_string())
                .with_param("limit", MAX_NAME_CHARS.to_string()));
            }
            if name.chars().any(char::is_control) {
                errors.push(
                    FieldError::new(
                        "name",
                        "The name must be a single line.",
                        "Put line breaks and details in the description.",
                    )
                    .with_reason("task_name_multiline"),
                );
            }
        }
        if self.description.trim().is_empty() {
            errors.push(FieldError::new(
                "description",
                "Enter a description.",
                "Say what should be changed and why, so the person who gets the ticket can act on it.",
            )
            .with_reason("task_description_missing"));
        }
        if self.due_date < today {
            errors.push(
                FieldError::new(
                    "dueDate",
                    format!("The due date {} is in the past.", self.due_date),
                    format!("Choose today ({today}) or a later date."),
                )
                .with_reason("task_due_date_past")
                .with_param("date", self.due_date.format("%Y-%m-%d").to_string())
                .with_param("today", today.format("%Y-%m-%d").to_string()),
            );
        }
        if self.action_id.trim().is_empty() {
            errors.push(
                FieldError::new(
                    "actionId",
                    "The task is not linked to an improvement action.",
                    "Start the task from an improvement action, or give the typed action an id.",
                )
                .with_reason("task_action_missing"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The due date as ServiceNow stores it: the end of that day, UTC.
    pub fn due_date_sn(&self) -> String {
        self.due_date
            .and_hms_opt(23, 59, 59)
            .map(|d| d.format(SN_DATE_TIME).to_string())
            .unwrap_or_default()
    }

    /// The description followed by where the task came from.
    pub fn full_description(&self) -> String {
        let mut s = self.description.trim_end().to_owned();
        s.push_str("\n\n---\n");
        s.push_str(&format!("Source: {}\n", self.source.label()));
        s.push_str(&format!("Category: {}\n", self.category.label()));
        s.push_str(&format!("Improvement action: {}\n", self.action_id.trim()));
        let user = self.initiating_user.trim();
        if user.is_empty() {
            s.push_str("Created by Ticket Bridge");
        } else {
            s.push_str(&format!("Created by Ticket Bridge for {user}"));
        }
        s
    }

    /// The record to POST to `/api/now/table/{kind}`. `category_field` is the admin's mapping
    /// of the Secure Score category to the instance's own `category` value, if any.
    pub fn to_record(&self, correlation: &CorrelationId, category_field: Option<&str>) -> Value {
        let (impact, urgency) = self.priority.impact_urgency();
        let mut record = json!({
            "short_description": self.name.trim(),
            "description": self.full_description(),
            "impact": impact.to_string(),
            "urgency": urgency.to_string(),
            "due_date": self.due_date_sn(),
            "correlation_id": correlation.to_string(),
            "correlation_display": CORRELATION_DISPLAY,
        });
        if let Some(c) = category_field.map(str::trim).filter(|c| !c.is_empty()) {
            record["category"] = json!(c);
        }
        for (field, value) in self.kind.spec().fixed_fields {
            record[*field] = json!(value);
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 29).unwrap()
    }

    fn draft() -> TaskDraft {
        TaskDraft {
            action_id: "AdminMFAV2".into(),
            action_title: "Ensure multifactor authentication is enabled for all users".into(),
            name: "Enable MFA for admins".into(),
            description: "Require MFA for every admin role.".into(),
            priority: Priority::High,
            due_date: today(),
            source: RecommendationSource::Microsoft,
            category: Category::Identity,
            kind: TicketKind::ChangeRequest,
            initiating_user: "Ada Admin".into(),
        }
    }

    #[test]
    fn a_good_draft_passes_and_each_field_is_named_with_a_hint() {
        assert_eq!(draft().validate(today()), Ok(()));
        let bad = TaskDraft {
            name: "  ".into(),
            description: "\n".into(),
            due_date: today().pred_opt().unwrap(),
            action_id: "".into(),
            ..draft()
        };
        let errors = bad.validate(today()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "description", "dueDate", "actionId"]);
        assert!(
            errors
                .iter()
                .all(|e| !e.message.is_empty() && !e.hint.is_empty())
        );
        assert!(
            errors[2].message.contains("2026-06-28"),
            "{}",
            errors[2].message
        );
        let reasons: Vec<_> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "task_name_missing",
                "task_description_missing",
                "task_due_date_past",
                "task_action_missing"
            ]
        );
        // The shape the UI reads: dates as YYYY-MM-DD, for it to write in the admin's language.
        assert_eq!(
            serde_json::to_value(&errors[2]).unwrap(),
            json!({
                "field": "dueDate",
                "reason": "task_due_date_past",
                "params": { "date": "2026-06-28", "today": "2026-06-29" },
                "message": "The due date 2026-06-28 is in the past.",
                "hint": "Choose today (2026-06-29) or a later date.",
            })
        );
        assert!(
            serde_json::to_value(&errors[0])
                .unwrap()
                .get("params")
                .is_none()
        );

        let long = TaskDraft {
            name: "é".repeat(161),
            ..draft()
        };
        let e = long.validate(today()).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("161") && e[0].message.contains("160"));
        assert_eq!(e[0].reason, "task_name_too_long");
        assert_eq!(
            (e[0].params["count"].as_str(), e[0].params["limit"].as_str()),
            ("161", "160")
        );
        assert_eq!(
            TaskDraft {
                name: "é".repeat(160),
                ..draft()
            }
            .validate(today()),
            Ok(())
        );
        let two_lines = TaskDraft {
            name: "a\nb".into(),
            ..draft()
        };
        let e = two_lines.validate(today()).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].reason.as_str()),
            ("name", "task_name_multiline")
        );
    }

    #[test]
    fn the_record_carries_impact_urgency_due_date_and_the_readable_block() {
        let c = CorrelationId::with_draft("tenant", "AdminMFAV2", "0a1b2c3d");
        let r = draft().to_record(&c, Some("Security"));
        assert_eq!(r["short_description"], "Enable MFA for admins");
        assert_eq!(
            (r["impact"].as_str(), r["urgency"].as_str()),
            (Some("1"), Some("2"))
        );
        assert!(r.get("priority").is_none(), "priority is read-only");
        assert_eq!(r["due_date"], "2026-06-29 23:59:59");
        assert_eq!(r["correlation_id"], "tb1/tenant/AdminMFAV2/0a1b2c3d");
        assert_eq!(r["correlation_display"], "Ticket Bridge");
        assert_eq!(r["type"], "normal");
        assert_eq!(r["category"], "Security");
        let d = r["description"].as_str().unwrap();
        assert!(d.starts_with("Require MFA for every admin role.\n\n"));
        for line in [
            "Source: Microsoft recommendation",
            "Category: Identity",
            "Improvement action: AdminMFAV2",
            "Created by Ticket Bridge for Ada Admin",
        ] {
            assert!(d.contains(line), "{line} missing from {d}");
        }
        let inc = TaskDraft {
            kind: TicketKind::Incident,
            source: RecommendationSource::User,
            ..draft()
        }
        .to_record(&c, None);
        assert!(inc.get("type").is_none() && inc.get("category").is_none());
        assert!(
            inc["description"]
                .as_str()
                .unwrap()
                .contains("User recommendation")
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::tickets::model::Category;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn validation_and_the_record_never_panic(
            action_id in "\\PC{0,40}",
            name in "\\PC{0,200}",
            description in "\\PC{0,80}",
            user in "\\PC{0,20}",
            tenant in "\\PC{0,60}",
            days in -400_000i32..400_000,
            today_days in -400_000i32..400_000,
            p in 1u8..=5,
            change in any::<bool>(),
        ) {
            let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            let shift = |d: i32| base.checked_add_signed(chrono::Duration::days(d.into())).unwrap_or(base);
            let draft = TaskDraft {
                action_id, action_title: String::new(), name, description,
                priority: Priority::from_value(p).unwrap(),
                due_date: shift(days),
                source: RecommendationSource::User,
                category: Category::Apps,
                kind: if change { TicketKind::ChangeRequest } else { TicketKind::Incident },
                initiating_user: user,
            };
            let today = shift(today_days);
            match draft.validate(today) {
                Ok(()) => {
                    prop_assert!(draft.name.trim().chars().count() <= MAX_NAME_CHARS);
                    prop_assert!(draft.due_date >= today);
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
            let c = CorrelationId::new(&tenant, &draft.action_id);
            prop_assert!(c.to_string().len() <= super::super::correlation::MAX_LEN);
            prop_assert_eq!(CorrelationId::parse(&c.to_string()), Some(c.clone()));
            let r = draft.to_record(&c, None);
            prop_assert!(r["due_date"].as_str().is_some());
        }
    }
}
