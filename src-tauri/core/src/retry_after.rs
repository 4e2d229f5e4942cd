//! `Retry-After`, as ServiceNow and Microsoft Graph send it: a number of seconds or an HTTP date
//! (RFC 9110 §10.2.3), read without trusting it: a value too large for any clock waits the
//! caller's maximum, a date in the past waits nothing, anything else is ignored. No arithmetic
//! here can overflow.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest ServiceNow may make Ticket Bridge wait (the outbox's longest backoff).
pub const SERVICENOW_MAX: Duration = Duration::from_secs(15 * 60);

/// The wait `value` asks for at `now`, at most `max`; `None` when there is no usable value.
pub fn parse(value: Option<&str>, now: DateTime<Utc>, max: Duration) -> Option<Duration> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // A number too long for u64 is still a number: the longest wait.
        return Some(
            v.parse::<u64>()
                .map_or(max, |s| Duration::from_secs(s).min(max)),
        );
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    let secs = at.signed_duration_since(now).num_seconds().max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)).min(max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    const MAX: Duration = SERVICENOW_MAX;

    #[test]
    fn seconds_dates_and_nonsense() {
        let p = |v: &str| parse(Some(v), now(), MAX);
        assert_eq!(p("17"), Some(Duration::from_secs(17)));
        assert_eq!(p(" 0 "), Some(Duration::ZERO));
        assert_eq!(p("18446744073709551615"), Some(MAX));
        assert_eq!(p("99999999999999999999999999"), Some(MAX));
        assert_eq!(
            p("Tue, 01 Dec 2026 12:00:30 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            p("Tue, 01 Dec 2026 11:00:00 GMT"),
            Some(Duration::ZERO),
            "in the past"
        );
        assert_eq!(p("Fri, 31 Dec 9999 23:59:59 GMT"), Some(MAX));
        assert_eq!(p("-5"), None);
        assert_eq!(p("1.5"), None);
        assert_eq!(p("soon"), None);
        assert_eq!(p(""), None);
        assert_eq!(parse(None, now(), MAX), None);
    }

    proptest! {
        #[test]
        fn never_panics_and_never_exceeds_the_maximum(v in ".{0,64}") {
            if let Some(d) = parse(Some(&v), now(), MAX) {
                prop_assert!(d <= MAX);
            }
        }

        #[test]
        fn any_clock_is_fine(secs in i64::MIN / 4..i64::MAX / 4, v in "[0-9A-Za-z ,:]{0,40}") {
            let now = DateTime::<Utc>::from_timestamp(secs / 1_000_000, 0).unwrap_or_default();
            let _ = parse(Some(&v), now, MAX);
        }
    }
}
