//! servicenow-sim: a stand-in for a ServiceNow instance over real HTTP on
//! 127.0.0.1, quirks included, as `servicenow-api.md` describes it: OAuth
//! (login and approval pages, token, revoke, SSO), the Table API and
//! `current_user`, with scenarios that make it misbehave on purpose.
//!
//! Start it with [`start`]; drive and inspect it with [`SimHandle`].
//!
//! Modules: `browser` (a scripted browser for tests), `clock` (movable time), `scenarios` (names and parsing),
//! `store` (records and business rules), `query` (encoded queries),
//! `table` (Table API), `oauth` (OAuth endpoints and browser pages),
//! `pages` (HTML), `http` (headers, errors, auth, middleware, listener),
//! `chaos` (the seeded fault injector), `seed` (demo data), `state` (shared
//! state and public types), `tls` (HTTPS with a test CA of the test's own).
//!
//! [`microsoft`] is a second simulator beside it: the Microsoft identity
//! platform and Graph Secure Score (start it with [`microsoft::start`]).

pub mod browser;
mod chaos;
mod clock;
mod direct;
mod http;
pub mod microsoft;
mod oauth;
mod pages;
mod query;
mod scenarios;
pub mod seed;
mod state;
mod store;
mod table;
pub mod tls;

pub use clock::Clock;
pub use oauth::{SSO_USER, s256};
pub use scenarios::{CHAOS_FAULTS, CROSS_SCOPE_MESSAGE, Scenario, hostile_sys_id, parse_duration};
pub use seed::{
    ADMIN, CLIENT_ID, CLIENT_SECRET, DEFAULT_RELEASE, FULFILLER, FULFILLER_DISPLAY,
    INTEGRATION_USER, INTEGRATION_USER_DISPLAY, OAUTH_APP_NAME, PASSWORD, PERSONAL_USER,
    PERSONAL_USER_DISPLAY, REDIRECT_URL, demo_oauth_app,
};
pub use state::{AuthorizationKind, OAuthApp, RequestRecord};
pub use tls::{TestCa, TlsIdentity};

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use serde_json::Value;
use state::{AppState, Shared};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the simulated instance starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// Accounts, the OAuth app, choices and properties; no tickets.
    Empty,
    /// Everything in `Empty` plus ~40 demo tickets and one that moves every minute.
    #[default]
    Demo,
}

impl FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            other => Err(format!("unknown seed '{other}' (empty or demo)")),
        }
    }
}

/// How to start the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// 0 = an ephemeral port.
    pub port: u16,
    pub seed: Seed,
    pub scenarios: Vec<Scenario>,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    /// Base of `link` URLs and `Location` headers; defaults to the base URL.
    pub public_url: Option<String>,
    /// The address to listen on: 127.0.0.1 unless a test needs this computer's own
    /// non-loopback address (to be reached through a proxy, which loopback never is).
    pub listen: std::net::IpAddr,
    /// Serve HTTPS with this certificate chain and key ([`TestCa`] makes them); plain HTTP
    /// when `None`. Over HTTPS on loopback the base URL names `localhost`.
    pub tls: Option<TlsIdentity>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            seed: Seed::Demo,
            scenarios: Vec::new(),
            access_token_lifetime: Duration::from_secs(1800),
            refresh_token_lifetime: Duration::from_secs(8_640_000),
            public_url: None,
            listen: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            tls: None,
        }
    }
}

/// The demo ticket moves this often when the simulator runs on its own.
pub const MOVING_TICKET_PERIOD: Duration = Duration::from_secs(60);

/// A running simulator. Dropping it stops the server too.
pub struct RunningSim {
    base_url: String,
    handle: SimHandle,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

/// Bind `listen`:`port` (127.0.0.1 by default) and serve.
pub async fn start(config: SimConfig) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind((config.listen, config.port)).await?;
    let addr = listener.local_addr()?;
    let acceptor = config.tls.as_ref().map(tls::acceptor).transpose()?;
    let base_url = match (&acceptor, addr.ip().is_loopback()) {
        (None, _) => format!("http://{addr}"),
        (Some(_), true) => format!("https://localhost:{}", addr.port()),
        (Some(_), false) => format!("https://{addr}"),
    };
    let public_url = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| base_url.clone());
    let clock = Clock::default();
    let mut shared = Shared {
        store: Default::default(),
        accounts: Vec::new(),
        apps: Vec::new(),
        scenarios: Vec::new(),
        sessions: HashMap::new(),
        auth_requests: HashMap::new(),
        codes: HashMap::new(),
        access_tokens: HashMap::new(),
        refresh_tokens: HashMap::new(),
        token_requests: HashMap::new(),
        requests: Vec::new(),
        table_in_flight: 0,
        table_in_flight_max: 0,
        access_token_lifetime: config.access_token_lifetime,
        refresh_token_lifetime: config.refresh_token_lifetime,
        public_url,
        moving_ticket: None,
        chaos: None,
        bad_sys_ids_issued: 0,
    };
    let now = clock.now();
    seed::seed_base(&mut shared, now);
    if config.seed == Seed::Demo {
        seed::seed_demo(&mut shared, now);
    }
    let app = AppState {
        shared: Arc::new(std::sync::RwLock::new(shared)),
        clock,
    };
    let handle = SimHandle { app: app.clone() };
    for s in config.scenarios {
        handle.set_scenario(s);
    }

    let router = router(app);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<http::ConnAddr>();
        let stop = async {
            let _ = rx.await;
        };
        let listener = http::KillableListener(listener);
        let result = match acceptor {
            None => {
                axum::serve(listener, service)
                    .with_graceful_shutdown(stop)
                    .await
            }
            Some(acceptor) => {
                axum::serve(tls::TlsListener::new(listener, acceptor), service)
                    .with_graceful_shutdown(stop)
                    .await
            }
        };
        if let Err(e) = result {
            log::error!("servicenow-sim server stopped: {e}");
        }
    });
    let ticker = (config.seed == Seed::Demo).then(|| {
        let h = handle.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(MOVING_TICKET_PERIOD);
            interval.tick().await; // the first tick is immediate
            loop {
                interval.tick().await;
                h.tick_moving_ticket();
            }
        })
    });
    Ok(RunningSim {
        base_url,
        handle,
        shutdown: Some(tx),
        server: Some(server),
        ticker,
    })
}

fn router(app: AppState) -> Router {
    Router::new()
        .route("/", get(oauth::home))
        .route("/navpage.do", get(oauth::home))
        .route("/oauth_auth.do", get(oauth::authorize).post(oauth::decide))
        .route("/oauth_not_you.do", get(oauth::not_you))
        .route("/oauth_token.do", post(oauth::token))
        .route("/oauth_revoke_token.do", get(oauth::revoke))
        .route(
            "/login.do",
            get(oauth::login_page).post(oauth::login_submit),
        )
        .route(
            "/side_door.do",
            get(oauth::login_page).post(oauth::login_submit),
        )
        .route("/logout.do", get(oauth::logout))
        .route("/sso/idp", get(oauth::sso_idp))
        .route(
            "/api/now/table/{table}",
            get(table::list).post(table::create),
        )
        .route(
            "/api/now/table/{table}/{sys_id}",
            get(table::get_one)
                .patch(table::update)
                .put(table::update)
                .delete(table::delete),
        )
        .route("/api/now/ui/user/current_user", get(table::current_user))
        .route("/api/{*rest}", any(table::api_fallback))
        .layer(from_fn_with_state(app.clone(), http::middleware))
        .with_state(app)
}

impl RunningSim {
    /// `http://127.0.0.1:PORT` (`https://localhost:PORT` over TLS), no trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Stop serving (waits a few seconds for open connections, then cuts them).
    pub async fn shutdown(mut self) {
        if let Some(t) = self.ticker.take() {
            t.abort();
        }
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

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(t) = self.ticker.take() {
            t.abort();
        }
        if let Some(s) = self.server.take() {
            s.abort();
        }
    }
}

/// Runtime control of a running simulator, for tests. Cheap to clone.
#[derive(Clone)]
pub struct SimHandle {
    app: AppState,
}

impl SimHandle {
    /// Turn a scenario on (replacing one with the same key, e.g. `release`).
    /// Turning `chaos` on restarts its fault sequence from the seed and
    /// zeroes [`SimHandle::chaos_counts`].
    pub fn set_scenario(&self, scenario: Scenario) {
        let mut shared = self.app.lock();
        if let Scenario::Chaos { seed, .. } = scenario {
            shared.chaos = Some(chaos::ChaosState::new(seed));
        }
        shared.scenarios.retain(|s| s.key() != scenario.key());
        shared.scenarios.push(scenario);
    }

    /// How many faults of each kind `chaos` has injected since it was last
    /// turned on: every name of [`CHAOS_FAULTS`] → count (still readable
    /// after it is turned off); empty when `chaos` was never on. A fault is
    /// counted when it is applied: an after-write fault on a write that
    /// failed anyway (404, 400...) or `malformed-json` on an error answer
    /// is not counted.
    pub fn chaos_counts(&self) -> BTreeMap<String, u64> {
        self.app
            .lock()
            .chaos
            .as_ref()
            .map(|c| c.counts.clone())
            .unwrap_or_default()
    }

    /// Turn a scenario off by its key (`"rate-limit"`; `"release=Zurich"` works too).
    pub fn clear_scenario(&self, name: &str) {
        let key = name.split('=').next().unwrap_or(name).trim();
        self.app.lock().scenarios.retain(|s| s.key() != key);
    }

    pub fn scenarios(&self) -> Vec<Scenario> {
        self.app.lock().scenarios.clone()
    }

    /// Add a local account (sys_user row + password); returns its sys_id.
    pub fn add_user(&self, user_name: &str, display_name: &str, password: &str) -> String {
        let now = self.app.clock.now_sn();
        let mut shared = self.app.lock();
        let sys_id = store::new_sys_id();
        seed::add_account(
            &mut shared,
            &sys_id,
            user_name,
            display_name,
            password,
            &now,
        )
    }

    /// The sys_id of an account, by user name.
    pub fn user_sys_id(&self, user_name: &str) -> Option<String> {
        self.app
            .lock()
            .account_by_name(user_name)
            .map(|a| a.sys_id.clone())
    }

    /// Register an OAuth app (replaces one with the same client id).
    pub fn add_oauth_app(&self, app: OAuthApp) {
        let mut shared = self.app.lock();
        shared.apps.retain(|a| a.client_id != app.client_id);
        shared.apps.push(app);
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.app.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        let mut shared = self.app.lock();
        shared.requests.clear();
        shared.table_in_flight_max = shared.table_in_flight;
    }

    /// The most Table API requests answered at once since the log was last cleared.
    pub fn max_table_requests_in_flight(&self) -> usize {
        self.app.lock().table_in_flight_max
    }

    /// `POST /oauth_token.do` calls by `grant_type` ("" when absent or not a form).
    pub fn token_requests(&self) -> HashMap<String, usize> {
        self.app.lock().token_requests.clone()
    }

    /// Whether an access or refresh token is known, not revoked and not expired.
    pub fn is_token_active(&self, token: &str) -> bool {
        let now = self.app.clock.now();
        let shared = self.app.lock();
        shared
            .access_tokens
            .get(token)
            .or_else(|| shared.refresh_tokens.get(token))
            .is_some_and(|t| t.active(now))
    }

    pub fn revoke_all_tokens(&self) {
        let mut shared = self.app.lock();
        let shared = &mut *shared;
        for t in shared
            .access_tokens
            .values_mut()
            .chain(shared.refresh_tokens.values_mut())
        {
            t.revoked = true;
        }
    }

    /// A stored record as the store holds it (all strings, references as sys_ids).
    pub fn record(&self, table: &str, sys_id: &str) -> Option<Value> {
        let shared = self.app.lock();
        shared
            .store
            .find(table, sys_id)
            .map(|(_, r)| Value::Object(r.clone()))
    }

    pub fn records(&self, table: &str) -> Vec<Value> {
        let shared = self.app.lock();
        shared
            .store
            .rows(table)
            .into_iter()
            .map(|r| Value::Object(r.clone()))
            .collect()
    }

    /// Insert as the fulfiller (`beth.agent`) would, with business rules and
    /// audit fields (and a hostile sys_id under `bad-sys-ids`). Returns the
    /// sys_id, or `None` for an unknown table.
    pub fn insert_record(&self, table: &str, fields: Value) -> Option<String> {
        let now = self.app.clock.now_sn();
        let mut shared = self.app.lock();
        let actor = shared
            .account_by_name(FULFILLER)
            .or_else(|| shared.accounts.first())?
            .actor();
        let fields = fields.as_object().cloned().unwrap_or_default();
        let rec = shared.insert_record(table, &fields, &actor, &now)?;
        Some(store::str_field(&rec, "sys_id").to_string())
    }

    /// Update as the fulfiller would (bumps sys_updated_on and sys_mod_count).
    /// Returns false when there is no such record.
    pub fn update_record(&self, table: &str, sys_id: &str, fields: Value) -> bool {
        let now = self.app.clock.now_sn();
        let mut shared = self.app.lock();
        let Some(actor) = shared
            .account_by_name(FULFILLER)
            .or_else(|| shared.accounts.first())
            .map(|a| a.actor())
        else {
            return false;
        };
        let fields = fields.as_object().cloned().unwrap_or_default();
        shared
            .store
            .update(table, sys_id, &fields, &actor, &now)
            .is_some()
    }

    /// Delete a record as an admin would on the instance. Returns false when there is none.
    pub fn delete_record(&self, table: &str, sys_id: &str) -> bool {
        self.app.lock().store.delete(table, sys_id)
    }

    /// Move the simulator's clock (token and code expiry, audit dates).
    pub fn set_clock_offset(&self, offset: chrono::TimeDelta) {
        self.app.clock.set_offset(offset);
    }

    pub fn advance_clock(&self, by: Duration) {
        self.app
            .clock
            .advance(chrono::TimeDelta::from_std(by).unwrap_or(chrono::TimeDelta::MAX));
    }

    /// The simulator's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.clock.now()
    }

    /// The demo ticket whose state moves every minute (Seed::Demo only).
    pub fn moving_ticket(&self) -> Option<String> {
        self.app
            .lock()
            .moving_ticket
            .as_ref()
            .map(|(id, _)| id.clone())
    }

    /// Move the demo ticket one step now (what the minute timer does).
    /// Returns its new state.
    pub fn tick_moving_ticket(&self) -> Option<String> {
        let now = self.app.clock.now_sn();
        seed::tick_moving_ticket(&mut self.app.lock(), &now)
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix: how the simulator binary and the benches that serve it
/// are stopped.
pub async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
