//! The Microsoft simulator's shared state (one `Arc<Mutex<..>>` plus a few
//! atomics) and the public types that describe it: app registrations, users,
//! the request log. Also the small helpers every part uses: GUIDs, the
//! date formats, scope names. Handlers lock briefly and never across an `.await`.

use crate::clock::Clock;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Where an app registration's redirect URIs are registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// "Mobile and desktop applications": a public client, never a secret.
    Public,
    /// "Web": a confidential client; without a secret it needs
    /// "Allow public client flows" (else AADSTS7000218).
    Web,
}

/// An app registration in the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsApp {
    pub client_id: String,
    pub name: String,
    pub platform: Platform,
    pub redirect_uris: Vec<String>,
    /// "Allow public client flows" (`isFallbackPublicClient`).
    pub public_client_flows: bool,
    /// A Web app's secret; `None` = none configured.
    pub client_secret: Option<String>,
    /// "Accounts in any organizational directory": `/common` works.
    pub multi_tenant: bool,
    /// Configured Microsoft Graph delegated permissions (what `.default`
    /// and the admin consent URL grant), e.g. `SecurityEvents.Read.All`.
    pub graph_permissions: Vec<String>,
}

/// A user of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsUser {
    /// Object id (a GUID).
    pub oid: String,
    /// User principal name, the sign-in name.
    pub upn: String,
    pub display_name: String,
    pub password: String,
    /// Entra directory roles, e.g. "Global Administrator", "Security Reader".
    pub roles: Vec<String>,
}

/// Roles that may grant tenant-wide admin consent to Graph permissions.
pub const CONSENT_ROLES: [&str; 2] = ["Global Administrator", "Privileged Role Administrator"];
/// Roles that may read Secure Score.
pub const SECURE_SCORE_ROLES: [&str; 5] = [
    "Global Administrator",
    "Security Administrator",
    "Security Operator",
    "Security Reader",
    "Global Reader",
];

impl MsUser {
    pub fn has_role(&self, roles: &[&str]) -> bool {
        self.roles.iter().any(|r| roles.contains(&r.as_str()))
    }
    pub fn can_consent(&self) -> bool {
        self.has_role(&CONSENT_ROLES)
    }
}

/// One request the Microsoft simulator answered. No secrets: no bodies,
/// no Authorization header, and the values of `code`, `code_verifier`,
/// `refresh_token`, `client_secret` (and the like) in a query are `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsRequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The simulator's clock when the request came in.
    pub at: DateTime<Utc>,
    /// `grant_type` of a token request.
    pub grant_type: Option<String>,
    /// The AADSTS number of an identity error (token JSON, error page or
    /// error redirect).
    pub error_code: Option<u32>,
}

/// Set on a response by a handler; the middleware copies it into the log.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub u32);
/// Set on a token response by the handler; copied into the log.
#[derive(Debug, Clone)]
pub struct GrantType(pub String);

/// What a pending sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    /// `/oauth2/v2.0/authorize`: ends with a code.
    Authorize,
    /// `/adminconsent`: ends with `admin_consent=True`.
    AdminConsent { v2: bool },
}

/// A pending authorization request between the pages (the `ctx` field).
#[derive(Debug, Clone)]
pub struct Flow {
    pub kind: FlowKind,
    /// The tenant segment of the URL, as sent.
    pub tenant: String,
    pub client_id: String,
    /// As sent (the token request must repeat it).
    pub redirect_uri: String,
    /// Canonical scopes (see [`canonical_scope`]).
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// The original authorize query (for "sign in with an admin account").
    pub query: String,
}

/// A browser session (the `ESTSAUTH` cookie).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub auth_time: DateTime<Utc>,
    pub session_state: String,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub user: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub auth_time: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub redeemed: bool,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// Set by `expire_access_tokens`.
    pub expired: bool,
}

impl AccessToken {
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        !self.expired && now < self.expires_at
    }
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub issued_at: DateTime<Utc>,
    /// Unused past this, it has expired by inactivity (AADSTS700082).
    pub expires_at: DateTime<Utc>,
    /// When the user last signed in interactively.
    pub auth_time: DateTime<Utc>,
    /// AADSTS50173.
    pub revoked: bool,
    /// AADSTS700082, set by the handle.
    pub inactive: bool,
    /// AADSTS70043.
    pub sign_in_frequency: bool,
}

/// Graph load: requests in flight and the high-water mark.
#[derive(Debug, Default)]
pub struct GraphLoad {
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

impl GraphLoad {
    /// Count one request in; the guard counts it out when dropped.
    pub fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

/// One Graph request in flight.
pub struct InFlight(Arc<GraphLoad>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The next Graph requests that fail on purpose.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failures {
    pub remaining: usize,
    pub retry_after: Option<u64>,
}

/// Everything behind the lock.
pub struct MsShared {
    pub base_url: String,
    pub users: Vec<MsUser>,
    pub apps: Vec<MsApp>,
    /// Tenant-wide (admin) consent: client id -> canonical scopes.
    pub tenant_grants: HashMap<String, BTreeSet<String>>,
    /// A user's own consent: (client id, user oid) -> canonical scopes.
    pub user_grants: HashMap<(String, String), BTreeSet<String>>,
    pub flows: HashMap<String, Flow>,
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub require_mfa: bool,
    pub block_conditional_access: bool,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    /// Secure Score control profiles, in the order Graph serves them.
    pub profiles: Vec<Value>,
    /// Daily snapshots, in the (scrambled) order Graph serves them.
    pub snapshots: Vec<Value>,
    /// Max points of controls that are scored but have no profile.
    pub orphan_max: HashMap<String, f64>,
    pub rate_limit: Failures,
    pub unavailable: Failures,
    pub slow: Duration,
    pub requests: Vec<MsRequestRecord>,
}

impl MsShared {
    pub fn user(&self, oid: &str) -> Option<&MsUser> {
        self.users.iter().find(|u| u.oid == oid)
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&MsUser> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    pub fn app(&self, client_id: &str) -> Option<&MsApp> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// The scopes of `wanted` that neither the tenant nor `user` has consented to.
    pub fn missing_consent(&self, client_id: &str, user: &str, wanted: &[String]) -> Vec<String> {
        let tenant = self.tenant_grants.get(client_id);
        let own = self
            .user_grants
            .get(&(client_id.to_string(), user.to_string()));
        wanted
            .iter()
            .filter(|s| {
                !tenant.is_some_and(|g| g.contains(*s)) && !own.is_some_and(|g| g.contains(*s))
            })
            .cloned()
            .collect()
    }

    /// The index of the newest snapshot (by `createdDateTime`).
    pub fn newest_snapshot(&self) -> Option<usize> {
        self.snapshots
            .iter()
            .enumerate()
            .max_by(|(_, a), (_, b)| {
                a["createdDateTime"]
                    .as_str()
                    .cmp(&b["createdDateTime"].as_str())
            })
            .map(|(i, _)| i)
    }
}

/// Shared state, the clock and the Graph load counters; cheap to clone.
#[derive(Clone)]
pub struct MsState {
    pub shared: Arc<Mutex<MsShared>>,
    pub clock: Clock,
    pub load: Arc<GraphLoad>,
}

impl MsState {
    pub fn lock(&self) -> MutexGuard<'_, MsShared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The Microsoft Graph resource, as scopes name it.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
/// The OpenID Connect scopes (no resource).
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
/// The Graph delegated permissions the simulator knows (canonical casing).
pub const GRAPH_PERMISSIONS: [&str; 10] = [
    "SecurityEvents.Read.All",
    "SecurityEvents.ReadWrite.All",
    "SecurityActions.Read.All",
    "SecurityIncident.Read.All",
    "SecurityAlert.Read.All",
    "User.Read",
    "User.Read.All",
    "Directory.Read.All",
    "Organization.Read.All",
    "Policy.Read.All",
];

/// Why a scope string is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    /// A resource other than Graph (AADSTS500011).
    UnknownResource(String),
    /// A Graph permission that does not exist (AADSTS650053).
    UnknownPermission(String),
}

/// One scope in canonical form: OIDC scopes lowercase, Graph permissions as
/// `https://graph.microsoft.com/Name` with the permission's own casing.
/// A bare permission name means Graph, as on the real service.
pub fn canonical_scope(raw: &str) -> Result<Vec<String>, ScopeError> {
    let lower = raw.to_ascii_lowercase();
    if let Some(oidc) = OIDC_SCOPES.iter().find(|s| **s == lower) {
        return Ok(vec![oidc.to_string()]);
    }
    let name = if lower.starts_with(GRAPH_RESOURCE) {
        &raw[GRAPH_RESOURCE.len()..]
    } else if raw.contains("://") || raw.starts_with("api:") {
        let resource = raw.rsplit_once('/').map_or(raw, |(r, _)| r);
        return Err(ScopeError::UnknownResource(resource.to_string()));
    } else {
        raw
    };
    if name == ".default" {
        // Expanded by the caller (it depends on the app).
        return Ok(vec![format!("{GRAPH_RESOURCE}.default")]);
    }
    GRAPH_PERMISSIONS
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .map(|p| vec![format!("{GRAPH_RESOURCE}{p}")])
        .ok_or_else(|| ScopeError::UnknownPermission(name.to_string()))
}

/// A space-separated scope parameter in canonical form, `.default`
/// expanded to the app's configured permissions, duplicates removed.
pub fn parse_scopes(raw: &str, app: &MsApp) -> Result<Vec<String>, ScopeError> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split_whitespace() {
        for s in canonical_scope(part)? {
            let expanded = if s.ends_with("/.default") {
                app.graph_permissions
                    .iter()
                    .map(|p| format!("{GRAPH_RESOURCE}{p}"))
                    .collect()
            } else {
                vec![s]
            };
            for s in expanded {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    Ok(out)
}

/// Whether a canonical scope needs an administrator's consent.
pub fn needs_admin(scope: &str) -> bool {
    scope.starts_with(GRAPH_RESOURCE) && scope.ends_with(".All")
}

/// The `scope` a token response names: Graph permissions by their short
/// name, then the OIDC scopes asked for except `offline_access` (as the
/// real service answers).
pub fn granted_scope_text(scopes: &[String]) -> String {
    let graph = scopes
        .iter()
        .filter_map(|s| s.strip_prefix(GRAPH_RESOURCE))
        .map(str::to_string);
    let oidc = scopes
        .iter()
        .filter(|s| !s.starts_with(GRAPH_RESOURCE) && *s != "offline_access")
        .cloned();
    graph.chain(oidc).collect::<Vec<_>>().join(" ")
}

/// A random GUID (version 4).
pub fn guid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_guid(&b)
}

/// A GUID derived from a name, stable across runs.
pub fn stable_guid(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_guid(&b)
}

fn format_guid(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// ISO 8601 in UTC with `Z`, as Graph writes dates.
pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The identity platform's error timestamp (`2024-05-01 12:00:00Z`).
pub fn aad_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_canonical() {
        let app = crate::microsoft::seed::demo_app();
        let s = parse_scopes(
            "https://graph.microsoft.com/securityevents.read.all OpenID profile offline_access User.Read",
            &app,
        )
        .unwrap();
        assert_eq!(
            s,
            [
                "https://graph.microsoft.com/SecurityEvents.Read.All",
                "openid",
                "profile",
                "offline_access",
                "https://graph.microsoft.com/User.Read"
            ]
        );
        assert_eq!(
            granted_scope_text(&s),
            "SecurityEvents.Read.All User.Read openid profile"
        );
        assert_eq!(
            parse_scopes("https://graph.microsoft.com/.default", &app).unwrap(),
            ["https://graph.microsoft.com/SecurityEvents.Read.All"]
        );
        assert!(matches!(
            parse_scopes("https://management.azure.com/user_impersonation", &app),
            Err(ScopeError::UnknownResource(_))
        ));
        assert!(matches!(
            parse_scopes("Nope.Read", &app),
            Err(ScopeError::UnknownPermission(_))
        ));
        assert!(needs_admin(
            "https://graph.microsoft.com/SecurityEvents.Read.All"
        ));
        assert!(!needs_admin("https://graph.microsoft.com/User.Read"));
    }

    #[test]
    fn guids_look_like_guids() {
        for g in [guid(), stable_guid("x")] {
            assert_eq!(g.len(), 36);
            assert_eq!(g.matches('-').count(), 4);
            assert_eq!(&g[14..15], "4");
        }
        assert_eq!(stable_guid("a"), stable_guid("a"));
    }
}
