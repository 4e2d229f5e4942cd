//! Encoded queries (`sysparm_query`): parsing and evaluation against stored
//! records. Supports `=`, `!=`, `IN`, `NOT IN`, `STARTSWITH`, `ENDSWITH`,
//! `LIKE`, `NOT LIKE`, `>`, `>=`, `<`, `<=`, `ISEMPTY`, `ISNOTEMPTY`, `^`
//! (AND), `^OR`, `^NQ`, `ORDERBY`, `ORDERBYDESC`, and the value
//! `javascript:gs.getUserID()`. Values are case-sensitive. Parts that do not
//! parse, or that name a field the table does not have, are silently ignored,
//! as a real instance does; [`Query::parse_ignoring`] treats more fields that
//! way (the `hide-field` and `ignore-query-field` scenarios).

use crate::store::{Record, TableDef, str_field};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    StartsWith,
    EndsWith,
    Like,
    NotLike,
    Gt,
    Ge,
    Lt,
    Le,
    IsEmpty,
    IsNotEmpty,
}

#[derive(Debug, Clone)]
struct Cond {
    field: String,
    op: Op,
    value: String,
}

/// A parsed encoded query.
#[derive(Debug, Default)]
pub struct Query {
    /// `^NQ`-separated alternatives; each is an AND of OR-groups.
    alternatives: Vec<Vec<Vec<Cond>>>,
    /// (field, descending)
    order: Vec<(String, bool)>,
}

// Longest operators first so `>=` wins over `>`, `NOT IN` over `IN`...
const OPS: &[(&str, Op)] = &[
    ("ISNOTEMPTY", Op::IsNotEmpty),
    ("ISEMPTY", Op::IsEmpty),
    ("STARTSWITH", Op::StartsWith),
    ("ENDSWITH", Op::EndsWith),
    ("NOT LIKE", Op::NotLike),
    ("NOT IN", Op::NotIn),
    ("LIKE", Op::Like),
    ("IN", Op::In),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
];

/// Fields whose conditions or ORDERBY the parser drops, as if the table did
/// not have them.
struct Skip<'a> {
    condition: &'a dyn Fn(&str) -> bool,
    order: &'a dyn Fn(&str) -> bool,
}

fn parse_cond(part: &str, def: &TableDef, user_id: &str, skip: &Skip<'_>) -> Option<Cond> {
    let field_len = part
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    if field_len == 0 {
        return None;
    }
    let (field, rest) = part.split_at(field_len);
    if !def.has_field(field) || (skip.condition)(field) {
        return None;
    }
    let (op, value) = OPS
        .iter()
        .find_map(|(tok, op)| rest.strip_prefix(tok).map(|v| (op.clone(), v)))?;
    if matches!(op, Op::IsEmpty | Op::IsNotEmpty) && !value.is_empty() {
        return None;
    }
    let value = if value == "javascript:gs.getUserID()" {
        user_id
    } else {
        value
    };
    Some(Cond {
        field: field.to_string(),
        op,
        value: value.to_string(),
    })
}

impl Query {
    /// Parse an encoded query for a table. `user_id` replaces
    /// `javascript:gs.getUserID()`. (The handlers use [`Query::parse_ignoring`].)
    #[cfg(test)]
    pub fn parse(encoded: &str, def: &TableDef, user_id: &str) -> Query {
        Query::parse_ignoring(encoded, def, user_id, &|_| false, &|_| false)
    }

    /// [`Query::parse`], dropping conditions on the fields `skip_condition`
    /// names and ORDERBY on those `skip_order` names, exactly as conditions
    /// on a field the table does not have are dropped (the rest still applies).
    pub fn parse_ignoring(
        encoded: &str,
        def: &TableDef,
        user_id: &str,
        skip_condition: &dyn Fn(&str) -> bool,
        skip_order: &dyn Fn(&str) -> bool,
    ) -> Query {
        let skip = Skip {
            condition: skip_condition,
            order: skip_order,
        };
        let mut q = Query::default();
        for alternative in encoded.split("^NQ") {
            let mut groups: Vec<Vec<Cond>> = Vec::new();
            for part in alternative.split('^') {
                if let Some(field) = part.strip_prefix("ORDERBYDESC") {
                    if def.has_field(field) && !(skip.order)(field) {
                        q.order.push((field.to_string(), true));
                    }
                } else if let Some(field) = part.strip_prefix("ORDERBY") {
                    if def.has_field(field) && !(skip.order)(field) {
                        q.order.push((field.to_string(), false));
                    }
                } else if let Some(cond) = part
                    .strip_prefix("OR")
                    .and_then(|rest| parse_cond(rest, def, user_id, &skip))
                {
                    match groups.last_mut() {
                        Some(group) => group.push(cond),
                        None => groups.push(vec![cond]),
                    }
                } else if let Some(cond) = parse_cond(part, def, user_id, &skip) {
                    groups.push(vec![cond]);
                }
            }
            if !groups.is_empty() {
                q.alternatives.push(groups);
            }
        }
        q
    }

    pub fn matches(&self, rec: &Record) -> bool {
        self.alternatives.is_empty()
            || self
                .alternatives
                .iter()
                .any(|groups| groups.iter().all(|g| g.iter().any(|c| c.matches(rec))))
    }

    /// Sort in place by the ORDERBY clauses (stable; first clause wins). Each row's keys are
    /// read (and parsed as numbers) once, not at every comparison: a page of a 10,000-row
    /// table is then a scan and one cheap sort.
    pub fn sort(&self, rows: &mut [&Record]) {
        if self.order.is_empty() {
            return;
        }
        let mut keyed: Vec<(Vec<Key<'_>>, &Record)> = rows
            .iter()
            .map(|r| {
                let keys = self
                    .order
                    .iter()
                    .map(|(field, _)| Key::of(str_field(r, field)))
                    .collect();
                (keys, *r)
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            for ((x, y), (_, desc)) in a.iter().zip(b).zip(&self.order) {
                let ord = x.compare(y);
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        for (slot, (_, r)) in rows.iter_mut().zip(keyed) {
            *slot = r;
        }
    }
}

/// One sort key: the text, and its value when it reads as a number.
struct Key<'a> {
    text: &'a str,
    number: Option<f64>,
}

impl<'a> Key<'a> {
    fn of(text: &'a str) -> Self {
        Key {
            text,
            number: text.parse::<f64>().ok(),
        }
    }

    fn compare(&self, other: &Key<'_>) -> Ordering {
        match (self.number, other.number) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => self.text.cmp(other.text),
        }
    }
}

/// Numbers compare as numbers, everything else as text (dates in
/// `yyyy-MM-dd HH:mm:ss` sort correctly as text).
fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

impl Cond {
    fn matches(&self, rec: &Record) -> bool {
        let actual = str_field(rec, &self.field);
        let v = self.value.as_str();
        match self.op {
            Op::Eq => actual == v,
            Op::Ne => actual != v,
            Op::In => v.split(',').any(|x| x == actual),
            Op::NotIn => !v.split(',').any(|x| x == actual),
            Op::StartsWith => actual.starts_with(v),
            Op::EndsWith => actual.ends_with(v),
            Op::Like => actual.contains(v),
            Op::NotLike => !actual.contains(v),
            Op::Gt => !actual.is_empty() && compare(actual, v) == Ordering::Greater,
            Op::Ge => !actual.is_empty() && compare(actual, v) != Ordering::Less,
            Op::Lt => !actual.is_empty() && compare(actual, v) == Ordering::Less,
            Op::Le => !actual.is_empty() && compare(actual, v) != Ordering::Greater,
            Op::IsEmpty => actual.is_empty(),
            Op::IsNotEmpty => !actual.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::table_def;
    use serde_json::json;

    fn rec(v: serde_json::Value) -> Record {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn operators() {
        let def = table_def("incident").unwrap();
        let r = rec(
            json!({"state":"2","short_description":"Enable MFA","sys_updated_on":"2026-06-29 10:00:00","number":"INC0010001"}),
        );
        let yes = [
            "state=2",
            "state!=1",
            "stateIN1,2",
            "stateNOT IN1,3",
            "short_descriptionSTARTSWITHEnable",
            "short_descriptionLIKEMFA",
            "short_descriptionNOT LIKEmfa",
            "state>1",
            "state>=2",
            "state<3",
            "state<=2",
            "sys_updated_on>=2026-06-29 00:00:00",
            "state=1^ORstate=2",
            "state=2^bogus=1",
            "nosuchfield=1",
            "state=1^NQnumber=INC0010001",
            "descriptionISEMPTY",
        ];
        for q in yes {
            assert!(Query::parse(q, def, "u").matches(&r), "{q} should match");
        }
        let no = [
            "state=3",
            "short_descriptionLIKEmfa",
            "stateIN1,3",
            "state>2",
            "state=2^number=X",
            "state=1^ORstate=3",
        ];
        for q in no {
            assert!(
                !Query::parse(q, def, "u").matches(&r),
                "{q} should not match"
            );
        }
    }

    #[test]
    fn skipped_fields_drop_only_their_own_terms() {
        let def = table_def("incident").unwrap();
        let r = rec(json!({"state":"2","correlation_id":"tb1/x","number":"INC0010001"}));
        let other = rec(json!({"state":"1","correlation_id":"tb1/y","number":"INC0010002"}));
        let skip = |f: &str| f == "correlation_id";
        let never = |_: &str| false;
        let parse = |q: &str| Query::parse_ignoring(q, def, "u", &skip, &never);
        // The condition on the skipped field no longer filters...
        assert!(parse("correlation_id=nope").matches(&r));
        assert!(parse("correlation_id=nope").matches(&other));
        // ...the rest still does.
        assert!(parse("correlation_id=nope^state=2").matches(&r));
        assert!(!parse("correlation_id=nope^state=2").matches(&other));
        assert!(!parse("state=2^ORcorrelation_id=tb1/y").matches(&other));
        assert!(!Query::parse("correlation_id=nope", def, "u").matches(&r));
        // ORDERBY is dropped only when asked.
        let a = rec(json!({"correlation_id":"b","number":"1"}));
        let b = rec(json!({"correlation_id":"a","number":"2"}));
        let mut rows = vec![&a, &b];
        Query::parse_ignoring("ORDERBYcorrelation_id", def, "", &skip, &skip).sort(&mut rows);
        assert_eq!(str_field(rows[0], "number"), "1");
        parse("ORDERBYcorrelation_id").sort(&mut rows);
        assert_eq!(str_field(rows[0], "number"), "2");
    }

    #[test]
    fn ordering() {
        let def = table_def("incident").unwrap();
        let a = rec(json!({"sys_mod_count":"10","number":"a"}));
        let b = rec(json!({"sys_mod_count":"9","number":"b"}));
        let mut rows = vec![&a, &b];
        Query::parse("ORDERBYsys_mod_count", def, "").sort(&mut rows);
        assert_eq!(str_field(rows[0], "number"), "b");
        Query::parse("ORDERBYDESCsys_mod_count", def, "").sort(&mut rows);
        assert_eq!(str_field(rows[0], "number"), "a");
    }
}
