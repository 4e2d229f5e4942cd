//! The one place where ServiceNow's answers become [`Error`]s.
//!
//! ServiceNow reports Table API failures as `{"error":{"message","detail"},"status":"failure"}`,
//! every OAuth token failure as `401 {"error_description":"access_denied","error":"server_error"}`
//! whatever the cause, and an IP Address Access Control refusal as an HTML page. Each mapping
//! below is tested; the hints are what an admin can do about it.
//!
//! Every error made here has a `reason` (`sn_*` for ServiceNow's answers, `net_*` for no answer)
//! and the `params` its words in `ui/locales/*.json` (`errors.reasons.<reason>`) need:
//! `instance` (the host), `status`, `detail` (ServiceNow's own text, shown as it is), `secs`, and
//! `doing`, a [`Doing`] code the UI words from `errors.doing.<code>`. The English `message` and
//! `hint` say the same for logs.

use crate::error::{Error, ErrorKind};
use crate::servicenow::TicketKind;
use serde::Deserialize;

macro_rules! doings {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $english:literal;)*) => {
        /// What Ticket Bridge was doing when ServiceNow failed. It completes "could not …": the
        /// English words are for the message, the code names the UI's `errors.doing.<code>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Doing {
            $($(#[$doc])* $variant,)*
        }

        impl Doing {
            /// Every variant, for the tests that check the catalogs.
            pub const ALL: &'static [Doing] = &[$(Doing::$variant,)*];

            /// The stable code (`snake_case`) the UI looks up as `errors.doing.<code>`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Doing::$variant => $code,)*
                }
            }

            /// The English words, for messages and logs.
            pub fn english(self) -> &'static str {
                match self {
                    $(Doing::$variant => $english,)*
                }
            }
        }
    };
}

doings! {
    FinishSignIn => "finish_sign_in", "finish the sign-in";
    RenewSignIn => "renew_sign_in", "renew the sign-in";
    RevokeToken => "revoke_token", "revoke the token";
    FindSignedInUser => "find_signed_in_user", "find out who signed in";
    ReadRelease => "read_release", "read the release";
    ReadRegistry => "read_registry", "read its Application Registry";
    /// The connection check's first request (only its IP block is reported).
    ReachInstance => "reach_instance", "answer";
    CreateChangeRequest => "create_change_request", "create the change request";
    CreateIncident => "create_incident", "create the incident";
    ReadChangeRequests => "read_change_requests", "read change requests";
    ReadIncidents => "read_incidents", "read incidents";
    CheckCreated => "check_created", "check whether the ticket was created";
    LookForChanges => "look_for_changes", "look for ticket changes";
    ReadTickets => "read_tickets", "read the tickets";
    CheckOpenTicket => "check_open_ticket", "check for an open ticket for this action";
    ReadComments => "read_comments", "read the new comments";
    ReadAssignee => "read_assignee", "read the assignee's name";
    ReadRoles => "read_roles", "read the integration user's roles";
    ReadStates => "read_states", "read the ticket states";
    SearchByCorrelation => "search_by_correlation", "search tickets by correlation ID";
}

impl Doing {
    /// Creating one ticket of `kind`.
    pub fn create(kind: TicketKind) -> Self {
        match kind {
            TicketKind::ChangeRequest => Self::CreateChangeRequest,
            TicketKind::Incident => Self::CreateIncident,
        }
    }

    /// Reading the table of `kind` (the connection check's read rights).
    pub fn read(kind: TicketKind) -> Self {
        match kind {
            TicketKind::ChangeRequest => Self::ReadChangeRequests,
            TicketKind::Incident => Self::ReadIncidents,
        }
    }
}

impl std::fmt::Display for Doing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

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

/// Sets `detail` (ServiceNow's own text) when there is one.
fn with_detail(e: Error, text: &str) -> Error {
    if text.is_empty() {
        e
    } else {
        e.with_param("detail", text)
    }
}

fn ip_blocked() -> Error {
    Error::new(
        ErrorKind::IpBlocked,
        "ServiceNow refused the connection from this computer.",
        IP_HINT,
    )
    .with_reason("sn_ip_blocked")
    .with_param("status", "403")
    .with_status(403)
}

/// Maps a failed Table API (or other REST) answer. `doing` completes "Ticket Bridge could not
/// …", for example [`Doing::CreateChangeRequest`].
pub fn map_api_error(
    status: u16,
    content_type: Option<&str>,
    retry_after: Option<&str>,
    body: &[u8],
    doing: Doing,
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
    let code = status.to_string();
    // ServiceNow's words after the status in the English message, when it said any.
    let said = if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    };

    if lower.contains("cross-scope") || lower.contains("cross scope") {
        let e = Error::new(
            ErrorKind::CrossScopeDenied,
            format!("ServiceNow refused a read because of the table's cross-scope access policy ({text})."),
            CROSS_SCOPE_HINT,
        )
        .with_reason("sn_cross_scope")
        .with_param("status", &code)
        .with_status(status);
        return with_detail(e, &text);
    }
    match status {
        // A forward proxy's answer to a plain-HTTP request, not ServiceNow's.
        407 => crate::network::proxy_auth_error(),
        401 => Error::new(
            ErrorKind::AuthExpired,
            "ServiceNow no longer accepts Ticket Bridge's sign-in.",
            "Reconnect: open Manage ServiceNow configuration and select Re-authorize, then sign in as the integration user.",
        )
        .with_reason("sn_auth_revoked")
        .with_param("status", code)
        .with_status(401),
        403 if sn.is_none() && looks_like_html(content_type, body) => ip_blocked(),
        403 => {
            let e = Error::new(
                ErrorKind::AclDenied,
                format!("ServiceNow did not let the integration user {doing}: {}.", if text.is_empty() { "access denied" } else { &text }),
                "Give the integration user the roles to read and create incidents and change requests (itil on a default instance), or ask your ServiceNow admin which access control blocks it.",
            )
            .with_reason("sn_acl_denied")
            .with_param("doing", doing.code())
            .with_param("status", code)
            .with_status(403);
            with_detail(e, &text)
        }
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
            .with_reason("sn_rate_limited")
            .with_param("secs", secs.to_string())
            // The plural form of the words follows `count`.
            .with_param("count", secs.to_string())
            .with_param("status", code)
            .with_status(429)
            .with_retry_after(secs)
        }
        500..=599 => {
            let e = Error::new(
                ErrorKind::ServiceNow,
                format!("ServiceNow had a problem and could not {doing} (HTTP {status}{said})."),
                "This is usually temporary. Ticket Bridge tries again; if it keeps happening, check the instance's status with your ServiceNow admin.",
            )
            .with_reason("sn_server_error")
            .with_param("doing", doing.code())
            .with_param("status", code)
            .with_status(status);
            with_detail(e, &text)
        }
        _ => {
            let e = Error::new(
                ErrorKind::ServiceNow,
                format!("ServiceNow could not {doing} (HTTP {status}{said})."),
                "Check that the instance has the default incident and change request tables and fields; customizations can block Ticket Bridge. ServiceNow's message above says more.",
            )
            .with_reason("sn_request_failed")
            .with_param("doing", doing.code())
            .with_param("status", code)
            .with_status(status);
            with_detail(e, &text)
        }
    }
}

/// Maps a failed `/oauth_token.do` answer for the authorization code grant. ServiceNow says
/// `access_denied` for every cause, so the hint lists what to check.
pub fn map_code_exchange_error(status: u16, content_type: Option<&str>, body: &[u8]) -> Error {
    if status == 403 && looks_like_html(content_type, body) {
        return ip_blocked();
    }
    let code = status.to_string();
    let sn = String::from_utf8_lossy(body);
    if sn.contains("cross-scope") {
        return Error::new(
            ErrorKind::CrossScopeDenied,
            "ServiceNow refused to read its Application Registry because of the table's cross-scope access policy.",
            CROSS_SCOPE_HINT,
        )
        .with_reason("sn_cross_scope")
        .with_param("status", code)
        .with_status(status);
    }
    Error::new(
        ErrorKind::ServiceNow,
        format!("ServiceNow refused to finish the sign-in (HTTP {status}, access_denied). It gives the same answer for every cause."),
        "Check three things in System OAuth > Application Registry: the client secret (copy it again; it is easy to miss a character), the client ID, and that the redirect URL shown in Ticket Bridge is registered exactly. Then connect again.",
    )
    .with_reason("sn_token_refused")
    .with_param("status", code)
    .with_status(status)
}

/// Maps a failed refresh: the refresh token is expired or revoked, or the secret changed.
pub fn map_refresh_error(status: u16) -> Error {
    Error::new(
        ErrorKind::AuthExpired,
        format!("ServiceNow refused to renew Ticket Bridge's sign-in (HTTP {status})."),
        "Reconnect: open Manage ServiceNow configuration and select Re-authorize. If the client secret was changed in ServiceNow, enter the new one.",
    )
    .with_reason("sn_refresh_refused")
    .with_param("status", status.to_string())
    .with_status(status)
}

/// Maps a transport failure (no answer at all). `instance` is the host that did not answer
/// (also Microsoft's, for the sign-in and Graph).
pub fn map_transport_error(err: &reqwest::Error, instance: &str) -> Error {
    // A proxy's 407 to the tunnel: its own words, not "unreachable".
    if crate::network::is_proxy_auth(err) {
        return crate::network::proxy_auth_error().with_param("instance", instance);
    }
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
    let cause = if tls
        || chain.contains("certificate")
        || chain.contains("tls")
        || chain.contains("handshake")
    {
        Cause::TlsUntrusted
    } else if err.is_timeout() {
        Cause::Timeout
    } else if chain.contains("dns") || chain.contains("resolve") || chain.contains("lookup") {
        Cause::Dns
    } else if err.is_decode() || err.is_body() {
        Cause::Broken
    } else {
        Cause::Unreachable
    };
    transport_error(cause, instance)
}

/// Why no answer came: what [`map_transport_error`] reads from reqwest's error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    TlsUntrusted,
    Timeout,
    Dns,
    Broken,
    Unreachable,
}

fn transport_error(cause: Cause, instance: &str) -> Error {
    let e = match cause {
        Cause::TlsUntrusted => Error::new(
            ErrorKind::InstanceUnreachable,
            format!(
                "Ticket Bridge could not make a secure connection to {instance}: its certificate is not trusted by this computer."
            ),
            "Check the instance address. If your company inspects HTTPS traffic, its root certificate must be installed in this computer's certificate store.",
        )
        .with_reason("net_tls_untrusted"),
        Cause::Timeout => Error::new(
            ErrorKind::InstanceUnreachable,
            format!("{instance} did not answer in time."),
            "Check your network connection, then try again. Ticket Bridge keeps anything waiting to be sent.",
        )
        .with_reason("net_timeout"),
        Cause::Dns => Error::new(
            ErrorKind::InstanceUnreachable,
            format!("Ticket Bridge could not find {instance}."),
            "Check the instance name for typos, and that this computer is online.",
        )
        .with_reason("net_dns"),
        Cause::Broken => Error::new(
            ErrorKind::InstanceUnreachable,
            format!("The connection to {instance} broke before its answer was complete."),
            "Check your network connection. Ticket Bridge checks what reached ServiceNow before it sends anything again.",
        )
        .with_reason("net_broken"),
        Cause::Unreachable => Error::new(
            ErrorKind::InstanceUnreachable,
            format!("Ticket Bridge could not reach {instance}."),
            "Check your network connection and the instance address, then try again.",
        )
        .with_reason("net_unreachable"),
    };
    e.with_param("instance", instance)
}

/// A certificate this computer does not trust, with who issued it (what
/// [`crate::network::tls_probe`] saw): `host` the instance's host, `issuer` who signed the
/// server's certificate, `root` the top of the chain presented (the one to install). Names from
/// the network are text, already made plain by the probe.
pub fn tls_untrusted_issuer(instance: &str, host: &str, issuer: &str, root: &str) -> Error {
    Error::new(
        ErrorKind::InstanceUnreachable,
        format!(
            "The certificate for {host} was issued by \u{201c}{issuer}\u{201d}, which this computer does not trust."
        ),
        format!(
            "Ask IT to install the root certificate \u{201c}{root}\u{201d} (or their HTTPS inspection CA) in this computer's certificate store."
        ),
    )
    .with_reason("net_tls_untrusted_issuer")
    .with_param("instance", instance)
    .with_param("host", host)
    .with_param("issuer", issuer)
    .with_param("root", root)
}

/// A 2xx answer whose body could not be read as ServiceNow JSON.
pub fn unreadable_answer(doing: Doing) -> Error {
    Error::new(
        ErrorKind::ServiceNow,
        format!(
            "ServiceNow answered, but Ticket Bridge could not read the answer when trying to {doing}."
        ),
        "This is usually temporary. Try again; if it keeps happening, a proxy or a customization may be changing ServiceNow's answers.",
    )
    .with_reason("sn_unreadable_answer")
    .with_param("doing", doing.code())
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

    fn param<'a>(e: &'a Error, name: &str) -> Option<&'a str> {
        e.params.get(name).map(String::as_str)
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
            Doing::ReadTickets,
        );
        assert_eq!(e.kind, ErrorKind::AuthExpired);
        assert_eq!(e.status, Some(401));
        assert_eq!(e.reason.as_deref(), Some("sn_auth_revoked"));
        assert_eq!(param(&e, "status"), Some("401"));
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
            Doing::CreateIncident,
        );
        assert_eq!(e.kind, ErrorKind::AclDenied);
        assert!(
            e.message.contains("ACL Exception Insert Failed"),
            "{}",
            e.message
        );
        assert!(e.message.contains("create the incident"));
        assert_eq!(e.reason.as_deref(), Some("sn_acl_denied"));
        assert_eq!(param(&e, "doing"), Some("create_incident"));
        assert_eq!(param(&e, "status"), Some("403"));
        assert_eq!(
            param(&e, "detail"),
            Some("Operation Failed: ACL Exception Insert Failed due to security constraints")
        );
        let e = map_api_error(
            403,
            JSON,
            None,
            &body("User Not Authorized", "Failed API level ACL Validation"),
            Doing::ReadTickets,
        );
        assert_eq!(e.kind, ErrorKind::AclDenied);
        assert_eq!(param(&e, "doing"), Some("read_tickets"));
        // Without ServiceNow's words there is no detail, and the message says "access denied".
        let e = map_api_error(403, JSON, None, b"{}", Doing::ReadRoles);
        assert_eq!(e.reason.as_deref(), Some("sn_acl_denied"));
        assert_eq!(param(&e, "detail"), None);
        assert!(
            e.message
                .ends_with("read the integration user's roles: access denied.")
        );
    }

    #[test]
    fn html_403_is_ip_blocked() {
        let page = b"  <html><body>Access denied: your IP address is not allowed</body></html>";
        let e = map_api_error(403, Some("text/html"), None, page, Doing::ReadTickets);
        assert_eq!(e.kind, ErrorKind::IpBlocked);
        assert_eq!(e.reason.as_deref(), Some("sn_ip_blocked"));
        let e = map_api_error(403, None, None, page, Doing::ReadTickets);
        assert_eq!(e.kind, ErrorKind::IpBlocked);
        assert!(e.hint.contains("IP Address Access Control"));
        let e = map_code_exchange_error(403, Some("text/html"), page);
        assert_eq!(e.reason.as_deref(), Some("sn_ip_blocked"));
        assert_eq!(e.status, Some(403));
    }

    #[test]
    fn cross_scope_message_gets_the_seeds_fix() {
        let msg = "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy";
        let e = map_api_error(403, JSON, None, &body(msg, ""), Doing::ReadRegistry);
        assert_eq!(e.kind, ErrorKind::CrossScopeDenied);
        assert!(e.hint.contains("All application scopes"));
        assert!(e.hint.contains("Can read"));
        assert_eq!(e.reason.as_deref(), Some("sn_cross_scope"));
        assert_eq!(param(&e, "detail"), Some(msg));
        let e = map_code_exchange_error(401, JSON, format!("{{\"error\":\"{msg}\"}}").as_bytes());
        assert_eq!(e.kind, ErrorKind::CrossScopeDenied);
        assert_eq!(e.reason.as_deref(), Some("sn_cross_scope"));
        assert_eq!(param(&e, "status"), Some("401"));
    }

    #[test]
    fn rate_limit_keeps_retry_after() {
        let e = map_api_error(
            429,
            JSON,
            Some("17"),
            &body("Rate limit exceeded", ""),
            Doing::LookForChanges,
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_after_secs, Some(17));
        assert_eq!(e.reason.as_deref(), Some("sn_rate_limited"));
        assert_eq!(param(&e, "secs"), Some("17"));
        assert_eq!(param(&e, "count"), Some("17"));
        let e = map_api_error(429, JSON, Some("soon"), b"", Doing::ReadTickets);
        assert_eq!(e.retry_after_secs, Some(60));
        assert_eq!(param(&e, "secs"), Some("60"));
        // An absurd number waits the longest backoff; an HTTP date in the past waits nothing.
        let e = map_api_error(
            429,
            JSON,
            Some("18446744073709551615"),
            b"",
            Doing::ReadTickets,
        );
        assert_eq!(e.retry_after_secs, Some(15 * 60));
        let e = map_api_error(
            429,
            JSON,
            Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            b"",
            Doing::ReadTickets,
        );
        assert_eq!(e.retry_after_secs, Some(0));
        assert_eq!(param(&e, "secs"), Some("0"));
    }

    #[test]
    fn other_statuses_keep_status_and_servicenow_message() {
        let e = map_api_error(
            400,
            JSON,
            None,
            &body("Invalid table incidnt", ""),
            Doing::ReadTickets,
        );
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert_eq!(e.status, Some(400));
        assert!(e.message.contains("Invalid table incidnt"));
        assert_eq!(e.reason.as_deref(), Some("sn_request_failed"));
        assert_eq!(param(&e, "status"), Some("400"));
        assert_eq!(param(&e, "doing"), Some("read_tickets"));
        assert_eq!(param(&e, "detail"), Some("Invalid table incidnt"));
        let e = map_api_error(
            404,
            JSON,
            None,
            &body(
                "No Record found",
                "Record doesn't exist or ACL restricts the record retrieval",
            ),
            Doing::ReadAssignee,
        );
        assert!(e.message.contains("No Record found: Record doesn't exist"));
        assert_eq!(param(&e, "doing"), Some("read_assignee"));
        let e = map_api_error(
            503,
            Some("text/html"),
            None,
            b"<html>down</html>",
            Doing::CreateChangeRequest,
        );
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert_eq!(e.status, Some(503));
        assert_eq!(e.reason.as_deref(), Some("sn_server_error"));
        assert_eq!(param(&e, "status"), Some("503"));
        assert_eq!(param(&e, "doing"), Some("create_change_request"));
        assert_eq!(param(&e, "detail"), None);
        assert!(
            e.message
                .contains("could not create the change request (HTTP 503)")
        );
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
        assert_eq!(e.reason.as_deref(), Some("sn_token_refused"));
        assert_eq!(param(&e, "status"), Some("401"));
        let e = map_refresh_error(401);
        assert_eq!(e.kind, ErrorKind::AuthExpired);
        assert!(e.hint.contains("Re-authorize"));
        assert_eq!(e.reason.as_deref(), Some("sn_refresh_refused"));
        assert_eq!(param(&e, "status"), Some("401"));
    }

    #[test]
    fn an_unreadable_answer_names_what_was_being_done() {
        let e = unreadable_answer(Doing::FinishSignIn);
        assert_eq!(e.kind, ErrorKind::ServiceNow);
        assert_eq!(e.reason.as_deref(), Some("sn_unreadable_answer"));
        assert_eq!(param(&e, "doing"), Some("finish_sign_in"));
        assert!(e.message.contains("when trying to finish the sign-in."));
        assert_eq!(e.status, None);
    }

    #[test]
    fn each_transport_cause_has_its_reason_and_the_host() {
        for (cause, reason, words) in [
            (
                Cause::TlsUntrusted,
                "net_tls_untrusted",
                "certificate is not trusted",
            ),
            (Cause::Timeout, "net_timeout", "did not answer in time"),
            (Cause::Dns, "net_dns", "could not find"),
            (Cause::Broken, "net_broken", "broke before its answer"),
            (Cause::Unreachable, "net_unreachable", "could not reach"),
        ] {
            let e = transport_error(cause, "https://acme.service-now.com");
            assert_eq!(e.kind, ErrorKind::InstanceUnreachable);
            assert_eq!(e.reason.as_deref(), Some(reason));
            assert_eq!(param(&e, "instance"), Some("https://acme.service-now.com"));
            assert!(e.message.contains(words), "{}", e.message);
            assert!(e.message.contains("https://acme.service-now.com"));
            assert!(e.is_transient());
        }
    }

    #[test]
    fn an_untrusted_issuer_is_named_with_the_root_to_install() {
        let e = tls_untrusted_issuer(
            "https://acme.service-now.com",
            "acme.service-now.com",
            "Contoso Inspection CA",
            "Contoso Root",
        );
        assert_eq!(e.kind, ErrorKind::InstanceUnreachable);
        assert_eq!(e.reason.as_deref(), Some("net_tls_untrusted_issuer"));
        assert_eq!(param(&e, "host"), Some("acme.service-now.com"));
        assert_eq!(param(&e, "issuer"), Some("Contoso Inspection CA"));
        assert_eq!(param(&e, "root"), Some("Contoso Root"));
        assert!(
            e.message.contains(
                "acme.service-now.com was issued by \u{201c}Contoso Inspection CA\u{201d}"
            )
        );
        assert!(
            e.hint.contains("\u{201c}Contoso Root\u{201d}"),
            "{}",
            e.hint
        );
        assert!(e.is_transient());
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        // Bind, learn the port, close it: nothing listens there now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        let e = map_transport_error(&err, "http://127.0.0.1");
        assert_eq!(e.reason.as_deref(), Some("net_unreachable"), "{e:?}");
        assert_eq!(param(&e, "instance"), Some("http://127.0.0.1"));
    }

    #[test]
    fn doing_codes_are_unique_snake_case_and_english_is_set() {
        let mut seen = std::collections::HashSet::new();
        for d in Doing::ALL {
            assert!(seen.insert(d.code()), "{} twice", d.code());
            assert!(
                d.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                d.code()
            );
            assert!(!d.english().is_empty());
            assert_eq!(d.to_string(), d.english());
        }
        for kind in TicketKind::ALL {
            assert!(Doing::ALL.contains(&Doing::create(kind)));
            assert!(Doing::ALL.contains(&Doing::read(kind)));
            assert!(Doing::create(kind).english().contains(kind.label()));
            assert!(Doing::read(kind).english().contains(kind.plural()));
        }
    }

    /// One error for every reason this file sets, as the mappings above make them.
    fn one_of_each() -> Vec<Error> {
        let mut all = vec![
            map_api_error(401, JSON, None, b"", Doing::ReadTickets),
            map_api_error(403, Some("text/html"), None, b"<html/>", Doing::ReadTickets),
            map_api_error(403, JSON, None, &body("No", "ACL"), Doing::CreateIncident),
            map_api_error(
                403,
                JSON,
                None,
                &body("cross-scope", ""),
                Doing::ReadRegistry,
            ),
            map_api_error(429, JSON, Some("5"), b"", Doing::ReadTickets),
            map_api_error(502, JSON, None, &body("Bad", ""), Doing::ReadTickets),
            map_api_error(400, JSON, None, &body("Bad", ""), Doing::ReadTickets),
            map_code_exchange_error(401, JSON, b"{}"),
            map_refresh_error(401),
            unreadable_answer(Doing::FinishSignIn),
            tls_untrusted_issuer(
                "https://acme.service-now.com",
                "acme.service-now.com",
                "Contoso Inspection CA",
                "Contoso Root",
            ),
        ];
        for cause in [
            Cause::TlsUntrusted,
            Cause::Timeout,
            Cause::Dns,
            Cause::Broken,
            Cause::Unreachable,
        ] {
            all.push(transport_error(cause, "https://acme.service-now.com"));
        }
        all
    }

    #[test]
    fn every_reason_and_doing_has_its_words_in_every_catalog() {
        let source = include_str!("errors.rs");
        let used: std::collections::BTreeSet<String> = source
            .split("with_reason(\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_owned)
            .collect();
        let made: std::collections::BTreeSet<String> = one_of_each()
            .iter()
            .map(|e| e.reason.clone().expect("a reason"))
            .collect();
        assert_eq!(made, used, "one_of_each covers every reason");
        for (lang, catalog) in test_catalogs::all() {
            for e in one_of_each() {
                let reason = e.reason.as_deref().unwrap();
                for part in ["message", "hint"] {
                    let key = format!("errors.reasons.{reason}.{part}");
                    let forms = test_catalogs::forms(catalog, &key)
                        .unwrap_or_else(|| panic!("{lang} lacks {key}"));
                    for name in forms.iter().flat_map(|f| test_catalogs::placeholders(f)) {
                        assert!(
                            e.params.contains_key(&name),
                            "{lang} {key} uses {{{name}}}, which the error does not carry"
                        );
                    }
                }
            }
            for d in Doing::ALL {
                let key = format!("errors.doing.{}", d.code());
                let text = test_catalogs::text(catalog, &key)
                    .unwrap_or_else(|| panic!("{lang} lacks {key}"));
                assert!(!text.trim().is_empty(), "{lang} {key} is empty");
            }
        }
    }
}

/// The six catalogs as the tests of `servicenow::errors` and `doctor` read them.
#[cfg(test)]
pub(crate) mod test_catalogs {
    use serde_json::Value;

    pub fn all() -> Vec<(&'static str, &'static Value)> {
        static ALL: std::sync::OnceLock<Vec<(&'static str, Value)>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            [
                ("en", include_str!("../../../../ui/locales/en.json")),
                ("fr", include_str!("../../../../ui/locales/fr.json")),
                ("ja", include_str!("../../../../ui/locales/ja.json")),
                ("nl", include_str!("../../../../ui/locales/nl.json")),
                ("sv", include_str!("../../../../ui/locales/sv.json")),
                ("zh-TW", include_str!("../../../../ui/locales/zh-TW.json")),
            ]
            .into_iter()
            .map(|(l, t)| (l, serde_json::from_str(t).expect("a catalog parses")))
            .collect()
        })
        .iter()
        .map(|(l, v)| (*l, v))
        .collect()
    }

    /// The string at a dotted key, if the catalog has one.
    pub fn text<'a>(catalog: &'a Value, key: &str) -> Option<&'a str> {
        key.split('.')
            .try_fold(catalog, |v, part| v.get(part))
            .and_then(Value::as_str)
    }

    /// The forms of a dotted key: its string, or each form of a plural object.
    pub fn forms<'a>(catalog: &'a Value, key: &str) -> Option<Vec<&'a str>> {
        let v = key.split('.').try_fold(catalog, |v, part| v.get(part))?;
        match v {
            Value::String(s) => Some(vec![s.as_str()]),
            Value::Object(o) if o.get("other").is_some_and(Value::is_string) => {
                o.values().map(Value::as_str).collect()
            }
            _ => None,
        }
    }

    /// The `{name}` placeholders of a text.
    pub fn placeholders(text: &str) -> Vec<String> {
        text.split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .map(str::to_owned)
            .collect()
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
            let e = map_api_error(status, ct.as_deref(), retry.as_deref(), &body, Doing::ReadTickets);
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
                let e = map_api_error(400, Some("application/json"), None, &bytes, Doing::CreateIncident);
                prop_assert!(!e.hint.is_empty());
            }
        }
    }
}
