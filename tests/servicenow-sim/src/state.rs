//! Shared simulator state (one `Arc<Mutex<..>>`) and the public types that
//! describe it: accounts, OAuth apps, issued tokens, the request log.
//! Handlers lock it briefly and never across an `.await`.

use crate::chaos::ChaosState;
use crate::clock::Clock;
use crate::scenarios::{Scenario, hostile_sys_id};
use crate::store::{Actor, Record, Store};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// An OAuth application registry record (`oauth_entity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApp {
    pub name: String,
    pub client_id: String,
    /// `None` = public client.
    pub client_secret: Option<String>,
    /// Registered redirect URLs, in order (the first is the fallback).
    pub redirect_urls: Vec<String>,
    pub pkce_required: bool,
    pub issue_refresh_token: bool,
}

/// How a request authenticated itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationKind {
    None,
    Bearer,
    Basic,
}

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub authorization_kind: AuthorizationKind,
    /// Response body size when known (0 for streamed or empty bodies).
    pub bytes_out: u64,
}

/// A local account that can sign in (the sys_user row lives in the store).
#[derive(Debug, Clone)]
pub struct Account {
    pub sys_id: String,
    pub user_name: String,
    pub display_name: String,
    pub password: String,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor {
            sys_id: self.sys_id.clone(),
            user_name: self.user_name.clone(),
        }
    }
}

/// A browser session (JSESSIONID).
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Signed-in user (sys_id).
    pub user: Option<String>,
    /// The `/oauth_auth.do` query to resume after login.
    pub pending_auth: Option<String>,
}

/// A pending authorization request shown on the approval page.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client_id: String,
    /// The redirect the code goes to (the matched one or the first registered).
    pub effective_redirect: String,
    /// What the client sent (`redirect_uri`), which the token request must repeat.
    pub sent_redirect: Option<String>,
    pub state: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// The original query string, for Not You?.
    pub query: String,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub request: AuthRequest,
    pub user: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

/// An issued access or refresh token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub user: String,
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

impl TokenInfo {
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && now < self.expires_at
    }
}

/// Everything behind the lock.
pub struct Shared {
    pub store: Store,
    pub accounts: Vec<Account>,
    pub apps: Vec<OAuthApp>,
    pub scenarios: Vec<Scenario>,
    pub sessions: HashMap<String, Session>,
    pub auth_requests: HashMap<String, AuthRequest>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, TokenInfo>,
    pub refresh_tokens: HashMap<String, TokenInfo>,
    pub token_requests: HashMap<String, usize>,
    pub requests: Vec<RequestRecord>,
    /// Table API requests being answered now, and the most at once since the log was cleared.
    pub table_in_flight: usize,
    pub table_in_flight_max: usize,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    /// Base of the `link` URLs and `Location` headers.
    pub public_url: String,
    /// The demo ticket whose state moves every minute, and its step.
    pub moving_ticket: Option<(String, usize)>,
    /// The chaos scenario's generator and counts (kept after it is turned
    /// off, so the counts stay readable; reset when it is turned on).
    pub chaos: Option<ChaosState>,
    /// How many sys_ids `bad-sys-ids` has handed out (the rotation's position).
    pub bad_sys_ids_issued: u64,
}

impl Shared {
    pub fn has(&self, key: &str) -> bool {
        self.scenarios.iter().any(|s| s.key() == key)
    }

    pub fn scenario(&self, key: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.key() == key)
    }

    pub fn account_by_id(&self, sys_id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.sys_id == sys_id)
    }

    pub fn account_by_name(&self, user_name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.user_name == user_name)
    }

    /// The app as it behaves now (the public-client scenario turns the demo
    /// app into a public PKCE client).
    pub fn app(&self, client_id: &str) -> Option<OAuthApp> {
        let mut app = self.apps.iter().find(|a| a.client_id == client_id)?.clone();
        if self.has("public-client") {
            app.client_secret = None;
            app.pkce_required = true;
            app.issue_refresh_token = false;
        }
        Some(app)
    }

    /// Whether a field-level read ACL (`hide-field`) hides this field from
    /// callers it applies to (everyone but the admin).
    pub fn hides(&self, field: &str) -> bool {
        self.scenario("hide-field")
            .is_some_and(|s| s.field_list().any(|f| f == field))
    }

    /// Whether `ignore-query-field` makes the instance ignore encoded-query
    /// conditions on this field.
    pub fn ignores_conditions_on(&self, field: &str) -> bool {
        self.scenario("ignore-query-field")
            .is_some_and(|s| s.field_list().any(|f| f == field))
    }

    /// Insert a record as the Table API does, as `actor`; under `bad-sys-ids`
    /// the record gets the next hostile sys_id of the rotation.
    pub fn insert_record(
        &mut self,
        table: &str,
        fields: &Map<String, Value>,
        actor: &Actor,
        now: &str,
    ) -> Option<Record> {
        let forced = if self.has("bad-sys-ids") {
            loop {
                let id = hostile_sys_id(self.bad_sys_ids_issued);
                self.bad_sys_ids_issued += 1;
                let taken = self.store.find(table, &id).is_some()
                    || (crate::store::is_task_table(table)
                        && self.store.find("task", &id).is_some());
                if !taken {
                    break Some(id);
                }
            }
        } else {
            None
        };
        self.store
            .insert_as(table, fields, actor, now, forced.as_deref())
    }

    pub fn access_lifetime(&self) -> Duration {
        match self.scenario("short-lived-tokens") {
            Some(Scenario::ShortLivedTokens(d)) => *d,
            _ => self.access_token_lifetime,
        }
    }
}

/// Shared state plus the clock; cheap to clone. Reads of the Table API share the lock, as a
/// real instance serves concurrent reads at once; everything else takes it alone.
#[derive(Clone)]
pub struct AppState {
    pub shared: Arc<RwLock<Shared>>,
    pub clock: Clock,
}

impl AppState {
    pub fn lock(&self) -> RwLockWriteGuard<'_, Shared> {
        self.shared
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// For reads that change nothing (a Table API list or record).
    pub fn read(&self) -> RwLockReadGuard<'_, Shared> {
        self.shared
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
