//! The Microsoft identity platform as an OAuth provider, for a desktop app (a public client):
//! the authority and tenant, the scopes Secure Score needs, what its error codes mean and what
//! the admin does about each, who signed in (from the ID token), and the admin-consent page.
//!
//! Facts it follows (servicenow-api.md §5): authorization code + PKCE in the system browser,
//! never a client secret; `{authority}/{tenant}/oauth2/v2.0/authorize` and `/token`; the
//! redirect `http://localhost:{port}` without a path; errors are acted on by the numbers in
//! `error_codes` (in a redirect, the `AADSTSnnnn` in `error_description`), never by their text;
//! every refresh returns a new refresh token.

use super::client::{Grant, OAuthClient, OAuthConfig, Provider, Refusal};
use crate::error::{Error, ErrorKind, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// The public cloud's sign-in authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The public cloud's Graph.
pub const DEFAULT_GRAPH: &str = "https://graph.microsoft.com";
/// The delegated permission Secure Score needs.
pub const PERMISSION: &str = "SecurityEvents.Read.All";
/// What the sign-in asks for: Secure Score, a refresh token, who signed in.
pub const SCOPES: [&str; 4] = [
    "https://graph.microsoft.com/SecurityEvents.Read.All",
    "offline_access",
    "openid",
    "profile",
];

/// An `https://` base URL (or `http://` on loopback, for tests and the demo), no path, no
/// trailing slash: the sign-in authority or the Graph endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BaseUrl(String);

impl BaseUrl {
    /// `what` names the field in messages ("sign-in authority", "Microsoft Graph endpoint").
    pub fn parse(input: &str, what: &str) -> Result<Self> {
        let bad = |msg: String| {
            Error::invalid_input(
                msg,
                format!("Enter the {what} as an https:// address, for example {DEFAULT_AUTHORITY}, or leave the default."),
            )
            .with_reason("base_url")
        };
        let s = input.trim().trim_end_matches('/');
        let url =
            Url::parse(s).map_err(|_| bad(format!("\u{201c}{s}\u{201d} is not a web address.")))?;
        let loopback = match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => return Err(bad(format!("\u{201c}{s}\u{201d} has no host name."))),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(bad(format!(
                    "The {what} must be an https:// address (http:// only on this computer, for tests)."
                )));
            }
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(bad(format!(
                "Leave user names and queries out of the {what}."
            )));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(bad(format!("The {what} is an address without a path.")));
        }
        let mut origin = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
        if let Some(p) = url.port() {
            origin.push_str(&format!(":{p}"));
        }
        Ok(Self(origin.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BaseUrl {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s, "address")
    }
}

impl From<BaseUrl> for String {
    fn from(b: BaseUrl) -> String {
        b.0
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant as the admin typed it: a GUID or a domain (`contoso.onmicrosoft.com`), or
/// `organizations`. Kept as typed (lowercase); the real id comes back in the ID token.
pub fn parse_tenant(input: &str) -> Result<String> {
    let t = input.trim().to_ascii_lowercase();
    let ok = !t.is_empty()
        && t.len() <= 253
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !t.starts_with(['-', '.'])
        && !t.ends_with(['-', '.'])
        && !t.contains("..");
    if !ok {
        return Err(Error::invalid_input(
            format!("\u{201c}{}\u{201d} is not a tenant ID or domain.", input.trim()),
            "Enter your tenant's ID (a GUID, in Microsoft Entra admin center > Overview) or its domain, such as contoso.onmicrosoft.com.",
        )
        .with_reason("tenant"));
    }
    Ok(t)
}

/// Whether `s` is an application (client) ID: a GUID.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The app registration a workspace signs in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftApp {
    pub tenant: String,
    pub client_id: String,
    pub authority: BaseUrl,
    pub graph: BaseUrl,
}

impl MicrosoftApp {
    pub fn authorize_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/authorize", self.authority, self.tenant)
    }

    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant)
    }

    /// The page a Global Administrator opens to consent for the whole organisation.
    pub fn admin_consent_url(&self) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .finish();
        format!("{}/{}/adminconsent?{q}", self.authority, self.tenant)
    }

    /// The provider-neutral client for this registration.
    pub fn client(&self, http: reqwest::Client) -> OAuthClient {
        let config = OAuthConfig {
            client_id: self.client_id.clone(),
            client_secret: None,
            authorize_url: self.authorize_url(),
            token_url: self.token_url(),
            scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            // Let the admin pick the account, so a personal sign-in is never taken silently.
            extra_authorize: vec![("prompt".into(), "select_account".into())],
            default_lifetime: Duration::from_secs(3600),
        };
        OAuthClient::new(
            http,
            config,
            Arc::new(MicrosoftProvider { app: self.clone() }),
        )
    }
}

/// What Microsoft's errors mean, by their code.
struct MicrosoftProvider {
    app: MicrosoftApp,
}

/// The numbers of an error answer: `error_codes`, else the `AADSTSnnnn` in its description.
pub fn error_codes(body: &[u8]) -> Vec<u64> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        error_codes: Vec<serde_json::Value>,
        #[serde(default)]
        error_description: Option<String>,
    }
    let Ok(a) = serde_json::from_slice::<Answer>(body) else {
        return Vec::new();
    };
    let mut codes: Vec<u64> = a
        .error_codes
        .iter()
        .filter_map(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
        .collect();
    if codes.is_empty() {
        codes.extend(a.error_description.as_deref().and_then(aadsts));
    }
    codes
}

/// The code in an `AADSTSnnnn: …` text.
pub fn aadsts(text: &str) -> Option<u64> {
    let at = text.find("AADSTS")? + "AADSTS".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

impl MicrosoftApp {
    /// The error an AADSTS code becomes: what happened and what to do, by the number.
    pub fn code_error(&self, code: u64) -> Option<Error> {
        let consent = self.admin_consent_url();
        let e = match code {
            65001 | 90094 | 90095 => Error::new(
                ErrorKind::ConsentRequired,
                format!("Ticket Bridge needs an administrator's consent to read Secure Score (AADSTS{code})."),
                format!("Send this address to a Global Administrator of your organisation, who opens it and selects Accept: {consent}. Then sign in again."),
            )
            .with_reason("admin_consent")
            .with_param("consentUrl", consent),
            65004 => Error::new(
                ErrorKind::SignInBlocked,
                "The sign-in was cancelled on Microsoft's consent page (AADSTS65004).",
                "Sign in again and select Accept, or ask your administrator to grant consent for the organisation.",
            )
            .with_reason("declined"),
            50011 => Error::new(
                ErrorKind::AppRegistration,
                "Microsoft does not know Ticket Bridge's redirect address for this app registration (AADSTS50011).",
                "In Microsoft Entra admin center > App registrations > your app > Authentication, add the platform Mobile and desktop applications with the redirect URI http://localhost (no port, no path).",
            )
            .with_reason("redirect_not_registered"),
            7000218 | 700025 => Error::new(
                ErrorKind::AppRegistration,
                format!("The app registration is set up for a web app, not a desktop app (AADSTS{code})."),
                "In Microsoft Entra admin center > App registrations > your app > Authentication, turn on Allow public client flows, and use the Mobile and desktop applications platform. Ticket Bridge never sends a client secret.",
            )
            .with_reason("public_client_flows"),
            700016 => Error::new(
                ErrorKind::AppRegistration,
                "Microsoft finds no app with this application (client) ID in this tenant (AADSTS700016).",
                "Check the application (client) ID and the tenant: copy both from the app registration's Overview page in Microsoft Entra admin center.",
            )
            .with_reason("app_not_in_tenant"),
            50194 => Error::new(
                ErrorKind::AppRegistration,
                "The app registration only allows accounts of its own tenant (AADSTS50194).",
                "Enter your tenant's ID or domain instead of a shared one such as common.",
            )
            .with_reason("single_tenant"),
            50076 | 50079 => Error::new(
                ErrorKind::SignInBlocked,
                format!("Your organisation requires multifactor authentication for this sign-in (AADSTS{code})."),
                "Sign in again and complete the multifactor authentication Microsoft asks for. If you have not set it up yet, register at https://aka.ms/mfasetup first.",
            )
            .with_reason("mfa_required"),
            53003 => Error::new(
                ErrorKind::SignInBlocked,
                "A Conditional Access policy of your organisation blocked this sign-in (AADSTS53003).",
                "Ask your identity administrator which policy applies to Ticket Bridge on this device (sign-in logs in Microsoft Entra admin center), or sign in from a compliant device.",
            )
            .with_reason("conditional_access"),
            50105 => Error::new(
                ErrorKind::SignInBlocked,
                "Your account is not assigned to this app registration (AADSTS50105).",
                "Ask your administrator to assign you to the app in Enterprise applications, or to turn off Assignment required.",
            )
            .with_reason("not_assigned"),
            70043 | 700082 | 50173 | 70008 | 54005 => Error::new(
                ErrorKind::AuthExpired,
                format!("Microsoft no longer accepts Ticket Bridge's sign-in (AADSTS{code})."),
                "Reconnect: sign in to Microsoft 365 again.",
            )
            .with_reason(match code {
                70043 => "sign_in_frequency",
                700082 => "inactive",
                50173 => "revoked",
                _ => "code_expired",
            }),
            _ => return None,
        };
        Some(e.with_param("code", format!("AADSTS{code}")))
    }
}

impl Provider for MicrosoftProvider {
    fn name(&self) -> &'static str {
        "Microsoft"
    }

    fn host(&self) -> String {
        self.app.authority.to_string()
    }

    fn refusal(&self, grant: Grant, r: &Refusal) -> Error {
        if let Some(e) = error_codes(&r.body)
            .into_iter()
            .find_map(|c| self.app.code_error(c))
        {
            return e.with_status(r.status);
        }
        if r.status == 429 || r.status >= 500 {
            return Error::new(
                ErrorKind::Microsoft,
                format!(
                    "Microsoft's sign-in service is busy or down (HTTP {}).",
                    r.status
                ),
                "Nothing is lost: try again in a few minutes.",
            )
            .with_reason("microsoft_busy")
            .with_param("status", r.status.to_string())
            .with_status(r.status);
        }
        if r.status == 200 {
            return Error::new(
                ErrorKind::Microsoft,
                "Microsoft answered the sign-in, but Ticket Bridge could not read the answer.",
                "Try again. If it keeps happening, a proxy may be changing Microsoft's answers.",
            )
            .with_reason("microsoft_unreadable_answer");
        }
        let code = error_codes(&r.body).first().copied();
        match grant {
            Grant::Refresh => Error::new(
                ErrorKind::AuthExpired,
                format!(
                    "Microsoft refused to renew Ticket Bridge's sign-in (HTTP {}).",
                    r.status
                ),
                "Reconnect: sign in to Microsoft 365 again.",
            )
            .with_reason("refused"),
            Grant::AuthorizationCode => Error::new(
                ErrorKind::Microsoft,
                format!(
                    "Microsoft refused to finish the sign-in (HTTP {}{}).",
                    r.status,
                    code.map(|c| format!(", AADSTS{c}")).unwrap_or_default()
                ),
                "Check the tenant and the application (client) ID, then sign in again.",
            )
            .with_reason("microsoft_code_refused")
            .with_param(
                "code",
                match code {
                    Some(c) => format!("HTTP {}, AADSTS{c}", r.status),
                    None => format!("HTTP {}", r.status),
                },
            ),
        }
        .with_status(r.status)
    }
}

/// Who signed in, from the ID token's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftAccount {
    pub name: String,
    /// The user principal name (`preferred_username`).
    pub upn: String,
    pub tenant_id: String,
    /// The user's object id.
    pub object_id: String,
}

/// Reads the ID token's claims (its signature is not checked: it came straight from the token
/// endpoint over TLS, which OpenID Connect allows in place of the signature). `None` when it is
/// not a readable JWT or lacks the tenant and the user.
pub fn account_of(id_token: &str) -> Option<MicrosoftAccount> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let account = MicrosoftAccount {
        name: s("name"),
        upn: Some(s("preferred_username"))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| s("upn")),
        tenant_id: s("tid"),
        object_id: s("oid"),
    };
    (!account.tenant_id.is_empty() && !account.object_id.is_empty()).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> MicrosoftApp {
        MicrosoftApp {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23".into(),
            authority: BaseUrl::parse(DEFAULT_AUTHORITY, "sign-in authority").unwrap(),
            graph: BaseUrl::parse(DEFAULT_GRAPH, "Graph endpoint").unwrap(),
        }
    }

    #[test]
    fn base_urls_are_https_or_loopback_http() {
        for good in [
            "https://login.microsoftonline.com",
            "https://login.microsoftonline.us/",
            "http://127.0.0.1:8081",
            "http://localhost:9000",
        ] {
            assert!(BaseUrl::parse(good, "x").is_ok(), "{good}");
        }
        for bad in [
            "http://login.microsoftonline.com",
            "https://login.microsoftonline.com/common",
            "ftp://x",
            "https://user:pw@login.microsoftonline.com",
            "login.microsoftonline.com",
            "",
        ] {
            assert!(BaseUrl::parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn tenants_and_client_ids() {
        assert_eq!(
            parse_tenant(" Contoso.onmicrosoft.com ").unwrap(),
            "contoso.onmicrosoft.com"
        );
        assert!(parse_tenant("6f1c3b2a-8d4e-4f7a-9b21-5c0d8e3a7f14").is_ok());
        for bad in ["", "a b", "../x", "x/y", "-x", "x..y"] {
            assert!(parse_tenant(bad).is_err(), "{bad}");
        }
        assert!(is_guid("3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23"));
        assert!(!is_guid("3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c2"));
        assert!(!is_guid("3c9d2f71x4a8b-4e2c-b5d6-7e1f0a9b8c23"));
    }

    #[test]
    fn every_code_of_the_design_has_its_meaning() {
        let a = app();
        let kind = |c| a.code_error(c).unwrap().kind;
        for c in [65001, 90094, 90095] {
            let e = a.code_error(c).unwrap();
            assert_eq!(e.kind, ErrorKind::ConsentRequired);
            assert_eq!(
                e.params["consentUrl"],
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23"
            );
        }
        assert_eq!(
            a.code_error(50011).unwrap().reason.as_deref(),
            Some("redirect_not_registered")
        );
        for c in [7000218, 700025] {
            assert_eq!(
                a.code_error(c).unwrap().reason.as_deref(),
                Some("public_client_flows")
            );
        }
        assert_eq!(
            a.code_error(700016).unwrap().reason.as_deref(),
            Some("app_not_in_tenant")
        );
        for c in [50076, 50079, 53003, 65004] {
            assert_eq!(kind(c), ErrorKind::SignInBlocked, "{c}");
        }
        for c in [70043, 700082, 50173] {
            assert_eq!(kind(c), ErrorKind::AuthExpired, "{c}");
        }
        assert!(a.code_error(12345).is_none());
        assert!(
            a.code_error(50011)
                .unwrap()
                .hint
                .contains("http://localhost")
        );
    }

    #[test]
    fn codes_come_from_numbers_never_from_the_text() {
        let body = br#"{"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired.","error_codes":[65001]}"#;
        assert_eq!(
            error_codes(body),
            vec![65001],
            "error_codes wins over the text"
        );
        let body = br#"{"error":"access_denied","error_description":"AADSTS90094: Admin approval required."}"#;
        assert_eq!(error_codes(body), vec![90094]);
        assert_eq!(error_codes(b"<html>"), Vec::<u64>::new());
        assert_eq!(aadsts("x AADSTS50011: y"), Some(50011));
        assert_eq!(aadsts("AADSTS"), None);
        let p = MicrosoftProvider { app: app() };
        let r = Refusal {
            status: 400,
            content_type: Some("application/json".into()),
            body: br#"{"error":"invalid_client","error_codes":[7000218]}"#.to_vec(),
        };
        assert_eq!(
            p.refusal(Grant::AuthorizationCode, &r).kind,
            ErrorKind::AppRegistration
        );
        let busy = Refusal {
            status: 503,
            ..Refusal::default()
        };
        assert_eq!(p.refusal(Grant::Refresh, &busy).kind, ErrorKind::Microsoft);
    }

    #[test]
    fn who_signed_in_comes_from_the_id_token() {
        let claims = serde_json::json!({"name": "Megan Bowen", "preferred_username": "admin@contoso.onmicrosoft.com",
            "tid": "6f1c3b2a-8d4e-4f7a-9b21-5c0d8e3a7f14", "oid": "00000000-0000-0000-0000-000000000001"});
        let token = format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let a = account_of(&token).unwrap();
        assert_eq!(a.name, "Megan Bowen");
        assert_eq!(a.upn, "admin@contoso.onmicrosoft.com");
        assert_eq!(a.tenant_id, "6f1c3b2a-8d4e-4f7a-9b21-5c0d8e3a7f14");
        for bad in ["", "a.b.c", "x", "...."] {
            assert!(account_of(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_authorize_url_asks_for_secure_score_with_pkce_and_no_secret() {
        let c = app().client(reqwest::Client::new());
        let pkce = super::super::pkce::Pkce::new();
        let u = Url::parse(
            &c.authorization_url("http://localhost:50123", &crate::Secret::new("st"), &pkce)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(u.path(), "/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["redirect_uri"], "http://localhost:50123");
        assert_eq!(q["scope"], SCOPES.join(" "));
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!q.contains_key("client_secret"));
    }
}
