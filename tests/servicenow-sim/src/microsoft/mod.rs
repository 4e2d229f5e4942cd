//! A stand-in for the Microsoft identity platform and Microsoft Graph's
//! Secure Score, over real HTTP on 127.0.0.1, as `servicenow-api.md` §5
//! describes them. One listener serves both: the app uses the base URL as
//! its sign-in authority (`{base}/{tenant}/oauth2/v2.0/...`) and as its Graph
//! endpoint (`{base}/v1.0/security/...`).
//!
//! Start it with [`start`]; drive and inspect it with [`MsHandle`]; sign in
//! from tests with [`browser`].
//!
//! Modules: `identity` (authorize, pages flow, token, admin consent),
//! `graph` (Secure Score endpoints and Graph's gate), `pages` (HTML),
//! `http` (middleware, request log, response helpers), `seed` (the demo
//! tenant and its Secure Score data), `state` (shared state and public
//! types), `browser` (a scripted browser for tests).

pub mod browser;
mod graph;
mod http;
mod identity;
mod pages;
pub mod seed;
mod state;

pub use graph::PAGE_LIMIT;
pub use identity::{CODE_LIFETIME_SECS, SESSION_COOKIE, redirect_matches};
pub use seed::{
    DUPLICATE_CONTROL, MS_ADMIN, MS_ADMIN_NAME, MS_APP_NAME, MS_CLIENT_ID, MS_NO_ROLE,
    MS_NO_ROLE_NAME, MS_PASSWORD, MS_READER, MS_READER_NAME, MS_REDIRECT_URI, MS_SCOPE,
    MS_TENANT_DOMAIN, MS_TENANT_ID, MS_TENANT_NAME, ORPHAN_CONTROLS, SNAPSHOT_DAYS,
    UNSCORED_CONTROLS, demo_app,
};
pub use state::{MsApp, MsRequestRecord, MsUser, Platform};

use crate::clock::Clock;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, any, get, post};
use serde_json::Value;
use state::{Failures, GraphLoad, MsShared, MsState};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the simulated tenant starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MsSeed {
    /// The accounts and the demo app; no Secure Score data.
    Empty,
    /// Everything in `Empty` plus ~240 control profiles and 90 daily snapshots.
    #[default]
    Demo,
}

impl FromStr for MsSeed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "empty" => Ok(MsSeed::Empty),
            "demo" => Ok(MsSeed::Demo),
            other => Err(format!("unknown seed '{other}' (empty or demo)")),
        }
    }
}

/// How to start the Microsoft simulator.
#[derive(Debug, Clone)]
pub struct MsConfig {
    /// 0 = an ephemeral port.
    pub port: u16,
    /// `expires_in` of access tokens.
    pub access_token_lifetime: Duration,
    /// Unused this long, a refresh token has expired (AADSTS700082).
    pub refresh_token_lifetime: Duration,
    pub seed: MsSeed,
}

impl Default for MsConfig {
    fn default() -> Self {
        MsConfig {
            port: 0,
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(90 * 24 * 3600),
            seed: MsSeed::Demo,
        }
    }
}

/// A running Microsoft simulator. Dropping it stops the server too.
pub struct RunningMicrosoft {
    base_url: String,
    handle: MsHandle,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Bind 127.0.0.1:`config.port` and serve identity and Graph on it.
pub async fn start(config: MsConfig) -> std::io::Result<RunningMicrosoft> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let port = listener.local_addr()?.port();
    let base_url = format!("http://127.0.0.1:{port}");
    let clock = Clock::default();
    let mut shared = MsShared {
        base_url: base_url.clone(),
        users: seed::demo_users(),
        apps: vec![demo_app()],
        tenant_grants: HashMap::new(),
        user_grants: HashMap::new(),
        flows: HashMap::new(),
        sessions: HashMap::new(),
        codes: HashMap::new(),
        access_tokens: HashMap::new(),
        refresh_tokens: HashMap::new(),
        require_mfa: false,
        block_conditional_access: false,
        access_token_lifetime: config.access_token_lifetime,
        refresh_token_lifetime: config.refresh_token_lifetime,
        profiles: Vec::new(),
        snapshots: Vec::new(),
        orphan_max: HashMap::new(),
        rate_limit: Failures::default(),
        unavailable: Failures::default(),
        slow: Duration::ZERO,
        requests: Vec::new(),
    };
    if config.seed == MsSeed::Demo {
        seed::seed_secure_score(&mut shared, clock.now());
    }
    let app = MsState {
        shared: Arc::new(Mutex::new(shared)),
        clock,
        load: Arc::new(GraphLoad::default()),
    };
    let handle = MsHandle { app: app.clone() };
    let router = router(app);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let result = axum::serve(listener, router.into_make_service())
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            log::error!("microsoft simulator stopped: {e}");
        }
    });
    Ok(RunningMicrosoft {
        base_url,
        handle,
        shutdown: Some(tx),
        server: Some(server),
    })
}

fn graph_route(handler: MethodRouter<MsState>) -> MethodRouter<MsState> {
    handler.fallback(graph::method_not_allowed)
}

fn router(app: MsState) -> Router {
    let mut r = Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(identity::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route("/{tenant}/oauth2/v2.0/logout", get(identity::logout))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::openid_configuration),
        )
        .route("/{tenant}/adminconsent", get(identity::admin_consent))
        .route("/{tenant}/v2.0/adminconsent", get(identity::admin_consent))
        .route("/{tenant}/login", post(identity::sign_in_submit))
        .route("/{tenant}/Consent/Set", post(identity::consent_submit))
        .route("/error", get(identity::error_info));
    for version in ["v1.0", "beta"] {
        for collection in ["secureScoreControlProfiles", "secureScores"] {
            r = r
                .route(
                    &format!("/{version}/security/{collection}"),
                    graph_route(get(graph::list)),
                )
                .route(
                    &format!("/{version}/security/{collection}/{{id}}"),
                    graph_route(get(graph::one)),
                );
        }
        r = r.route(&format!("/{version}/{{*rest}}"), any(graph::unknown));
    }
    r.fallback(|| async { (StatusCode::NOT_FOUND, "Not Found").into_response() })
        .layer(from_fn_with_state(app.clone(), http::middleware))
        .with_state(app)
}

impl RunningMicrosoft {
    /// `http://127.0.0.1:PORT`, no trailing slash: the sign-in authority
    /// and the Graph endpoint.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn handle(&self) -> MsHandle {
        self.handle.clone()
    }

    /// Stop serving (waits a few seconds for open connections, then cuts them).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(3), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningMicrosoft {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.abort();
        }
    }
}

/// Runtime control of a running Microsoft simulator, for tests. Cheap to clone.
#[derive(Clone)]
pub struct MsHandle {
    app: MsState,
}

impl MsHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.app.lock().base_url.clone()
    }

    // --- Tenant: apps, users, consent -------------------------------------

    /// Register an app (replaces one with the same client id).
    pub fn register_app(&self, app: MsApp) {
        let mut s = self.app.lock();
        s.apps
            .retain(|a| !a.client_id.eq_ignore_ascii_case(&app.client_id));
        s.apps.push(app);
    }

    pub fn app_registration(&self, client_id: &str) -> Option<MsApp> {
        self.app.lock().app(client_id).cloned()
    }

    /// Add a user with these directory roles; returns its object id.
    pub fn add_user(
        &self,
        upn: &str,
        display_name: &str,
        password: &str,
        roles: &[&str],
    ) -> String {
        let oid = state::stable_guid(&format!("user:{upn}"));
        let mut s = self.app.lock();
        s.users.retain(|u| !u.upn.eq_ignore_ascii_case(upn));
        s.users.push(MsUser {
            oid: oid.clone(),
            upn: upn.into(),
            display_name: display_name.into(),
            password: password.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        });
        oid
    }

    /// A user's object id (the `oid` of its tokens).
    pub fn user_oid(&self, upn: &str) -> Option<String> {
        self.app.lock().user_by_upn(upn).map(|u| u.oid.clone())
    }

    /// Tenant-wide admin consent to the app's configured Graph permissions
    /// and the OpenID Connect scopes (what the admin consent URL grants).
    pub fn grant_admin_consent(&self, client_id: &str) {
        let mut s = self.app.lock();
        let Some(app) = s.app(client_id).cloned() else {
            return;
        };
        s.tenant_grants
            .entry(app.client_id.clone())
            .or_default()
            .extend(identity::configured_scopes(&app));
    }

    /// Remove every consent to the app (tenant-wide and each user's own):
    /// the next sign-in asks again, and refreshing answers AADSTS65001.
    pub fn revoke_consent(&self, client_id: &str) {
        let mut s = self.app.lock();
        s.tenant_grants
            .retain(|c, _| !c.eq_ignore_ascii_case(client_id));
        s.user_grants
            .retain(|(c, _), _| !c.eq_ignore_ascii_case(client_id));
    }

    /// Whether the tenant has consented to the app's Graph permissions.
    pub fn has_admin_consent(&self, client_id: &str) -> bool {
        let s = self.app.lock();
        let Some(app) = s.app(client_id) else {
            return false;
        };
        let granted = s.tenant_grants.get(&app.client_id);
        app.graph_permissions
            .iter()
            .all(|p| granted.is_some_and(|g| g.contains(&format!("{}{p}", state::GRAPH_RESOURCE))))
    }

    /// End every browser session (the next authorize asks for the password).
    pub fn sign_out_everywhere(&self) {
        self.app.lock().sessions.clear();
    }

    // --- Tokens ------------------------------------------------------------

    /// Revoke every refresh token issued so far (AADSTS50173). Access tokens
    /// stay valid until they expire, as on the real service.
    pub fn revoke_refresh_tokens(&self) {
        for t in self.app.lock().refresh_tokens.values_mut() {
            t.revoked = true;
        }
    }

    /// Every refresh token issued so far has expired by inactivity (AADSTS700082).
    pub fn expire_refresh_tokens_inactive(&self) {
        for t in self.app.lock().refresh_tokens.values_mut() {
            t.inactive = true;
        }
    }

    /// Every refresh token issued so far fails the sign-in frequency check (AADSTS70043).
    pub fn expire_refresh_tokens_sign_in_frequency(&self) {
        for t in self.app.lock().refresh_tokens.values_mut() {
            t.sign_in_frequency = true;
        }
    }

    /// Every access token issued so far has expired (Graph answers 401).
    pub fn expire_access_tokens(&self) {
        for t in self.app.lock().access_tokens.values_mut() {
            t.expired = true;
        }
    }

    /// The token endpoint answers AADSTS50076 (MFA required) while on.
    pub fn require_mfa(&self, on: bool) {
        self.app.lock().require_mfa = on;
    }

    /// The token endpoint answers AADSTS53003 (blocked by Conditional Access) while on.
    pub fn block_conditional_access(&self, on: bool) {
        self.app.lock().block_conditional_access = on;
    }

    /// Whether a refresh token is known and would be accepted now.
    pub fn is_refresh_token_active(&self, token: &str) -> bool {
        let now = self.app.clock.now();
        self.app.lock().refresh_tokens.get(token).is_some_and(|t| {
            !t.revoked && !t.inactive && !t.sign_in_frequency && now < t.expires_at
        })
    }

    /// Every access and refresh token issued so far, for tests that look for them where they
    /// must not be (files, logs, the page).
    pub fn issued_tokens(&self) -> Vec<String> {
        let s = self.app.lock();
        s.access_tokens
            .keys()
            .chain(s.refresh_tokens.keys())
            .cloned()
            .collect()
    }

    // --- Secure Score data -------------------------------------------------

    /// Every control profile, in the order Graph serves them.
    pub fn profiles(&self) -> Vec<Value> {
        self.app.lock().profiles.clone()
    }

    /// Every snapshot, in the order Graph serves them (not by date).
    pub fn snapshots(&self) -> Vec<Value> {
        self.app.lock().snapshots.clone()
    }

    /// The newest snapshot (by `createdDateTime`).
    pub fn newest_snapshot(&self) -> Option<Value> {
        let s = self.app.lock();
        s.newest_snapshot().map(|i| s.snapshots[i].clone())
    }

    pub fn snapshot_count(&self) -> usize {
        self.app.lock().snapshots.len()
    }

    /// A control's maximum points: the profile's `maxScore` (strings parsed),
    /// or, for a scored control without a profile, its seeded maximum.
    /// Panics for a control the tenant does not know.
    pub fn control_max(&self, control_id: &str) -> f64 {
        let s = self.app.lock();
        seed::profile_max(&s.profiles)
            .get(control_id)
            .or_else(|| s.orphan_max.get(control_id))
            .copied()
            .unwrap_or_else(|| panic!("no Secure Score control '{control_id}'"))
    }

    /// The Secure Score page's "Export" of the recommended actions, as the portal writes it in
    /// English (UTF-8 with a byte order mark, CRLF, the portal's columns), from the same data
    /// Graph serves: every profile that is not deprecated, with the newest snapshot's points.
    pub fn portal_export_csv(&self) -> String {
        let s = self.app.lock();
        let newest = s.newest_snapshot().map(|i| s.snapshots[i].clone());
        let score_of = |id: &str| -> Option<f64> {
            newest.as_ref()?["controlScores"]
                .as_array()?
                .iter()
                .find(|e| e["controlName"] == id)?["score"]
                .as_f64()
        };
        let max_of = |p: &Value| match &p["maxScore"] {
            Value::String(x) => x.parse::<f64>().unwrap_or(0.0),
            v => v.as_f64().unwrap_or(0.0),
        };
        let live: Vec<&Value> = s
            .profiles
            .iter()
            .filter(|p| p["deprecated"] != true)
            .collect();
        let total: f64 = live.iter().map(|p| max_of(p)).sum();
        let quote = |v: &str| {
            if v.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v.to_owned()
            }
        };
        let number = |x: f64| {
            let t = format!("{x:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        };
        let mut out = String::from(
            "\u{FEFF}Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\r\n",
        );
        let mut rows: Vec<&Value> = live;
        rows.sort_by_key(|p| p["rank"].as_u64().unwrap_or(u64::MAX));
        for p in rows {
            let id = p["id"].as_str().unwrap_or_default();
            let max = max_of(p);
            let points = score_of(id).unwrap_or(0.0);
            let impact = if total > 0.0 {
                max / total * 100.0
            } else {
                0.0
            };
            let status = if max > 0.0 && points >= max {
                "Completed"
            } else {
                "To address"
            };
            let category = p["controlCategory"].as_str().unwrap_or_default();
            let cells = [
                p["rank"]
                    .as_u64()
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                quote(p["title"].as_str().unwrap_or_default()),
                format!("+{impact:.2}%"),
                format!("{}/{}", number(points), number(max)),
                status.to_owned(),
                "No".to_owned(),
                "Yes".to_owned(),
                quote(if category == "Account" {
                    "Identity"
                } else {
                    category
                }),
                quote(p["service"].as_str().unwrap_or_default()),
                String::new(),
                String::new(),
                String::new(),
            ];
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// Add a control profile (a copy of the first one under `id`, with `title` and `max`), as a
    /// bigger tenant has; the benchmark grows the demo tenant to 300 actions with it.
    pub fn add_profile(&self, id: &str, title: &str, max: f64) {
        let mut s = self.app.lock();
        let mut p = s.profiles.first().cloned().expect("a profile to copy");
        p["id"] = id.into();
        p["title"] = title.into();
        p["maxScore"] = max.into();
        p["deprecated"] = false.into();
        s.profiles.push(p);
    }

    /// Secure Score's daily run: a new newest snapshot, taken now (the simulator's clock), a
    /// copy of the previous newest. Tests call it before [`MsHandle::set_control_score`] to
    /// show a change the score saw after a ticket was made. Panics when there is no snapshot.
    pub fn new_snapshot(&self) {
        let now = self.app.clock.now();
        let mut s = self.app.lock();
        let i = s.newest_snapshot().expect("a snapshot to copy");
        let mut next = s.snapshots[i].clone();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        next["id"] = format!("{MS_TENANT_ID}_{}", now.format("%Y-%m-%dT%H%M%S")).into();
        next["createdDateTime"] = at.clone().into();
        if let Some(entries) = next["controlScores"].as_array_mut() {
            for e in entries {
                e["lastSynced"] = at.clone().into();
            }
        }
        s.snapshots.push(next);
    }

    /// Set a control's points in the NEWEST snapshot (its first entry when
    /// listed twice; an entry is added for a profile the snapshot lacks) and
    /// keep `currentScore` the sum of the control scores. Panics for an
    /// unknown control or when there is no snapshot.
    pub fn set_control_score(&self, control_id: &str, score: f64) {
        let max = self.control_max(control_id);
        let mut s = self.app.lock();
        let category = s
            .profiles
            .iter()
            .find(|p| p["id"] == control_id)
            .map(|p| p["controlCategory"].clone())
            .unwrap_or_else(|| "Identity".into());
        let i = s.newest_snapshot().expect("a snapshot to change");
        let snapshot = &mut s.snapshots[i];
        let percent = seed::round2(if max > 0.0 { score / max * 100.0 } else { 0.0 });
        let synced = snapshot["createdDateTime"].clone();
        let entries = snapshot["controlScores"]
            .as_array_mut()
            .expect("controlScores");
        match entries.iter_mut().find(|e| e["controlName"] == control_id) {
            Some(e) => {
                e["score"] = score.into();
                e["scoreInPercentage"] = percent.into();
            }
            None => entries.push(serde_json::json!({
                "controlCategory": category,
                "controlName": control_id,
                "description": "",
                "score": score,
                "scoreInPercentage": percent,
                "implementationStatus": "",
                "lastSynced": synced,
                "count": 0,
                "total": 0,
            })),
        }
        snapshot["currentScore"] = seed::sum_scores(snapshot).into();
    }

    // --- Graph behaviour ---------------------------------------------------

    /// The next `n` Graph requests answer 429 `TooManyRequests`, with
    /// `Retry-After` when given.
    pub fn rate_limit_next(&self, n: usize, retry_after: Option<u64>) {
        self.app.lock().rate_limit = Failures {
            remaining: n,
            retry_after,
        };
    }

    /// The next `n` Graph requests answer 503, with `Retry-After` when given
    /// (after any pending 429s).
    pub fn unavailable_next(&self, n: usize, retry_after: Option<u64>) {
        self.app.lock().unavailable = Failures {
            remaining: n,
            retry_after,
        };
    }

    /// Delay every Graph request by this much (zero: no delay), so that
    /// concurrency can be observed.
    pub fn slow(&self, delay: Duration) {
        self.app.lock().slow = delay;
    }

    /// The most Graph requests that were in flight at once (since start or
    /// the last reset).
    pub fn max_concurrent_graph_requests(&self) -> usize {
        self.app.load.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn graph_requests_in_flight(&self) -> usize {
        self.app.load.in_flight.load(Ordering::SeqCst)
    }

    pub fn reset_max_concurrent_graph_requests(&self) {
        let now = self.app.load.in_flight.load(Ordering::SeqCst);
        self.app.load.max_in_flight.store(now, Ordering::SeqCst);
    }

    // --- Log and clock -----------------------------------------------------

    /// Every request answered so far, oldest first (no bodies, no secrets).
    pub fn requests(&self) -> Vec<MsRequestRecord> {
        self.app.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.app.lock().requests.clear();
    }

    /// Move the simulator's clock (code, token and refresh token expiry).
    pub fn advance_clock(&self, by: Duration) {
        self.app
            .clock
            .advance(chrono::TimeDelta::from_std(by).unwrap_or(chrono::TimeDelta::MAX));
    }

    pub fn set_clock_offset(&self, offset: chrono::TimeDelta) {
        self.app.clock.set_offset(offset);
    }

    /// The simulator's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.clock.now()
    }
}
