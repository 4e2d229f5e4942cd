//! Encoded queries (`sysparm_query`): parsing and evaluation against stored
//! records. Supports `=`, `!=`, `IN`, `NOT IN`, `STARTSWITH`, `ENDSWITH`,
//! `LIKE`, `NOT LIKE`, `>`, `>=`, `<`, `<=`, `ISEMPTY`, `ISNOTEMPTY`, `^`
//! (AND), `^OR`, `^NQ`, `ORDERBY`, `ORDERBYDESC`, and the value
//! `javascript:gs.getUserID()`. Values are case-sensitive. Parts that do not
//! parse, or that name a field the table does not have, are silently ignored,
//! as a real instance does.

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

fn parse_cond(part: &str, def: &TableDef, user_id: &str) -> Option<Cond> {
    let field_len = part
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    if field_len == 0 {
        return None;
    }
    let (field, rest) = part.split_at(field_len);
    if !def.has_field(field) {
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
    /// `javascript:gs.getUserID()`.
    pub fn parse(encoded: &str, def: &TableDef, user_id: &str) -> Query {
        let mut q = Query::default();
        for alternative in encoded.split("^NQ") {
            let mut groups: Vec<Vec<Cond>> = Vec::new();
            for part in alternative.split('^') {
                if let Some(field) = part.strip_prefix("ORDERBYDESC") {
                    if def.has_field(field) {
                        q.order.push((field.to_string(), true));
                    }
                } else if let Some(field) = part.strip_prefix("ORDERBY") {
                    if def.has_field(field) {
                        q.order.push((field.to_string(), false));
                    }
                } else if let Some(cond) = part
                    .strip_prefix("OR")
                    .and_then(|rest| parse_cond(rest, def, user_id))
                {
                    match groups.last_mut() {
                        Some(group) => group.push(cond),
                        None => groups.push(vec![cond]),
                    }
                } else if let Some(cond) = parse_cond(part, def, user_id) {
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

    /// Sort in place by the ORDERBY clauses (stable; first clause wins).
    pub fn sort(&self, rows: &mut [&Record]) {
        if self.order.is_empty() {
            return;
        }
        rows.sort_by(|a, b| {
            for (field, desc) in &self.order {
                let ord = compare(str_field(a, field), str_field(b, field));
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
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
