//! The typed Table API: the few reads and writes Ticket Bridge makes, as methods that take and
//! return types. Only this module (with the rest of `servicenow/`) knows `sysparm_*`, encoded
//! queries, the `result` envelope and table names; `tickets/` and `doctor` call these.
//!
//! Values from ServiceNow are data: every row is a [`Record`] read field by field, a `sys_id`
//! that goes back into a path or a query must look like one ([`is_sys_id`]), and a query value
//! that would change the meaning of an encoded query (`^`, a line break) is refused rather than
//! sent ([`Query`]).

use super::client::ServiceNow;
use super::errors::{self, Doing};
use super::kinds::{self, TicketKind};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// ServiceNow's date-time format with `sysparm_display_value=false` (UTC).
pub const SN_DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// A ServiceNow `yyyy-MM-dd HH:mm:ss` UTC value (a bare date is read as midnight).
pub fn parse_sn_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, SN_DATE_TIME)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|n| n.and_utc())
}

/// Whether `s` looks like a `sys_id`: 32 lowercase hexadecimal characters.
pub fn is_sys_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A field's raw value in a row: a plain string, or the `value` of a reference or `all`
/// object. Empty strings count as missing.
pub fn field_str<'a>(record: &'a Value, field: &str) -> Option<&'a str> {
    let v = record.as_object()?.get(field)?;
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("value")?.as_str()?,
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// One row as the Table API returns it: a JSON object whose values are strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(Value);

impl Record {
    /// A row, if `v` is a JSON object.
    pub fn from_value(v: Value) -> Option<Record> {
        v.is_object().then_some(Record(v))
    }

    pub fn value(&self) -> &Value {
        &self.0
    }

    /// A field's value (see [`field_str`]).
    pub fn str(&self, field: &str) -> Option<&str> {
        field_str(&self.0, field)
    }

    /// The row's `sys_id`, when it is one.
    pub fn sys_id(&self) -> Option<&str> {
        self.str("sys_id").filter(|s| is_sys_id(s))
    }
}

/// An encoded query (`field=value^field2>=value2^ORDERBYfield`), built from parts whose values
/// cannot change its meaning: a value with `^` or a line break is refused by [`Query::encode`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `(joined with OR to the part before, head, value)`.
    parts: Vec<(bool, String, String)>,
}

fn safe_field(f: &str) -> bool {
    !f.is_empty()
        && f.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    fn part(mut self, field: &str, op: &str, value: &str) -> Self {
        self.parts
            .push((false, format!("{field}{op}"), value.to_owned()));
        self
    }

    /// `field` starts with any of `prefixes` (`…STARTSWITHa^ORfield STARTSWITHb`); nothing when
    /// the list is empty.
    pub fn starts_with_any(mut self, field: &str, prefixes: &[String]) -> Self {
        for (i, p) in prefixes.iter().enumerate() {
            self.parts
                .push((i > 0, format!("{field}STARTSWITH"), p.clone()));
        }
        self
    }

    pub fn eq(self, field: &str, value: &str) -> Self {
        self.part(field, "=", value)
    }

    pub fn starts_with(self, field: &str, prefix: &str) -> Self {
        self.part(field, "STARTSWITH", prefix)
    }

    pub fn one_of<'a>(self, field: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        let list: Vec<&str> = values.into_iter().collect();
        self.part(field, "IN", &list.join(","))
    }

    /// `field>=` a UTC time, in ServiceNow's format.
    pub fn at_or_after(self, field: &str, at: DateTime<Utc>) -> Self {
        self.part(field, ">=", &at.format(SN_DATE_TIME).to_string())
    }

    /// Only Ticket Bridge's kinds, when querying `task`.
    pub fn of_kinds(self) -> Self {
        self.one_of("sys_class_name", kinds::tables())
    }

    pub fn order_by(mut self, field: &str) -> Self {
        self.parts
            .push((false, format!("ORDERBY{field}"), String::new()));
        self
    }

    pub fn order_by_desc(mut self, field: &str) -> Self {
        self.parts
            .push((false, format!("ORDERBYDESC{field}"), String::new()));
        self
    }

    /// The query as ServiceNow reads it, or an error when a part could be misread.
    pub fn encode(&self) -> Result<String> {
        let mut out = String::new();
        for (i, (or, head, value)) in self.parts.iter().enumerate() {
            let field = head
                .trim_start_matches("ORDERBYDESC")
                .trim_start_matches("ORDERBY")
                .trim_end_matches(['=', '>', '<', '!'])
                .trim_end_matches("STARTSWITH")
                .trim_end_matches("IN");
            if !safe_field(field) || value.contains('^') || value.chars().any(|c| c.is_control()) {
                log::warn!(
                    "refused an encoded-query part for {field:?}: a value ServiceNow would misread"
                );
                return Err(Error::internal(
                    "a value from ServiceNow could not be used in a query",
                ));
            }
            if i > 0 {
                out.push_str(if *or { "^OR" } else { "^" });
            }
            out.push_str(head);
            out.push_str(value);
        }
        Ok(out)
    }
}

/// How one list call reads rows.
struct List<'a> {
    table: &'a str,
    query: Option<&'a Query>,
    fields: &'a [&'a str],
    limit: usize,
    offset: Option<usize>,
    count: bool,
}

/// What [`ServiceNow::correlation_probe`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationProbe {
    /// The search finds exactly what it asks for, with the field.
    Works,
    /// The search is applied; no ticket of this app to check the field on yet.
    NothingYet,
    /// A search for a correlation id no record has found records: the condition was ignored.
    ConditionIgnored,
    /// Records come back without `correlation_id`: a read ACL hides it.
    FieldHidden,
}

fn list_path(l: &List<'_>) -> Result<String> {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(query) = l.query {
        q.append_pair("sysparm_query", &query.encode()?);
    }
    if !l.fields.is_empty() {
        q.append_pair("sysparm_fields", &l.fields.join(","));
    }
    q.append_pair("sysparm_exclude_reference_link", "true");
    if !l.count {
        q.append_pair("sysparm_no_count", "true");
    }
    q.append_pair("sysparm_limit", &l.limit.to_string());
    if let Some(o) = l.offset {
        q.append_pair("sysparm_offset", &o.to_string());
    }
    Ok(format!("/api/now/table/{}?{}", l.table, q.finish()))
}

/// The rows of a list answer (`{"result": [...]}`); anything else is an unreadable answer.
fn rows(body: Value, doing: Doing) -> Result<Vec<Record>> {
    match body {
        Value::Object(mut o) => match o.remove("result") {
            Some(Value::Array(rows)) => {
                Ok(rows.into_iter().filter_map(Record::from_value).collect())
            }
            _ => Err(errors::unreadable_answer(doing)),
        },
        _ => Err(errors::unreadable_answer(doing)),
    }
}

/// One comment or work note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub sys_id: String,
    /// The ticket it belongs to.
    pub ticket: String,
    pub work_note: bool,
    pub text: String,
    pub created_on: Option<DateTime<Utc>>,
    /// The author's user name.
    pub created_by: Option<String>,
}

/// A `sys_choice` row of a kind's `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub kind: TicketKind,
    pub value: String,
    pub label: String,
    pub language: Option<String>,
}

impl ServiceNow {
    /// Creates one ticket of `kind` from `record` (the kind's fixed fields included, see
    /// `TaskDraft::to_record`) and returns the stored record's `read_back` fields. A 2xx answer
    /// without a readable record is an error with no status: the outcome is unknown.
    pub async fn create_ticket(
        &self,
        kind: TicketKind,
        record: &Value,
        read_back: &[&str],
    ) -> Result<Record> {
        let doing = Doing::create(kind);
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("sysparm_fields", &read_back.join(","))
            .append_pair("sysparm_exclude_reference_link", "true")
            .finish();
        let answer = self
            .post(
                &format!("/api/now/table/{}?{q}", kind.table()),
                record,
                doing,
            )
            .await?;
        let body = answer.body;
        body.get("result")
            .cloned()
            .and_then(Record::from_value)
            .filter(|r| r.sys_id().is_some())
            .ok_or_else(|| errors::unreadable_answer(doing))
    }

    /// The rows of `kind` whose `correlation_id` is `correlation_id`, as ServiceNow answers the
    /// query. The caller checks the rows: an instance ignores query parts it cannot use.
    pub async fn find_by_correlation(
        &self,
        kind: TicketKind,
        correlation_id: &str,
        fields: &[&str],
    ) -> Result<Vec<Record>> {
        let doing = Doing::CheckCreated;
        let query = Query::new().eq("correlation_id", correlation_id);
        let path = list_path(&List {
            table: kind.table(),
            query: Some(&query),
            fields,
            limit: 10,
            offset: None,
            count: false,
        })?;
        rows(self.get(&path, doing).await?.body, doing)
    }

    /// Tickets of every kind whose correlation id starts with `prefix`, changed at or after
    /// `since`, oldest change first. One request, no count.
    pub async fn tickets_changed_since(
        &self,
        prefixes: &[String],
        since: Option<DateTime<Utc>>,
        fields: &[&str],
        limit: usize,
    ) -> Result<Vec<Record>> {
        let doing = Doing::LookForChanges;
        let mut query = Query::new()
            .of_kinds()
            .starts_with_any("correlation_id", prefixes);
        if let Some(s) = since {
            query = query.at_or_after("sys_updated_on", s);
        }
        let query = query.order_by("sys_updated_on");
        let path = list_path(&List {
            table: "task",
            query: Some(&query),
            fields,
            limit,
            offset: None,
            count: false,
        })?;
        rows(self.get(&path, doing).await?.body, doing)
    }

    /// One page of the tickets whose correlation id starts with one of `prefixes` (and, with
    /// `since`, changed at or after it), in creation order, and how many there are in all
    /// (ServiceNow's `X-Total-Count`, when it sends one). Creation order does not move while
    /// tickets change, so paging by offset neither skips nor repeats one.
    pub async fn tickets_page(
        &self,
        prefixes: &[String],
        since: Option<DateTime<Utc>>,
        fields: &[&str],
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<Record>, Option<u64>)> {
        let doing = Doing::ReadTickets;
        let mut query = Query::new()
            .of_kinds()
            .starts_with_any("correlation_id", prefixes);
        if let Some(s) = since {
            query = query.at_or_after("sys_updated_on", s);
        }
        let query = query.order_by("sys_created_on").order_by("sys_id");
        let path = list_path(&List {
            table: "task",
            query: Some(&query),
            fields,
            limit,
            offset: Some(offset),
            count: true,
        })?;
        let answer = self.get(&path, doing).await?;
        let total = answer.total_count;
        Ok((rows(answer.body, doing)?, total))
    }

    /// The active tickets whose correlation id starts with one of `prefixes`, newest first.
    pub async fn open_tickets(
        &self,
        prefixes: &[String],
        fields: &[&str],
        limit: usize,
    ) -> Result<Vec<Record>> {
        let doing = Doing::CheckOpenTicket;
        let query = Query::new()
            .of_kinds()
            .starts_with_any("correlation_id", prefixes)
            .eq("active", "true")
            .order_by_desc("sys_created_on");
        let path = list_path(&List {
            table: "task",
            query: Some(&query),
            fields,
            limit,
            offset: None,
            count: false,
        })?;
        rows(self.get(&path, doing).await?.body, doing)
    }

    /// Comments and work notes of `tickets` written at or after `since`, oldest first. Ids
    /// that are not sys_ids are left out.
    pub async fn journal_entries(
        &self,
        tickets: &[&str],
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<JournalEntry>> {
        let doing = Doing::ReadComments;
        let ids: Vec<&str> = tickets.iter().copied().filter(|t| is_sys_id(t)).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = Query::new()
            .one_of("element_id", ids)
            .one_of("element", ["comments", "work_notes"]);
        if let Some(s) = since {
            query = query.at_or_after("sys_created_on", s);
        }
        let query = query.order_by("sys_created_on");
        let path = list_path(&List {
            table: "sys_journal_field",
            query: Some(&query),
            fields: &[
                "sys_id",
                "element",
                "element_id",
                "value",
                "sys_created_on",
                "sys_created_by",
            ],
            limit,
            offset: None,
            count: false,
        })?;
        Ok(rows(self.get(&path, doing).await?.body, doing)?
            .into_iter()
            .filter_map(|r| {
                Some(JournalEntry {
                    sys_id: r.str("sys_id")?.to_owned(),
                    ticket: r.str("element_id")?.to_owned(),
                    work_note: r.str("element") == Some("work_notes"),
                    text: r.str("value").unwrap_or_default().to_owned(),
                    created_on: r.str("sys_created_on").and_then(parse_sn_datetime),
                    created_by: r.str("sys_created_by").map(str::to_owned),
                })
            })
            .collect())
    }

    /// A user's name (else their user name), by sys_id. `None` when the id is not a sys_id or
    /// the user has neither.
    pub async fn user_name(&self, sys_id: &str) -> Result<Option<String>> {
        if !is_sys_id(sys_id) {
            log::warn!("refused to look up a user whose id is not a sys_id");
            return Ok(None);
        }
        let a = self
            .get(
                &format!("/api/now/table/sys_user/{sys_id}?sysparm_fields=name%2Cuser_name"),
                Doing::ReadAssignee,
            )
            .await?;
        let r = &a.body["result"];
        Ok(field_str(r, "name")
            .or_else(|| field_str(r, "user_name"))
            .map(str::to_owned))
    }

    /// The active roles of a user, by name.
    pub async fn roles(&self, user_sys_id: &str) -> Result<Vec<String>> {
        let doing = Doing::ReadRoles;
        if !is_sys_id(user_sys_id) {
            return Err(errors::unreadable_answer(doing));
        }
        let query = Query::new().eq("user", user_sys_id).eq("state", "active");
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("sysparm_query", &query.encode()?)
            .append_pair("sysparm_fields", "role")
            .append_pair("sysparm_display_value", "true")
            .append_pair("sysparm_limit", "200")
            .finish();
        let a = self
            .get(&format!("/api/now/table/sys_user_has_role?{q}"), doing)
            .await?;
        let rows = a.body["result"]
            .as_array()
            .ok_or_else(|| errors::unreadable_answer(doing))?;
        Ok(rows
            .iter()
            .filter_map(|r| match &r["role"] {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o
                    .get("display_value")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                _ => None,
            })
            .collect())
    }

    /// The active `state` choices of every kind, in the instance's order.
    pub async fn state_choices(&self) -> Result<Vec<Choice>> {
        let doing = Doing::ReadStates;
        let query = Query::new()
            .one_of("name", kinds::tables())
            .eq("element", "state")
            .eq("inactive", "false")
            .order_by("sequence");
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("sysparm_query", &query.encode()?)
            .append_pair("sysparm_fields", "name,value,label,language")
            .finish();
        let a = self
            .get(&format!("/api/now/table/sys_choice?{q}"), doing)
            .await?;
        Ok(rows(a.body, doing)?
            .into_iter()
            .filter_map(|r| {
                Some(Choice {
                    kind: TicketKind::from_table(r.str("name")?)?,
                    value: r.str("value")?.to_owned(),
                    label: r.str("label")?.to_owned(),
                    language: r.str("language").map(str::to_owned),
                })
            })
            .collect())
    }

    /// Whether a search by correlation id works on this instance, as the outbox's lookup after
    /// an unknown outcome needs it: a correlation id no record has must find nothing (else the
    /// condition was ignored), and a ticket of this app must come back with its correlation id
    /// (else a read ACL hides it). `prefix` is this app's (`tb1/`).
    pub async fn correlation_probe(&self, prefix: &str, absent: &str) -> Result<CorrelationProbe> {
        let doing = Doing::SearchByCorrelation;
        let fields = ["sys_id", "correlation_id"];
        let first = |query: Query| async move {
            let path = list_path(&List {
                table: "task",
                query: Some(&query),
                fields: &fields,
                limit: 1,
                offset: None,
                count: false,
            })?;
            rows(self.get(&path, doing).await?.body, doing)
        };
        if !first(Query::new().eq("correlation_id", absent))
            .await?
            .is_empty()
        {
            return Ok(CorrelationProbe::ConditionIgnored);
        }
        let found = first(Query::new().starts_with("correlation_id", prefix)).await?;
        Ok(match found.first() {
            None => CorrelationProbe::NothingYet,
            Some(r) if r.str("correlation_id").is_none() => CorrelationProbe::FieldHidden,
            Some(_) => CorrelationProbe::Works,
        })
    }

    /// Reads one record of `kind`: succeeds when the signed-in user may read the table.
    pub async fn probe_read(&self, kind: TicketKind) -> Result<()> {
        let path = list_path(&List {
            table: kind.table(),
            query: None,
            fields: &["sys_id"],
            limit: 1,
            offset: None,
            count: false,
        })?;
        self.get(&path, Doing::read(kind)).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_or_ed_inside_the_and() {
        let q = Query::new()
            .of_kinds()
            .starts_with_any(
                "correlation_id",
                &["tb1/iabc/".to_owned(), "tb1/local/".to_owned()],
            )
            .eq("active", "true");
        assert_eq!(
            q.encode().unwrap(),
            "sys_class_nameINchange_request,incident^correlation_idSTARTSWITHtb1/iabc/^ORcorrelation_idSTARTSWITHtb1/local/^active=true"
        );
        assert_eq!(Query::new().starts_with_any("f", &[]).encode().unwrap(), "");
        assert!(
            Query::new()
                .starts_with_any("correlation_id", &["a^b".to_owned()])
                .encode()
                .is_err()
        );
    }

    #[test]
    fn queries_encode_and_refuse_what_would_change_their_meaning() {
        let at = parse_sn_datetime("2026-06-29 10:00:00").unwrap();
        let q = Query::new()
            .of_kinds()
            .starts_with("correlation_id", "tb1/local/")
            .at_or_after("sys_updated_on", at)
            .order_by("sys_updated_on");
        assert_eq!(
            q.encode().unwrap(),
            "sys_class_nameINchange_request,incident^correlation_idSTARTSWITHtb1/local/^sys_updated_on>=2026-06-29 10:00:00^ORDERBYsys_updated_on"
        );
        assert_eq!(
            Query::new()
                .order_by_desc("sys_created_on")
                .encode()
                .unwrap(),
            "ORDERBYDESCsys_created_on"
        );
        for bad in ["a^b", "x\ny", "\u{7}"] {
            assert!(
                Query::new().eq("correlation_id", bad).encode().is_err(),
                "{bad:?}"
            );
        }
        assert!(Query::new().eq("Bad Field", "x").encode().is_err());
    }

    #[test]
    fn sys_ids_are_32_lowercase_hex() {
        assert!(is_sys_id("0123456789abcdef0123456789abcdef"));
        for bad in [
            "",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            "../../sys_user/0123456789abcdef0",
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert!(!is_sys_id(bad), "{bad}");
        }
    }

    #[test]
    fn list_answers_are_rows_or_unreadable() {
        let ok = rows(
            serde_json::json!({"result": [{"sys_id": "a"}, 5, "x"]}),
            Doing::ReadTickets,
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].str("sys_id"), Some("a"));
        assert_eq!(ok[0].sys_id(), None, "not a sys_id");
        assert!(rows(serde_json::json!({"result": {}}), Doing::ReadTickets).is_err());
        assert!(rows(serde_json::json!([1]), Doing::ReadTickets).is_err());
        let path = list_path(&List {
            table: "task",
            query: Some(&Query::new().eq("active", "true")),
            fields: &["sys_id", "number"],
            limit: 5,
            offset: Some(10),
            count: false,
        })
        .unwrap();
        assert_eq!(
            path,
            "/api/now/table/task?sysparm_query=active%3Dtrue&sysparm_fields=sys_id%2Cnumber&sysparm_exclude_reference_link=true&sysparm_no_count=true&sysparm_limit=5&sysparm_offset=10"
        );
    }
}

/// Arbitrary answers of the Table API, journal rows and `current_user`: never a panic.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,30}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("result".to_owned()),
                        Just("sys_id".to_owned()),
                        Just("element_id".to_owned()),
                        Just("sys_created_on".to_owned()),
                        Just("value".to_owned()),
                        Just("user_name".to_owned()),
                        ".{0,8}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn rows_records_and_dates_never_panic(body in any_json(), text in ".{0,40}") {
            if let Ok(rows) = rows(body.clone(), Doing::ReadTickets) {
                for r in rows {
                    let _ = r.sys_id();
                    let _ = r.str("correlation_id");
                    let _ = crate::tickets::model::Ticket::from_record(r.value(), None);
                }
            }
            let _ = crate::tickets::model::Ticket::list_from_body(&body, None);
            let _ = parse_sn_datetime(&text);
            let _ = field_str(&body, &text);
        }
    }
}
