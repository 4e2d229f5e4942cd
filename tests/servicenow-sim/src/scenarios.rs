//! Scenarios: the named ways a simulated instance can misbehave or differ
//! from the default (SSO, IP blocks, ACL denials, rate limits, slow or broken
//! responses, short-lived tokens, a public OAuth client...).
//!
//! This module owns only the vocabulary (enum, names, parsing, help text);
//! the behaviour lives where each scenario bites (oauth.rs, table.rs, http.rs).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One deviation from a plain, healthy instance. Several can be active at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// The authorization page sends the browser to a fake IdP that signs the
    /// SSO user in automatically; Not You? lands on the same person again.
    Sso,
    /// IP Address Access Control blocks the caller: 403 HTML page on everything.
    IpBlocked,
    /// The OAuth flow and the Table API fail with the cross-scope access message.
    CrossScopeDenied,
    /// `glide.buildname` value; `None` = the property is absent.
    Release(Option<String>),
    /// Table API inserts fail with the ACL insert error (403).
    AclDenyInsert,
    /// Every API call answers 429 with these Retry-After seconds.
    RateLimit { retry_after_secs: u64 },
    /// The Table API answers 500.
    ServerError,
    /// Every request is delayed by this long.
    Slow(Duration),
    /// Table API writes persist, then the connection is cut before any response.
    DropAfterWrite,
    /// Table API success responses carry a truncated JSON body.
    MalformedJson,
    /// Access tokens are issued with this lifetime.
    ShortLivedTokens(Duration),
    /// The OAuth app is a public client: PKCE required, no secret, no refresh token.
    PublicClient,
    /// Table API POST/PATCH/PUT persist the record, then answer this status
    /// (500-599) instead of the result: ServiceNow's error envelope, or for 504
    /// a plain HTML page from the load balancer in front of the instance
    /// (without the instance's own headers). The record exists afterwards.
    ErrorAfterWrite {
        /// The status of the answer, 500-599.
        status: u16,
    },
    /// A field-level read ACL on these fields (one name, or several separated
    /// by commas), on every table, for every caller but `admin` (ACLs'
    /// "Admin overrides"): the integration user, the fulfiller, personal
    /// accounts. For them the fields are left out of every Table API record
    /// the instance renders (list and single GET, and the records in write
    /// answers), even when `sysparm_fields` names them, dot-walked or not; a
    /// query condition or an ORDERBY on them is silently dropped (the rest of
    /// the query still applies), as ServiceNow drops a condition it cannot
    /// evaluate. Writes still store the fields: the admin reads them, and
    /// [`crate::SimHandle::record`] shows them.
    HideField(String),
    /// Encoded-query conditions on these fields (one name, or several
    /// separated by commas) are silently ignored, as ServiceNow ignores a
    /// condition on an invalid field name; the rest of the query still
    /// applies, the fields are still returned and ORDERBY on them still sorts.
    IgnoreQueryField(String),
    /// Records created while this is on (Table API POST and
    /// [`crate::SimHandle::insert_record`]) get a sys_id that is not 32
    /// lowercase hex, in rotation (see [`hostile_sys_id`]), whatever sys_id the
    /// body asked for. They are served with it everywhere: bodies, `Location`
    /// and reference `link`s (percent-encoded as one path segment), and
    /// `/api/now/table/{table}/{sys_id}` with the value percent-encoded.
    /// Records that exist already keep theirs.
    BadSysIds,
    /// Like `RateLimit`, but `Retry-After` is an HTTP-date (IMF-fixdate) this
    /// many seconds ahead of the simulator's clock, rounded up to the second.
    RateLimitDate { retry_after_secs: u64 },
    /// `/oauth_revoke_token.do` answers 500 with the instance's HTML error
    /// page and revokes nothing.
    RevokeFails,
    /// `/oauth_token.do` refuses every `grant_type=refresh_token` with the
    /// generic 401 (`{"error_description":"access_denied","error":"server_error"}`);
    /// access tokens already issued keep working until they expire, and the
    /// refresh tokens themselves are left as they were.
    RefuseRefresh,
    /// A seeded, reproducible fault injector on the Table API: each request,
    /// with `percent` % probability, gets one fault drawn from those that fit
    /// it (see [`CHAOS_FAULTS`]); [`crate::SimHandle::chaos_counts`] counts them.
    /// Turning it on (again) restarts the sequence from the seed and zeroes
    /// the counts.
    Chaos {
        /// Seed of the fault sequence.
        seed: u64,
        /// Probability of a fault per Table API request, 0-100.
        percent: u8,
    },
}

/// The text that names an attempt at an OAuth app from a denied scope (the
/// retired Microsoft connector's known failure), word for word.
pub const CROSS_SCOPE_MESSAGE: &str = "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy";

/// Default delay of `slow` when no value is given.
pub const DEFAULT_SLOW: Duration = Duration::from_secs(2);
/// Default access token lifetime of `short-lived-tokens` when no value is given.
pub const DEFAULT_SHORT_TOKEN: Duration = Duration::from_secs(60);
/// Default Retry-After of `rate-limit` and `rate-limit-date` when no value is given.
pub const DEFAULT_RETRY_AFTER: u64 = 60;
/// Default status of `error-after-write` when no value is given.
pub const DEFAULT_ERROR_AFTER_WRITE: u16 = 500;
/// Default fault probability of `chaos` when no percent is given.
pub const DEFAULT_CHAOS_PERCENT: u8 = 30;

/// The faults `chaos` injects, by the names [`crate::SimHandle::chaos_counts`]
/// uses, with what each does. Writes (POST, PATCH, PUT) can get any of them;
/// reads (GET) only `server-error`, `rate-limit`, `rate-limit-date`,
/// `malformed-json` and `slow`; DELETE only `server-error`, `rate-limit`,
/// `rate-limit-date` and `slow`.
pub const CHAOS_FAULTS: &[(&str, &str)] = &[
    ("server-error", "500 error envelope before anything is done"),
    (
        "error-after-write",
        "the write is persisted, then a 500 error envelope",
    ),
    (
        "drop-after-write",
        "the write is persisted, then the connection is cut",
    ),
    (
        "gateway-timeout-after-write",
        "the write is persisted, then the load balancer's 504 HTML page",
    ),
    ("rate-limit", "429 with Retry-After 1 or 2 (seconds)"),
    (
        "rate-limit-date",
        "429 with Retry-After an HTTP-date 1 or 2 seconds ahead",
    ),
    (
        "malformed-json",
        "the request succeeds but its JSON body is truncated",
    ),
    ("slow", "the request is delayed 200-800 ms, then answered"),
];

/// The sys_ids `bad-sys-ids` hands out, in rotation: the `n`th one (from 0).
/// The first five are `../../api/now/table/sys_user`,
/// `ABCDEF0123456789ABCDEF0123456789` (uppercase hex), `a^b=c`, 31 hex
/// characters, and 32 characters with a space; later rounds vary them so
/// they stay unique.
pub fn hostile_sys_id(n: u64) -> String {
    let round = n / 5;
    match (n % 5, round) {
        (0, 0) => "../../api/now/table/sys_user".to_string(),
        (0, r) => format!("../../api/now/table/sys_user/{r}"),
        (1, 0) => "ABCDEF0123456789ABCDEF0123456789".to_string(),
        (1, r) => format!("ABCDEF{r:026X}"),
        (2, 0) => "a^b=c".to_string(),
        (2, r) => format!("a^b=c{r}"),
        (3, 0) => "0123456789abcdef0123456789abcde".to_string(),
        (3, r) => format!("f{r:030x}"),
        (_, 0) => "0123456789abcdef 123456789abcdef".to_string(),
        (_, r) => format!("0123456789abcdef {r:015x}"),
    }
}

impl Scenario {
    /// The kebab-case key without any value, e.g. `release` or `rate-limit`.
    /// Two scenarios with the same key replace each other.
    pub fn key(&self) -> &'static str {
        match self {
            Scenario::Sso => "sso",
            Scenario::IpBlocked => "ip-blocked",
            Scenario::CrossScopeDenied => "cross-scope-denied",
            Scenario::Release(_) => "release",
            Scenario::AclDenyInsert => "acl-deny-insert",
            Scenario::RateLimit { .. } => "rate-limit",
            Scenario::ServerError => "server-error",
            Scenario::Slow(_) => "slow",
            Scenario::DropAfterWrite => "drop-after-write",
            Scenario::MalformedJson => "malformed-json",
            Scenario::ShortLivedTokens(_) => "short-lived-tokens",
            Scenario::PublicClient => "public-client",
            Scenario::ErrorAfterWrite { .. } => "error-after-write",
            Scenario::HideField(_) => "hide-field",
            Scenario::IgnoreQueryField(_) => "ignore-query-field",
            Scenario::BadSysIds => "bad-sys-ids",
            Scenario::RateLimitDate { .. } => "rate-limit-date",
            Scenario::RevokeFails => "revoke-fails",
            Scenario::RefuseRefresh => "refuse-refresh",
            Scenario::Chaos { .. } => "chaos",
        }
    }

    /// Every scenario name with a one-line description, for `--help`.
    pub fn catalog() -> &'static [(&'static str, &'static str)] {
        &[
            (
                "sso",
                "authorization goes through a fake IdP that signs in jane.doe automatically; Not You? returns the same person",
            ),
            (
                "ip-blocked",
                "IP Address Access Control: every request gets a 403 HTML page",
            ),
            (
                "cross-scope-denied",
                "OAuth fails with the 'oauth_entity' cross-scope access message (page and Table API 403)",
            ),
            (
                "release=NAME",
                "glide.buildname is NAME (e.g. release=Zurich); release=none removes the property",
            ),
            (
                "acl-deny-insert",
                "Table API inserts fail: 403 'ACL Exception Insert Failed due to security constraints'",
            ),
            (
                "rate-limit[=SECS]",
                "every /api call answers 429 with Retry-After SECS (default 60)",
            ),
            ("server-error", "the Table API answers 500"),
            (
                "slow[=DURATION]",
                "every request is delayed (default 2s; e.g. slow=500ms, slow=3s)",
            ),
            (
                "drop-after-write",
                "Table API POST/PATCH/PUT persist, then the connection is cut before the response",
            ),
            (
                "malformed-json",
                "Table API success responses carry a truncated JSON body",
            ),
            (
                "short-lived-tokens[=DURATION]",
                "access tokens live this long (default 60s)",
            ),
            (
                "public-client",
                "the OAuth app is public: PKCE required, no client secret, no refresh token",
            ),
            (
                "error-after-write[=STATUS]",
                "Table API POST/PATCH/PUT persist, then answer STATUS (default 500; 504 = the load balancer's HTML page)",
            ),
            (
                "hide-field=NAME[,NAME]",
                "read ACL on these fields for all but admin: left out of Table API records, query conditions on them dropped; writes still store them",
            ),
            (
                "ignore-query-field=NAME[,NAME]",
                "query conditions on these fields are silently ignored (the fields are still returned)",
            ),
            (
                "bad-sys-ids",
                "records created from now on get sys_ids that are not 32 lowercase hex (../.., uppercase, a^b=c, 31 chars, a space)",
            ),
            (
                "rate-limit-date[=SECS]",
                "every /api call answers 429 with Retry-After an HTTP-date SECS ahead (default 60)",
            ),
            (
                "revoke-fails",
                "/oauth_revoke_token.do answers 500 (HTML error page) and revokes nothing",
            ),
            (
                "refuse-refresh",
                "the refresh_token grant always gets the generic 401; issued access tokens keep working",
            ),
            (
                "chaos=SEED[:PERCENT]",
                "seeded, reproducible Table API faults on PERCENT % of requests (default 30): 500s, drops, 504, 429s, truncated JSON, delays",
            ),
        ]
    }
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Parses `500ms`, `3s` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("invalid duration '{s}' (use e.g. 500ms, 3s or 3)");
    if let Some(ms) = s.strip_suffix("ms") {
        ms.parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| bad())
    } else {
        let secs = s.strip_suffix('s').unwrap_or(s);
        secs.parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| bad())
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::Release(Some(name)) => write!(f, "release={name}"),
            Scenario::Release(None) => write!(f, "release=none"),
            Scenario::RateLimit { retry_after_secs } => write!(f, "rate-limit={retry_after_secs}"),
            Scenario::Slow(d) => write!(f, "slow={}", fmt_duration(*d)),
            Scenario::ShortLivedTokens(d) => write!(f, "short-lived-tokens={}", fmt_duration(*d)),
            Scenario::ErrorAfterWrite { status } => write!(f, "error-after-write={status}"),
            Scenario::HideField(names) => write!(f, "hide-field={names}"),
            Scenario::IgnoreQueryField(names) => write!(f, "ignore-query-field={names}"),
            Scenario::RateLimitDate { retry_after_secs } => {
                write!(f, "rate-limit-date={retry_after_secs}")
            }
            Scenario::Chaos { seed, percent } => write!(f, "chaos={seed}:{percent}"),
            other => f.write_str(other.key()),
        }
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = match s.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (s.trim(), None),
        };
        let no_value = |sc: Scenario| match value {
            None => Ok(sc),
            Some(_) => Err(format!("scenario '{key}' takes no value")),
        };
        match key {
            "sso" => no_value(Scenario::Sso),
            "ip-blocked" => no_value(Scenario::IpBlocked),
            "cross-scope-denied" => no_value(Scenario::CrossScopeDenied),
            "acl-deny-insert" => no_value(Scenario::AclDenyInsert),
            "server-error" => no_value(Scenario::ServerError),
            "drop-after-write" => no_value(Scenario::DropAfterWrite),
            "malformed-json" => no_value(Scenario::MalformedJson),
            "public-client" => no_value(Scenario::PublicClient),
            "bad-sys-ids" => no_value(Scenario::BadSysIds),
            "revoke-fails" => no_value(Scenario::RevokeFails),
            "refuse-refresh" => no_value(Scenario::RefuseRefresh),
            "error-after-write" => match value {
                None => Ok(Scenario::ErrorAfterWrite {
                    status: DEFAULT_ERROR_AFTER_WRITE,
                }),
                Some(v) => v
                    .parse::<u16>()
                    .ok()
                    .filter(|s| (500..=599).contains(s))
                    .map(|status| Scenario::ErrorAfterWrite { status })
                    .ok_or_else(|| {
                        format!(
                            "invalid error-after-write status '{v}' (use 500-599, e.g. 500 or 504)"
                        )
                    }),
            },
            "hide-field" => field_names(key, value).map(Scenario::HideField),
            "ignore-query-field" => field_names(key, value).map(Scenario::IgnoreQueryField),
            "rate-limit-date" => match value {
                None => Ok(Scenario::RateLimitDate {
                    retry_after_secs: DEFAULT_RETRY_AFTER,
                }),
                Some(v) => v
                    .parse()
                    .map(|retry_after_secs| Scenario::RateLimitDate { retry_after_secs })
                    .map_err(|_| format!("invalid rate-limit-date seconds '{v}'")),
            },
            "chaos" => {
                let Some(v) = value.filter(|v| !v.is_empty()) else {
                    return Err("chaos needs a value: chaos=SEED or chaos=SEED:PERCENT".into());
                };
                let (seed, percent) = match v.split_once(':') {
                    Some((s, p)) => (s.trim(), Some(p.trim())),
                    None => (v, None),
                };
                let seed = seed
                    .parse()
                    .map_err(|_| format!("invalid chaos seed '{seed}'"))?;
                let percent = match percent {
                    None => DEFAULT_CHAOS_PERCENT,
                    Some(p) => p
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= 100)
                        .ok_or_else(|| format!("invalid chaos percent '{p}' (use 0-100)"))?,
                };
                Ok(Scenario::Chaos { seed, percent })
            }
            "release" => match value {
                None | Some("") => {
                    Err("release needs a value: release=Zurich or release=none".into())
                }
                Some(v) if v.eq_ignore_ascii_case("none") => Ok(Scenario::Release(None)),
                Some(v) => Ok(Scenario::Release(Some(v.to_string()))),
            },
            "rate-limit" => match value {
                None => Ok(Scenario::RateLimit {
                    retry_after_secs: DEFAULT_RETRY_AFTER,
                }),
                Some(v) => v
                    .parse()
                    .map(|retry_after_secs| Scenario::RateLimit { retry_after_secs })
                    .map_err(|_| format!("invalid rate-limit seconds '{v}'")),
            },
            "slow" => Ok(Scenario::Slow(
                value
                    .map(parse_duration)
                    .transpose()?
                    .unwrap_or(DEFAULT_SLOW),
            )),
            "short-lived-tokens" => Ok(Scenario::ShortLivedTokens(
                value
                    .map(parse_duration)
                    .transpose()?
                    .unwrap_or(DEFAULT_SHORT_TOKEN),
            )),
            other => Err(format!(
                "unknown scenario '{other}'; known: {}",
                Scenario::catalog()
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// The value of `hide-field` / `ignore-query-field`: field names separated
/// by commas, each made of lowercase letters, digits and `_` as ServiceNow's
/// column names are. Spaces around names are dropped.
fn field_names(key: &str, value: Option<&str>) -> Result<String, String> {
    let names: Vec<&str> = value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Err(format!(
            "{key} needs a value: {key}=correlation_id (several: {key}=a,b)"
        ));
    }
    if let Some(bad) = names.iter().find(|n| {
        !n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }) {
        return Err(format!("invalid {key} field name '{bad}'"));
    }
    Ok(names.join(","))
}

impl Scenario {
    /// The field names of `hide-field` / `ignore-query-field` (empty for others).
    pub fn field_list(&self) -> impl Iterator<Item = &str> {
        let names = match self {
            Scenario::HideField(n) | Scenario::IgnoreQueryField(n) => n.as_str(),
            _ => "",
        };
        names.split(',').map(str::trim).filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            "sso",
            "ip-blocked",
            "cross-scope-denied",
            "release=Zurich",
            "release=none",
            "acl-deny-insert",
            "rate-limit=30",
            "server-error",
            "slow=250ms",
            "slow=3s",
            "drop-after-write",
            "malformed-json",
            "short-lived-tokens=5s",
            "public-client",
            "error-after-write=500",
            "error-after-write=504",
            "hide-field=correlation_id",
            "hide-field=correlation_id,correlation_display",
            "ignore-query-field=correlation_id",
            "bad-sys-ids",
            "rate-limit-date=30",
            "rate-limit=18446744073709551615",
            "rate-limit-date=18446744073709551615",
            "revoke-fails",
            "refuse-refresh",
            "chaos=42:30",
            "chaos=18446744073709551615:100",
            "chaos=0:0",
        ] {
            let sc: Scenario = s.parse().unwrap();
            assert_eq!(sc.to_string(), s);
        }
        assert_eq!(
            "rate-limit".parse::<Scenario>().unwrap(),
            Scenario::RateLimit {
                retry_after_secs: 60
            }
        );
        assert_eq!(
            "slow".parse::<Scenario>().unwrap(),
            Scenario::Slow(DEFAULT_SLOW)
        );
        assert!("release".parse::<Scenario>().is_err());
        assert!("nope".parse::<Scenario>().is_err());
        assert!("sso=1".parse::<Scenario>().is_err());
    }

    #[test]
    fn every_scenario_round_trips_through_display() {
        for sc in [
            Scenario::ErrorAfterWrite { status: 500 },
            Scenario::ErrorAfterWrite { status: 504 },
            Scenario::HideField("correlation_id".into()),
            Scenario::IgnoreQueryField("correlation_id,number".into()),
            Scenario::BadSysIds,
            Scenario::RateLimitDate {
                retry_after_secs: 0,
            },
            Scenario::RateLimit {
                retry_after_secs: u64::MAX,
            },
            Scenario::RevokeFails,
            Scenario::RefuseRefresh,
            Scenario::Chaos {
                seed: 7,
                percent: 100,
            },
        ] {
            assert_eq!(sc.to_string().parse::<Scenario>(), Ok(sc.clone()), "{sc}");
            assert!(
                Scenario::catalog()
                    .iter()
                    .any(|(n, _)| n.split(['=', '[']).next() == Some(sc.key())),
                "{} is in the catalog",
                sc.key()
            );
        }
    }

    #[test]
    fn new_scenario_values_and_errors() {
        let parse = |s: &str| s.parse::<Scenario>();
        assert_eq!(
            parse("error-after-write"),
            Ok(Scenario::ErrorAfterWrite { status: 500 })
        );
        assert_eq!(
            parse("error-after-write=499"),
            Err("invalid error-after-write status '499' (use 500-599, e.g. 500 or 504)".into())
        );
        assert!(parse("error-after-write=abc").is_err());
        assert_eq!(
            parse("rate-limit-date"),
            Ok(Scenario::RateLimitDate {
                retry_after_secs: 60
            })
        );
        assert_eq!(
            parse("rate-limit-date=-1"),
            Err("invalid rate-limit-date seconds '-1'".into())
        );
        assert_eq!(
            parse("rate-limit=18446744073709551615"),
            Ok(Scenario::RateLimit {
                retry_after_secs: u64::MAX
            })
        );
        assert_eq!(
            parse("hide-field= correlation_id , number "),
            Ok(Scenario::HideField("correlation_id,number".into()))
        );
        assert_eq!(
            parse("hide-field"),
            Err(
                "hide-field needs a value: hide-field=correlation_id (several: hide-field=a,b)"
                    .into()
            )
        );
        assert_eq!(
            parse("ignore-query-field=a^b"),
            Err("invalid ignore-query-field field name 'a^b'".into())
        );
        assert_eq!(
            parse("chaos=42"),
            Ok(Scenario::Chaos {
                seed: 42,
                percent: 30
            })
        );
        assert_eq!(
            parse("chaos"),
            Err("chaos needs a value: chaos=SEED or chaos=SEED:PERCENT".into())
        );
        assert_eq!(parse("chaos=x"), Err("invalid chaos seed 'x'".into()));
        assert_eq!(
            parse("chaos=1:101"),
            Err("invalid chaos percent '101' (use 0-100)".into())
        );
        assert_eq!(
            parse("bad-sys-ids=1"),
            Err("scenario 'bad-sys-ids' takes no value".into())
        );
    }

    #[test]
    fn hostile_sys_ids_are_hostile_and_unique() {
        let ids: Vec<String> = (0..50).map(hostile_sys_id).collect();
        assert_eq!(
            &ids[..5],
            [
                "../../api/now/table/sys_user",
                "ABCDEF0123456789ABCDEF0123456789",
                "a^b=c",
                "0123456789abcdef0123456789abcde",
                "0123456789abcdef 123456789abcdef",
            ]
        );
        assert_eq!(ids[3].len(), 31);
        for (i, id) in ids.iter().enumerate() {
            assert!(!crate::store::is_sys_id(id), "{id}");
            assert!(!ids[..i].contains(id), "{id} repeats");
        }
        assert_eq!(ids[8].len(), 31);
        assert_eq!(ids[6].len(), 32);
    }
}
