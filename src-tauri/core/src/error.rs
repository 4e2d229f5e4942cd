//! The one error type of Ticket Bridge.
//!
//! Every fallible operation in `core` returns [`Error`]; the Tauri commands pass it through
//! unchanged, and it crosses IPC as `{ "kind", "reason", "params", "message", "hint" }` (plus
//! `status` and `retryAfterSecs` when they mean something). `kind` is a small stable set;
//! `reason` names the cause where one kind has several (a Microsoft error code's meaning, a CSV
//! file's problem); `params` carries the values the words need (an instance, a URL, a count).
//! `message` and `hint` are plain English sentences for logs and the details line: `message`
//! says what happened, `hint` says what to do next.
//!
//! This module must stay free of I/O and of any secret: an error message never contains a token,
//! a client secret or a password, because errors are logged and shown.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A small, stable set of error categories. The UI and the tests rely on these names
/// (`snake_case` on the wire): add new kinds sparingly and never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No ServiceNow connection is configured, or it was removed.
    NotConnected,
    /// The access token ended and could not be refreshed: the admin must reconnect.
    AuthExpired,
    /// Someone other than the expected integration user signed in.
    WrongUser,
    /// The instance could not be reached (DNS, TCP, TLS, timeout).
    InstanceUnreachable,
    /// ServiceNow's IP Address Access Control refused this computer.
    IpBlocked,
    /// Single sign-on keeps bringing back the wrong person.
    SsoBlocked,
    /// The Application Registries table refuses cross-scope reads.
    CrossScopeDenied,
    /// An ACL refused the read or the write.
    AclDenied,
    /// ServiceNow asked us to slow down (429).
    RateLimited,
    /// Something the admin typed, or a file they chose, is not valid.
    InvalidInput,
    /// The operating system's keychain is missing or locked.
    KeychainUnavailable,
    /// Any other ServiceNow answer: `status` and ServiceNow's own message are kept.
    #[serde(rename = "servicenow")]
    ServiceNow,
    /// Microsoft's sign-in needs an admin's consent first (`params.consentUrl` is the page to
    /// send to a Global Administrator).
    ConsentRequired,
    /// The app registration in Microsoft Entra is not set up for a desktop app (`reason` says
    /// which setting).
    AppRegistration,
    /// Microsoft's sign-in was refused by a policy or by the person signing in (`reason`: MFA,
    /// Conditional Access, declined, not assigned).
    SignInBlocked,
    /// Any other Microsoft answer: `status` and Microsoft's own code are kept.
    Microsoft,
    /// Looking for, downloading or installing an update of Ticket Bridge failed (`reason` says
    /// which step; a download without the release key's signature is refused).
    Update,
    /// A bug or an unexpected local failure (disk full, corrupt cache).
    Internal,
}

impl ErrorKind {
    /// The wire name, as the UI sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotConnected => "not_connected",
            Self::AuthExpired => "auth_expired",
            Self::WrongUser => "wrong_user",
            Self::InstanceUnreachable => "instance_unreachable",
            Self::IpBlocked => "ip_blocked",
            Self::SsoBlocked => "sso_blocked",
            Self::CrossScopeDenied => "cross_scope_denied",
            Self::AclDenied => "acl_denied",
            Self::RateLimited => "rate_limited",
            Self::InvalidInput => "invalid_input",
            Self::KeychainUnavailable => "keychain_unavailable",
            Self::ServiceNow => "servicenow",
            Self::ConsentRequired => "consent_required",
            Self::AppRegistration => "app_registration",
            Self::SignInBlocked => "sign_in_blocked",
            Self::Microsoft => "microsoft",
            Self::Update => "update",
            Self::Internal => "internal",
        }
    }

    /// Whether trying the same operation again later may succeed without the admin doing
    /// anything. The outbox and the watcher use this to decide between waiting and asking.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::InstanceUnreachable | Self::RateLimited)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error: what kind, what happened, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub kind: ErrorKind,
    /// The cause, where one kind has several (`snake_case`, stable like kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The values the UI's words for this kind and reason need.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
    pub message: String,
    pub hint: String,
    /// The HTTP status ServiceNow answered with, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How long ServiceNow asked us to wait, for `rate_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            kind,
            reason: None,
            params: Default::default(),
            message: message.into(),
            hint: hint.into(),
            status: None,
            retry_after_secs: None,
        }
    }

    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    pub fn with_param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Whether the same call may succeed later without the admin doing anything: network
    /// trouble, rate limits and ServiceNow's own 5xx answers.
    pub fn is_transient(&self) -> bool {
        self.kind.is_transient()
            || (self.kind == ErrorKind::ServiceNow && self.status.is_some_and(|s| s >= 500))
    }

    /// Invalid input in one named field; the hint says how to fix it. The caller names the
    /// cause with [`Error::with_reason`] (a test in this module fails on one that does not).
    pub fn invalid_input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message, hint)
    }

    pub fn not_connected() -> Self {
        Self::new(
            ErrorKind::NotConnected,
            "Ticket Bridge is not connected to ServiceNow.",
            "Open the ServiceNow card and choose Connect to ServiceNow.",
        )
        .with_reason("no_connection")
    }

    /// An unexpected local failure. `what` names the operation; never pass secrets.
    pub fn internal(what: impl fmt::Display) -> Self {
        Self::new(
            ErrorKind::Internal,
            format!("Something went wrong inside Ticket Bridge: {what}."),
            "Try again. If it keeps happening, send the log file (Help > Open log folder) to your support contact.",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The test that keeps every error worded from the catalogs (it reads the sources).
#[cfg(test)]
#[path = "reasons_scan.rs"]
pub(crate) mod reasons_scan;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_ipc_as_kind_message_hint() {
        let e = Error::new(ErrorKind::RateLimited, "Slow down.", "Wait a minute.")
            .with_status(429)
            .with_retry_after(30);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "kind": "rate_limited", "message": "Slow down.", "hint": "Wait a minute.",
                "status": 429, "retryAfterSecs": 30
            })
        );
        let plain = serde_json::to_value(Error::new(ErrorKind::Internal, "m", "h")).unwrap();
        assert_eq!(
            plain.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["hint", "kind", "message"]
        );
        let not_connected = serde_json::to_value(Error::not_connected()).unwrap();
        assert_eq!(not_connected["reason"], "no_connection");
    }

    #[test]
    fn reason_and_params_travel_when_set() {
        let e = Error::new(ErrorKind::ConsentRequired, "m", "h")
            .with_reason("admin_consent")
            .with_param(
                "consentUrl",
                "https://login.microsoftonline.com/t/adminconsent?client_id=c",
            );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "consent_required");
        assert_eq!(v["reason"], "admin_consent");
        assert_eq!(
            v["params"]["consentUrl"],
            "https://login.microsoftonline.com/t/adminconsent?client_id=c"
        );
    }

    #[test]
    fn wire_names_match_serde() {
        use ErrorKind::*;
        for k in [
            NotConnected,
            AuthExpired,
            WrongUser,
            InstanceUnreachable,
            IpBlocked,
            SsoBlocked,
            CrossScopeDenied,
            AclDenied,
            RateLimited,
            InvalidInput,
            KeychainUnavailable,
            ServiceNow,
            ConsentRequired,
            AppRegistration,
            SignInBlocked,
            Microsoft,
            Internal,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            let back: ErrorKind = serde_json::from_value(k.as_str().into()).unwrap();
            assert_eq!(back, k);
        }
    }

    #[test]
    fn only_network_and_rate_limits_are_transient() {
        assert!(ErrorKind::InstanceUnreachable.is_transient());
        assert!(ErrorKind::RateLimited.is_transient());
        assert!(!ErrorKind::AclDenied.is_transient());
        assert!(!ErrorKind::AuthExpired.is_transient());
        assert!(!ErrorKind::InvalidInput.is_transient());
        let e = |kind, status| Error::new(kind, "m", "h").with_status(status);
        assert!(e(ErrorKind::ServiceNow, 503).is_transient());
        assert!(!e(ErrorKind::ServiceNow, 400).is_transient());
        assert!(e(ErrorKind::RateLimited, 429).is_transient());
    }
}
