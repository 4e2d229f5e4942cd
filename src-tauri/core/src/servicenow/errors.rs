//! The one place where ServiceNow's answers become [`Error`]s.
//!
//! ServiceNow reports Table API failures as `{"error":{"message","detail"},"status":"failure"}`,
//! every OAuth token failure as `401 {"error_description":"access_denied","error":"server_error"}`
//! whatever the cause, and an IP Address Access Control refusal as an HTML page. Each mapping
//! below is tested; the hints are what an admin can do about it.

use crate::error::{Error, ErrorKind};
use serde::Deserialize;

#[derive(Deserialize)]
struct Envelope {
    error: Option<Detail>,
}

#[derive(Deserialize)]
struct Detail {
    message: Option<String>,
    detail: Option<serde_json::Value>,
}

/// ServiceNow's own words from an error body: `message` and, when present, `detail`.
pub fn servicenow_message(body: &[u8]) -> Option<(String, Option<String>)> {
    let env: Envelope = serde_json::from_slice(body).ok()?;
    let d = env.error?;
    let detail = match d.detail {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    Some((d.message.unwrap_or_default(), detail))
}

const CROSS_SCOPE_HINT: &str = "In ServiceNow, open System Definition > Tables, find Application Registries (oauth_entity), and set it back to the defaults: Accessible from = All application scopes, and Can read selected. ServiceNow recommends keeping default settings.";
const IP_HINT: &str = "ServiceNow's IP Address Access Control does not allow this computer. Ask your ServiceNow admin to allow this computer's public IP address (System Security > IP Address Access Control), or connect from a network that is allowed.";

fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    content_type.is_some_and(|c| c.contains("text/html"))
        || body
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .is_some_and(|i| body[i] == b'<')
}

/// Maps a failed Table API (or other REST) answer. `doing` completes "Ticket Bridge could not
/// …", for example "create the change request".
pub fn map_api_error(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<&str>,
    body: &[u8],
    doing: &str,
) -> Error {
    let sn = servicenow_message(body);
    let text = sn
        .as_ref()
        .map(|(m, d)| match d {
            Some(d) => format!("{m}: {d}"),
            None => m.clone(),
        })
        .unwrap_or_default();
    let lower = text.to_ascii_lowercase();

    if lower.contains("cross-scope") || lower.contains("cross scope") {
        return Error::new(
            ErrorKind::CrossScopeDenied,
            format!("ServiceNow refused a read because of the table's cross-scope access policy ({text})."),
            CROSS_SCOPE_HINT,
        )
        .with_status(status);
    }
    match status {
        401 => Error::new(
            ErrorKind::AuthExpired,
            "ServiceNow no longer accepts Ticket Bridge's sign-in.",
            "Reconnect: open Manage ServiceNow configuration and select Re-authorize, then sign in as the integration user.",
        )
        .with_status(401),
        403 if sn.is_none() && looks_like_html(content_type, body) => Error::new(
            ErrorKind::IpBlocked,
            "ServiceNow refused the connection from this computer.",
            IP_HINT,
        )
        .with_status(403),
        403 => Error::new(
            ErrorKind::AclDenied,
            format!("ServiceNow did not let the integration user {doing}: {}.", if text.is_empty() { "access denied".into() } else { text }),
            "Give the integration user the roles to read and create incidents and change requests (itil on a default instance), or ask your ServiceNow admin which access control blocks it.",
        )
        .with_status(403),
        429 => {
            // Seconds or an HTTP date, never longer than the outbox's longest backoff.
            let secs = crate::retry_after::parse(
                retry_after,
                chrono::Utc::now(),
                crate::retry_after::SERVICENOW_MAX,
            )
            .map_or(60, |d| d.as_secs());
            Error::new(
                ErrorKind::RateLimited,
                "ServiceNow asked Ticket Bridge to slow down (rate limit).",
                format!("Nothing is lost: Ticket Bridge tries again in {secs} seconds."),
            )
            .with_status(429)
            .with_retry_after(secs)
        }
        500..=599 => Error::new(
            ErrorKind::ServiceNow,
            format!(
                "ServiceNow had a problem and could not {doing} (HTTP {status}{}).",
                if text.is_empty() { String::new() } else { format!(": {text}") }
            ),
            "This is usually temporary. Ticket Bridge tries again; if it keeps happening, check the instance's status with your ServiceNow admin.",
        )
        .with_status(status),
        _ => Error::new(
            ErrorKind::ServiceNow,
            format!(
                "ServiceNow could not {doing} (HTTP {status}{}).",
                if text.is_empty() { String::new() } else { format!(": {text}") }
            ),
            "Check that the instance has the default incident and change request tables and fields; customizations can block Ticket Bridge. ServiceNow's message above says more.",
        )
        .with_status(status),
    }
}

/// Maps a failed `/oauth_token.do` answer for the authorization code grant. ServiceNow says
/// `access_denied` for every cause, so the hint lists what to check.
pub fn map_code_exchange_error(status: u16, content_type: Option<&str>, body: &[u8]) -> Error {
    if status == 403 && looks_like_html(content_type, body) {
        return Error::new(
            ErrorKind::IpBlocked,
            "ServiceNow refused the connection from this computer.",
            IP_HINT,
        )
        .with_status(403);
    }
    let sn = String::from_utf8_lossy(body);
    if sn.contains("cross-scope") {
        return Error::new(
            ErrorKind::CrossScopeDenied,
            "ServiceNow refused to read its Application Registry because of the table's cross-scope access policy.",
            CROSS_SCOPE_HINT,
        )
        .with_status(status);
    }
    Error::new(
        ErrorKind::ServiceNow,
        format!("ServiceNow refused to finish the sign-in (HTTP {status}, access_denied). It gives the same answer for every cause."),
        "Check three things in System OAuth > Application Registry: the client secret (copy it again; it is easy to miss a character), the client ID, and that the redirect URL shown in Ticket Bridge is registered exactly. Then connect again.",
    )
    .with_status(status)
}

/// Maps a failed refresh: the refresh token is expired or revoked, or the secret changed.
pub fn map_refresh_error(status: u16) -> Error {
    Error::new(
        ErrorKind::AuthExpired,
        format!("ServiceNow refused to renew Ticket Bridge's sign-in (HTTP {status})."),
        "Reconnect: open Manage ServiceNow configuration and select Re-authorize. If the client secret was changed in ServiceNow, enter the new one.",
    )
    .with_status(status)
}

/// Maps a transport failure (no answer at all).
pub fn map_transport_error(err: &reqwest::Error, instance: &str) -> Error {
    // TLS failures reach us as an io::Error of kind InvalidData, possibly wrapped in another
    // io::Error (whose source() skips it), somewhere in the chain.
    fn invalid_data(e: &(dyn std::error::Error + 'static)) -> bool {
        let Some(io) = e.downcast_ref::<std::io::Error>() else {
            return false;
        };
        io.kind() == std::io::ErrorKind::InvalidData
            || io.get_ref().is_some_and(|inner| invalid_data(inner))
    }
    let mut tls = false;
    let mut src = std::error::Error::source(err);
    while let Some(e) = src {
        tls |= invalid_data(e);
        src = e.source();
    }
    let chain = {
        let mut s = err.to_string();
        let mut src = std::error::Error::source(err);
        while let Some(e) = src {
            s.push_str(": ");
            s.push_str(&e.to_string());
            src = e.source();
        }
        s.to_ascii_lowercase()
    };
    if tls || chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        return Error::new(
            ErrorKind::InstanceUnreachable,
            format!(
                "Ticket Bridge could not make a secure connection to {instance}: its certificate is not trusted by this computer."
            ),
            "Check the instance address. If your company inspects HTTPS traffic, its root certificate must be installed in this computer's certificate store.",
        );
    }
    if err.is_timeout() {
        return Error::new(
            ErrorKind::InstanceUnreachable,
            format!("{instance} did not answer in time."),
            "Check your network connection, then try again. Ticket Bridge keeps anything waiting to be sent.",
        );
    }
    if chain.contains("dns") || chain.contains("resolve") || chain.contains("lookup") {
        return Error::new(
            ErrorKind::InstanceUnreachable,
            format!("Ticket Bridge could not find {instance}."),
            "Check the instance name for typos, and that this computer is online.",
        );
    }
    if err.is_decode() || err.is_body() {
        return Error::new(
            ErrorKind::InstanceUnreachable,
            format!("The connection to {instance} broke before its answer was complete."),
            "Check your network connection. Ticket Bridge checks what reached ServiceNow before it sends anything again.",
        );
    }
    Error::new(
        ErrorKind::InstanceUnreachable,
        format!("Ticket Bridge could not reach {instance}."),
        "Check your network connection and the instance address, then try again.",
    )
}

/// A 2xx answer whose body could not be read as ServiceNow JSON.
pub fn unreadable_answer(doing: &str) -> Error {
    Error::new(
        ErrorKind::ServiceNow,
        format!(
            "ServiceNow answered, but Ticket Bridge could not read the answer when trying to {doing}."
        ),
        "This is usually temporary. Try again; if it keeps happening, a proxy or a customization may be changing ServiceNow's answers.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json;charset=UTF-8");

    fn body(msg: &str, detail: &str) -> Vec<u8> {
        serde_json::json!({"error": {"message": msg, "detail": detail}, "status": "failure"})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn unauthenticated_is_auth_expired() {
        let e = map_api_error(
            401,
            JSON,
            None,
            &body(
                "User Not Authenticated",
                "Required to provide Auth information",
            ),
            "read tickets",
        );
        assert_eq!(e.kind, ErrorKind::AuthExpired);
        assert_eq!(e.status, Some(401));
    }

    #[test]
    fn acl_insert_and_api_acl_are_acl_denied_with_servicenow_words() {
        let e = map_api_error(
            403,
            JSON,
            None,
            &body(
                "Operation Failed",
                "ACL Exception Insert Failed due to security constraints",
            ),
            "create the incident",
        );
        assert_eq!(e.kind, ErrorKind::AclDenied);
        assert!(
            e.message.contains("ACL Exception Insert Failed"),
            "{}",
            e.message
        );
        assert!(e.message.contains("create the incident"));
        let e = map_api_error(
            403,
            JSON,
            None,
            &body("User Not Authorized", "Failed API level ACL Validation"),
            "read tickets",
        );
        assert_eq!(e.kind, ErrorKind::AclDenied);
    }

    #[test]
    fn html_403_is_ip_blocked() {
        let page = b"  <html><body>Access denied: your IP address is not allowed</body></html>";
        let e = map_api_error(403, Some("text/html"), None, page, "read tickets");
        assert_eq!(e.kind, ErrorKind::IpBlocked);
        let e = map_api_error(403, None, None, page, "read tickets");
        assert_eq!(e.kind, ErrorKind::IpBlocked);
        assert!(e.hint.contains("IP Address Access Control"));
    }

    #[test]
    fn cross_scope_message_gets_the_seeds_fix() {
        let msg = "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy";
        let e = map_api_error(403, JSON, None, &body(msg, ""), "read");
        assert_eq!(e.kind, ErrorKind::CrossScopeDenied);
        assert!(e.hint.contains("All application scopes"));
        assert!(e.hint.contains("Can read"));
    }

    #[test]
    fn rate_limit_keeps_retry_after() {
        let e = map_api_error(
            429,
            JSON,
            Some("17"),
            &body("Rate limit exceeded", ""),
            "read",
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after_secs, Some(17));
        let e = map_api_error(429, JSON, Some("soon"), b"", "read");
        assert_eq!(e.retry_after_secs, Some(60));
        // An absurd number waits the longest backoff; an HTTP date in the past waits nothing.
        let e = map_api_error(429, JSON, Some("18446744073709551615"), b"", "read");
        assert_eq!(e.retry_after_secs, Some(15 * 60));
        let e = map_api_error(
            429,
            JSON,
            Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            b"",
            "read",
        );
        assert_eq!(e.retry_after_secs, Some(0));
    }

    #[test]
    fn other_statuses_keep_status_and_servicenow_message() {
        let e = map_api_error(400, JSON, None, &body("Invalid table incidnt", ""), "read");
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert_eq!(e.status, Some(400));
        assert!(e.message.contains("Invalid table incidnt"));
        let e = map_api_error(
            404,
            JSON,
            None,
            &body(
                "No Record found",
                "Record doesn't exist or ACL restricts the record retrieval",
            ),
            "read the ticket",
        );
        assert!(e.message.contains("No Record found: Record doesn't exist"));
        let e = map_api_error(503, Some("text/html"), None, b"<html>down</html>", "read");
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert_eq!(e.status, Some(503));
        let null_detail =
            br#"{"error":{"message":"Invalid table x","detail":null},"status":"failure"}"#;
        assert_eq!(
            servicenow_message(null_detail),
            Some(("Invalid table x".into(), None))
        );
        assert_eq!(servicenow_message(b"not json"), None);
    }

    #[test]
    fn token_failures_list_what_to_check() {
        let e = map_code_exchange_error(
            401,
            JSON,
            br#"{"error_description":"access_denied","error":"server_error"}"#,
        );
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert!(
            e.hint.contains("client secret")
                && e.hint.contains("client ID")
                && e.hint.contains("redirect URL")
        );
        let e = map_refresh_error(401);
        assert_eq!(e.kind, ErrorKind::AuthExpired);
        assert!(e.hint.contains("Re-authorize"));
    }
}

/// Arbitrary answers as errors: never a panic, always a kind, a message and a hint.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_answer_becomes_an_error_with_a_hint(
            status in 100u16..600,
            body in any::<Vec<u8>>(),
            ct in proptest::option::of(".{0,40}"),
            retry in proptest::option::of(".{0,40}"),
        ) {
            let e = map_api_error(status, ct.as_deref(), retry.as_deref(), &body, "read");
            prop_assert!(!e.message.is_empty());
            prop_assert!(!e.hint.is_empty());
            if let Some(s) = e.retry_after_secs {
                prop_assert!(s <= crate::retry_after::SERVICENOW_MAX.as_secs());
            }
        }

        #[test]
        fn the_envelope_in_any_shape(message in ".{0,80}", detail in ".{0,80}", n in any::<i64>()) {
            for body in [
                serde_json::json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
                serde_json::json!({"error": message}),
                serde_json::json!({"error": {"message": n, "detail": [detail]}}),
                serde_json::json!({"error_description": message, "error": n}),
                serde_json::json!([message]),
            ] {
                let bytes = serde_json::to_vec(&body).unwrap();
                let e = map_api_error(400, Some("application/json"), None, &bytes, "create");
                prop_assert!(!e.hint.is_empty());
            }
        }
    }
}
