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
}

/// The text that names an attempt at an OAuth app from a denied scope (the
/// retired Microsoft connector's known failure), word for word.
pub const CROSS_SCOPE_MESSAGE: &str = "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy";

/// Default delay of `slow` when no value is given.
pub const DEFAULT_SLOW: Duration = Duration::from_secs(2);
/// Default access token lifetime of `short-lived-tokens` when no value is given.
pub const DEFAULT_SHORT_TOKEN: Duration = Duration::from_secs(60);
/// Default Retry-After of `rate-limit` when no value is given.
pub const DEFAULT_RETRY_AFTER: u64 = 60;

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
}
