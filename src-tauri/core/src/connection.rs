//! The ServiceNow connection: setting it up (OAuth in the browser, the integration-user check),
//! keeping it (keychain and settings), restoring it at start, and removing it.
//!
//! The app's commands drive it in two steps so that the shell can open the browser in between:
//! `begin*` binds the loopback listener and returns the authorization URL, [`ConnectionManager::finish`]
//! waits for the browser, exchanges the code and asks ServiceNow who signed in. If that is not the
//! integration user, nothing is saved yet: the admin chooses [`ConnectionManager::keep_account`] or
//! [`ConnectionManager::begin_sign_in_again`] (which revokes the wrong account's tokens first).
//! Secrets go to the keychain only; the non-secret rest to a [`SettingsStore`] the app provides.

use crate::error::{Error, ErrorKind, Result};
use crate::files::blocking;
use crate::oauth::client::TokenSet;
use crate::oauth::loopback::{self, Callback, Loopback};
use crate::oauth::pkce::{Pkce, new_state};
use crate::oauth::servicenow::{OAuthApp, ServiceNowOAuth};
use crate::oauth::session::{Session, TokenSink};
use crate::secret::Secret;
use crate::secrets::{Keychain, SecretKind};
use crate::servicenow::client::{ServiceNow, SignedInUser};
use crate::servicenow::{InstanceUrl, http};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The default loopback port of the redirect URL.
pub const DEFAULT_PORT: u16 = 8765;
/// The ports a redirect URL may use: not the privileged ones.
pub const MIN_PORT: u16 = 1024;
pub const MAX_PORT: u16 = 65535;

/// What is wrong with the setup form, field by field (values are locale keys the UI words),
/// and the redirect URL to register for its port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormCheck {
    pub errors: std::collections::BTreeMap<&'static str, &'static str>,
    /// The instance as it will be used (`https://contoso.service-now.com`), when valid.
    pub instance: Option<String>,
    pub port: Option<u16>,
    pub redirect_uri: Option<String>,
}

/// Parses a port typed in the form (blank: the default).
pub fn parse_port(input: Option<&str>) -> Option<u16> {
    let s = input.map(str::trim).unwrap_or("");
    if s.is_empty() {
        return Some(DEFAULT_PORT);
    }
    if s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|p| *p >= MIN_PORT)
}

/// Checks the setup form as the admin fills it in; the same rules [`ConnectionManager::begin`]
/// applies, so the UI never keeps a copy of them.
pub fn check_form(
    instance: &str,
    client_id: &str,
    client_secret: Option<&str>,
    integration_user: &str,
    port: Option<&str>,
) -> FormCheck {
    let mut errors = std::collections::BTreeMap::new();
    let parsed = if instance.trim().is_empty() {
        errors.insert("instance", "validation.instanceRequired");
        None
    } else {
        match InstanceUrl::parse(instance) {
            Ok(i) => Some(i),
            Err(_) => {
                errors.insert("instance", "validation.instanceShape");
                None
            }
        }
    };
    if client_id.trim().is_empty() {
        errors.insert("clientId", "validation.clientIdRequired");
    }
    if client_secret.is_none_or(|s| s.trim().is_empty()) {
        errors.insert("clientSecret", "validation.clientSecretRequired");
    }
    if integration_user.trim().is_empty() {
        errors.insert("integrationUser", "validation.integrationUserRequired");
    }
    let port = parse_port(port);
    if port.is_none() {
        errors.insert("port", "validation.portRange");
    }
    FormCheck {
        errors,
        instance: parsed.map(|i| i.to_string()),
        port,
        redirect_uri: port.map(loopback::redirect_uri),
    }
}

/// What the app keeps about a connection outside the keychain: nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSettings {
    pub instance: InstanceUrl,
    pub client_id: String,
    pub integration_user: String,
    pub port: u16,
    pub public_client: bool,
    pub signed_in: SignedInUser,
    pub release: Option<String>,
    pub access_token_expires_at: DateTime<Utc>,
}

/// Where the app keeps [`ConnectionSettings`] (tauri-plugin-store in the app).
pub trait SettingsStore: Send + Sync + 'static {
    fn load(&self) -> Result<Option<ConnectionSettings>>;
    fn save(&self, settings: &ConnectionSettings) -> Result<()>;
    fn clear(&self) -> Result<()>;
}

/// Settings kept in memory only: for tests and previews, never the app.
#[derive(Debug, Default)]
pub struct MemorySettings(Mutex<Option<ConnectionSettings>>);

impl SettingsStore for MemorySettings {
    fn load(&self) -> Result<Option<ConnectionSettings>> {
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
    fn save(&self, settings: &ConnectionSettings) -> Result<()> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(settings.clone());
        Ok(())
    }
    fn clear(&self) -> Result<()> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}

/// The setup form, as the UI sends it. Its `Debug` leaves the client secret out.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectRequest {
    pub instance: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    pub integration_user: String,
    #[serde(default)]
    pub port: Option<u16>,
}

/// A person, as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub user_name: String,
    pub display_name: String,
}

impl From<&SignedInUser> for Person {
    fn from(u: &SignedInUser) -> Self {
        Self {
            user_name: u.user_name.clone(),
            display_name: u.display_name.clone(),
        }
    }
}

/// What the connection card and the manage page show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub instance: String,
    pub client_id: String,
    pub integration_user: String,
    pub signed_in: Person,
    pub release: Option<String>,
    pub access_token_expires_at: DateTime<Utc>,
    pub has_refresh_token: bool,
    pub needs_reconnect: bool,
    pub port: u16,
    /// The redirect URL registered for this connection (from its port).
    pub redirect_uri: String,
    pub public_client: bool,
}

/// How a sign-in ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConnectOutcome {
    Connected {
        connection: ConnectionInfo,
    },
    #[serde(rename_all = "camelCase")]
    WrongUser {
        signed_in: Person,
        expected: String,
    },
}

impl std::fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("instance", &self.instance)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("integration_user", &self.integration_user)
            .field("port", &self.port)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Validated {
    instance: InstanceUrl,
    client_id: String,
    client_secret: Option<Secret>,
    integration_user: String,
    port: u16,
}

fn required(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

impl ConnectRequest {
    fn validate(&self) -> Result<Validated> {
        let instance = InstanceUrl::parse(&self.instance)?;
        let client_id = required(&self.client_id).ok_or_else(|| {
            Error::invalid_input(
                "Enter the client ID.",
                "The client ID is required to connect to ServiceNow.",
            )
            .with_reason("client_id_missing")
        })?;
        let integration_user = required(&self.integration_user).ok_or_else(|| {
            Error::invalid_input(
                "Enter the integration user's name.",
                "The integration user's name is required to connect to ServiceNow.",
            )
            .with_reason("integration_user_missing")
        })?;
        let port = self.port.unwrap_or(DEFAULT_PORT);
        if port < MIN_PORT {
            // The same cause, and words, as the listener's own refusal of a reserved port.
            return Err(Error::invalid_input(
                format!("Port {port} cannot be used."),
                format!("Choose a port from {MIN_PORT} to {MAX_PORT}."),
            )
            .with_reason("port_reserved")
            .with_param("port", port.to_string()));
        }
        let client_secret = self
            .client_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Secret::new);
        Ok(Validated {
            instance,
            client_id,
            client_secret,
            integration_user,
            port,
        })
    }
}

struct KeychainSink(Keychain);

impl TokenSink for KeychainSink {
    fn store(&self, tokens: &TokenSet) -> Result<()> {
        self.0.set(SecretKind::AccessToken, &tokens.access_token)?;
        if let Some(r) = &tokens.refresh_token {
            self.0.set(SecretKind::RefreshToken, r)?;
        }
        Ok(())
    }
}

/// Tokens that live only in memory (between sign-in and the admin's choice).
struct NoSink;

impl TokenSink for NoSink {
    fn store(&self, _: &TokenSet) -> Result<()> {
        Ok(())
    }
}

struct Active {
    settings: ConnectionSettings,
    api: ServiceNow,
    oauth: ServiceNowOAuth,
}

struct Pending {
    req: Validated,
    oauth: ServiceNowOAuth,
    listener: Loopback,
    state: Secret,
    pkce: Pkce,
}

struct WrongUser {
    req: Validated,
    oauth: ServiceNowOAuth,
    tokens: TokenSet,
    user: SignedInUser,
    release: Option<String>,
}

#[derive(Default)]
struct Inner {
    active: Option<Arc<Active>>,
    pending: Option<Pending>,
    wrong_user: Option<WrongUser>,
}

pub struct ConnectionManager {
    /// The workspace this connection belongs to: its keychain entries are filed under it.
    workspace: String,
    settings: Arc<dyn SettingsStore>,
    inner: Mutex<Inner>,
    cancel: crate::oauth::loopback::CancelSwitch,
    callback_timeout: Duration,
    /// The language of the browser page after the sign-in.
    speaking: crate::i18n::Speaking,
    /// What the organisation locks: every sign-in (new, again, re-authorize) is checked.
    policy: Arc<crate::policy::Policy>,
}

fn same_user(signed_in: &SignedInUser, expected: &str) -> bool {
    signed_in.user_name.eq_ignore_ascii_case(expected.trim())
}

impl ConnectionManager {
    pub fn new(workspace: impl Into<String>, settings: Arc<dyn SettingsStore>) -> Self {
        Self {
            workspace: workspace.into(),
            settings,
            inner: Mutex::new(Inner::default()),
            cancel: Default::default(),
            callback_timeout: loopback::DEFAULT_TIMEOUT,
            speaking: Default::default(),
            policy: Arc::default(),
        }
    }

    /// The organisation's policy, whose locked values every sign-in must match.
    pub fn with_policy(mut self, policy: Arc<crate::policy::Policy>) -> Self {
        self.policy = policy;
        self
    }

    /// How long [`Self::finish`] waits for the browser (5 minutes unless a test says otherwise).
    /// The language the browser page after the sign-in speaks (follows the handle).
    pub fn speaking(mut self, speaking: crate::i18n::Speaking) -> Self {
        self.speaking = speaking;
        self
    }

    pub fn with_callback_timeout(mut self, timeout: Duration) -> Self {
        self.callback_timeout = timeout;
        self
    }

    /// The workspace this connection belongs to.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    fn keychain(&self, instance: &InstanceUrl, client_id: &str) -> Keychain {
        Keychain::for_workspace(&self.workspace, instance, client_id)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loads the saved connection (settings and keychain), without any network call.
    /// What the saved connection says, without reading the keychain: how a workspace is drawn
    /// at start while [`ConnectionManager::restore`] reads its secrets (a few Secret Service
    /// round trips). `None` when nothing is saved.
    pub fn saved_info(&self) -> Option<ConnectionInfo> {
        let s = self.settings.load().ok().flatten()?;
        Some(ConnectionInfo {
            instance: s.instance.to_string(),
            client_id: s.client_id.clone(),
            integration_user: s.integration_user.clone(),
            signed_in: Person::from(&s.signed_in),
            release: s.release.clone(),
            access_token_expires_at: s.access_token_expires_at,
            // As saved; the restore's `connection://changed` says what the keychain holds.
            has_refresh_token: true,
            needs_reconnect: false,
            port: s.port,
            redirect_uri: loopback::redirect_uri(s.port),
            public_client: s.public_client,
        })
    }

    pub async fn restore(&self) -> Result<Option<ConnectionInfo>> {
        let settings = self.settings.clone();
        let Some(saved) = blocking(move || settings.load()).await? else {
            return Ok(None);
        };
        let keychain = self.keychain(&saved.instance, &saved.client_id);
        let kc = keychain.clone();
        let (secret, access, refresh) = blocking(move || {
            Ok((
                kc.get(SecretKind::ClientSecret)?,
                kc.get(SecretKind::AccessToken)?,
                kc.get(SecretKind::RefreshToken)?,
            ))
        })
        .await?;
        let tokens = TokenSet {
            // A missing access token (deleted by hand) makes the session renew or ask to reconnect.
            access_token: access.unwrap_or_else(|| Secret::new("")),
            refresh_token: refresh,
            expires_at: saved.access_token_expires_at,
            id_token: None,
            scopes: Vec::new(),
        };
        let app = OAuthApp {
            instance: saved.instance.clone(),
            client_id: saved.client_id.clone(),
            client_secret: secret,
        };
        let active = self.activate(saved, app, tokens, keychain, true)?;
        let info = info_of(&active).await;
        self.inner().active = Some(active);
        Ok(Some(info))
    }

    fn activate(
        &self,
        settings: ConnectionSettings,
        app: OAuthApp,
        tokens: TokenSet,
        keychain: Keychain,
        restored: bool,
    ) -> Result<Arc<Active>> {
        let client = http::client_for(&settings.instance)?;
        let oauth = ServiceNowOAuth::new(client.clone(), app);
        let sink = Arc::new(KeychainSink(keychain));
        let session = Arc::new(if restored {
            Session::restored(oauth.client().clone(), tokens, sink)
        } else {
            Session::new(oauth.client().clone(), tokens, sink)
        });
        let api = ServiceNow::new(client, settings.instance.clone(), session);
        Ok(Arc::new(Active {
            settings,
            api,
            oauth,
        }))
    }

    /// Starts a sign-in from the setup form. Returns the URL to open in the browser.
    pub async fn begin(&self, request: ConnectRequest) -> Result<String> {
        self.policy.check_connect(&request)?;
        let mut req = request.validate()?;
        if req.client_secret.is_none() {
            // Re-authorizing the same app: the secret the keychain already holds still counts.
            let kc = self.keychain(&req.instance, &req.client_id);
            req.client_secret = blocking(move || kc.get(SecretKind::ClientSecret)).await?;
        }
        self.begin_validated(req).await
    }

    /// Starts a sign-in with the saved settings (Re-authorize, Reconnect).
    pub async fn begin_reauthorize(&self) -> Result<String> {
        let saved = {
            let inner = self.inner();
            inner.active.as_ref().map(|a| a.settings.clone())
        };
        let saved = match saved {
            Some(s) => s,
            None => {
                let settings = self.settings.clone();
                blocking(move || settings.load())
                    .await?
                    .ok_or_else(Error::not_connected)?
            }
        };
        let request = ConnectRequest {
            instance: saved.instance.to_string(),
            client_id: saved.client_id,
            client_secret: None,
            integration_user: saved.integration_user,
            port: Some(saved.port),
        };
        self.begin(request).await
    }

    /// After a wrong account signed in: revokes its tokens and starts the same request again,
    /// so the admin can use Not You? on ServiceNow's page.
    pub async fn begin_sign_in_again(&self) -> Result<String> {
        let wrong = self.inner().wrong_user.take().ok_or_else(|| {
            Error::invalid_input(
                "There is no sign-in to repeat.",
                "Select Connect to ServiceNow to start again.",
            )
            .with_reason("no_sign_in_to_repeat")
        })?;
        revoke_quietly(&wrong.oauth, &wrong.tokens).await;
        self.begin_validated(wrong.req).await
    }

    async fn begin_validated(&self, req: Validated) -> Result<String> {
        // A new sign-in replaces one still waiting.
        self.cancel();
        let listener = Loopback::bind(req.port).await?;
        let client = http::client_for(&req.instance)?;
        let oauth = ServiceNowOAuth::new(
            client,
            OAuthApp {
                instance: req.instance.clone(),
                client_id: req.client_id.clone(),
                client_secret: req.client_secret.clone(),
            },
        );
        let state = new_state();
        let pkce = Pkce::new();
        let url = oauth.authorization_url(&listener.redirect_uri(), &state, &pkce)?;
        let mut inner = self.inner();
        inner.pending = Some(Pending {
            req,
            oauth,
            listener,
            state,
            pkce,
        });
        inner.wrong_user = None;
        Ok(url)
    }

    /// Stops a sign-in that is waiting for the browser.
    pub fn cancel(&self) {
        self.cancel.fire();
        self.inner().pending = None;
    }

    /// Waits for the browser, exchanges the code and checks who signed in.
    pub async fn finish(&self) -> Result<ConnectOutcome> {
        let pending = self.inner().pending.take().ok_or_else(|| {
            Error::invalid_input(
                "No sign-in is waiting.",
                "Select Sign in to ServiceNow to start.",
            )
            .with_reason("no_sign_in_waiting")
        })?;
        let cancelled = self.cancel.arm();
        let Pending {
            req,
            oauth,
            listener,
            state,
            pkce,
        } = pending;
        let port = listener.port();
        let redirect_uri = listener.redirect_uri();
        let waited = listener
            .speaking(&self.speaking.get())
            .wait(state.expose(), self.callback_timeout, cancelled)
            .await;
        let code = match waited {
            Ok(Callback::Code(code)) => code,
            Ok(Callback::Denied { error, .. }) => {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!("ServiceNow did not give Ticket Bridge access ({error})."),
                    "Sign in again and select Allow on ServiceNow's page. If you did, check that the application in System OAuth > Application Registry is active.",
                )
                .with_reason("access_not_granted")
                .with_param("code", error));
            }
            Err(ended) => return Err(loopback::ended_error(ended, port)),
        };
        let tokens = oauth
            .exchange_code(&code, &redirect_uri, &pkce.verifier)
            .await?;
        let client = http::client_for(&req.instance)?;
        let probe = ServiceNow::new(
            client,
            req.instance.clone(),
            Arc::new(Session::new(
                oauth.client().clone(),
                tokens.clone(),
                Arc::new(NoSink),
            )),
        );
        let user = probe.current_user().await?;
        let release = probe.release().await.unwrap_or(None);
        if same_user(&user, &req.integration_user) {
            let info = self.save(req, oauth, tokens, user, release).await?;
            return Ok(ConnectOutcome::Connected { connection: info });
        }
        log::info!(
            "signed in as {} instead of the integration user {}",
            user.user_name,
            req.integration_user
        );
        let outcome = ConnectOutcome::WrongUser {
            signed_in: Person::from(&user),
            expected: req.integration_user.clone(),
        };
        self.inner().wrong_user = Some(WrongUser {
            req,
            oauth,
            tokens,
            user,
            release,
        });
        Ok(outcome)
    }

    /// Keeps the account that signed in although it is not the integration user.
    pub async fn keep_account(&self) -> Result<ConnectionInfo> {
        let wrong = self.inner().wrong_user.take().ok_or_else(|| {
            Error::invalid_input(
                "There is no signed-in account to keep.",
                "Select Connect to ServiceNow to start again.",
            )
            .with_reason("no_account_to_keep")
        })?;
        self.save(
            wrong.req,
            wrong.oauth,
            wrong.tokens,
            wrong.user,
            wrong.release,
        )
        .await
    }

    async fn save(
        &self,
        req: Validated,
        oauth: ServiceNowOAuth,
        tokens: TokenSet,
        user: SignedInUser,
        release: Option<String>,
    ) -> Result<ConnectionInfo> {
        let previous = self.inner().active.as_ref().map(|a| a.settings.clone());
        let keychain = self.keychain(&req.instance, &req.client_id);
        let settings = ConnectionSettings {
            instance: req.instance.clone(),
            client_id: req.client_id.clone(),
            integration_user: req.integration_user.clone(),
            port: req.port,
            public_client: req.client_secret.is_none(),
            signed_in: user,
            release,
            access_token_expires_at: tokens.expires_at,
        };
        {
            let kc = keychain.clone();
            let secret = req.client_secret.clone();
            let t = tokens.clone();
            let store = self.settings.clone();
            let s = settings.clone();
            let old = previous
                .filter(|p| p.instance != s.instance || p.client_id != s.client_id)
                .map(|p| self.keychain(&p.instance, &p.client_id));
            blocking(move || {
                if let Some(old) = old {
                    old.delete_all()?;
                }
                match &secret {
                    Some(secret) => kc.set(SecretKind::ClientSecret, secret)?,
                    None => kc.delete(SecretKind::ClientSecret)?,
                }
                kc.set(SecretKind::AccessToken, &t.access_token)?;
                match &t.refresh_token {
                    Some(r) => kc.set(SecretKind::RefreshToken, r)?,
                    None => kc.delete(SecretKind::RefreshToken)?,
                }
                store.save(&s)
            })
            .await?;
        }
        let active = self.activate(settings, oauth.app().clone(), tokens, keychain, false)?;
        let info = info_of(&active).await;
        self.inner().active = Some(active);
        Ok(info)
    }

    /// The connection as the UI shows it, or `None`.
    pub async fn status(&self) -> Option<ConnectionInfo> {
        let active = self.inner().active.clone()?;
        Some(info_of(&active).await)
    }

    /// The Table API client of the connection.
    pub fn api(&self) -> Result<ServiceNow> {
        self.inner()
            .active
            .as_ref()
            .map(|a| a.api.clone())
            .ok_or_else(Error::not_connected)
    }

    /// The saved settings of the connection.
    pub fn settings(&self) -> Option<ConnectionSettings> {
        self.inner().active.as_ref().map(|a| a.settings.clone())
    }

    /// Revokes both tokens at the instance, deletes every keychain entry, clears the settings.
    /// The local part always happens; a revoke that cannot reach the instance is reported after.
    pub async fn remove(&self) -> Result<()> {
        self.cancel();
        let active = self.inner().active.take();
        let settings = self.settings.clone();
        let saved = match &active {
            Some(a) => Some(a.settings.clone()),
            None => blocking({
                let s = settings.clone();
                move || s.load()
            })
            .await
            .unwrap_or(None),
        };
        let mut revoke_error = None;
        if let Some(a) = &active {
            let tokens = a.api.session().tokens().await;
            if let Err(e) = revoke(&a.oauth, &tokens).await {
                revoke_error = Some(e);
            }
        }
        let keychain = saved.map(|s| self.keychain(&s.instance, &s.client_id));
        blocking(move || {
            if let Some(k) = keychain {
                k.delete_all()?;
            }
            settings.clear()
        })
        .await?;
        match revoke_error {
            None => Ok(()),
            Some(e) => Err(Error::new(
                e.kind,
                "The connection was removed from this computer, but ServiceNow could not be told to revoke its tokens.",
                "The tokens end by themselves (the refresh token after 100 days by default). To end them now, an admin can delete them in ServiceNow under System OAuth > Manage Tokens.",
            )
            .with_reason("revoke_failed")),
        }
    }
}

async fn revoke(oauth: &ServiceNowOAuth, tokens: &TokenSet) -> Result<()> {
    if let Some(r) = &tokens.refresh_token {
        oauth.revoke(r).await?;
    }
    if !tokens.access_token.is_empty() {
        oauth.revoke(&tokens.access_token).await?;
    }
    Ok(())
}

async fn revoke_quietly(oauth: &ServiceNowOAuth, tokens: &TokenSet) {
    if let Err(e) = revoke(oauth, tokens).await {
        log::warn!("could not revoke the wrong account's tokens: {}", e.message);
    }
}

async fn info_of(a: &Active) -> ConnectionInfo {
    let session = a.api.session();
    let s = &a.settings;
    ConnectionInfo {
        instance: s.instance.to_string(),
        client_id: s.client_id.clone(),
        integration_user: s.integration_user.clone(),
        signed_in: Person::from(&s.signed_in),
        release: s.release.clone(),
        access_token_expires_at: session.expires_at().await,
        has_refresh_token: session.has_refresh_token().await,
        needs_reconnect: session.needs_reconnect().await,
        port: s.port,
        redirect_uri: loopback::redirect_uri(s.port),
        public_client: s.public_client,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_before_anything_happens() {
        let ok = ConnectRequest {
            instance: "contoso".into(),
            client_id: " abc ".into(),
            client_secret: Some("  ".into()),
            integration_user: "svc".into(),
            port: None,
        };
        let v = ok.validate().unwrap();
        assert_eq!(v.client_id, "abc");
        assert_eq!(v.port, DEFAULT_PORT);
        assert!(
            v.client_secret.is_none(),
            "a blank secret means a public client"
        );
        for bad in [
            ConnectRequest {
                instance: "".into(),
                ..ok.clone()
            },
            ConnectRequest {
                client_id: " ".into(),
                ..ok.clone()
            },
            ConnectRequest {
                integration_user: "".into(),
                ..ok.clone()
            },
            ConnectRequest {
                port: Some(80),
                ..ok.clone()
            },
            ConnectRequest {
                instance: "http://example.com".into(),
                ..ok.clone()
            },
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert!(!e.message.is_empty() && !e.hint.is_empty());
            // Worded in the admin's language from its reason, with the port when it matters.
            crate::error::reasons_scan::assert_error_worded(&e);
        }
    }

    #[test]
    fn the_form_check_says_which_field_is_wrong_in_locale_keys() {
        let check = |i: &str, port: Option<&str>| check_form(i, "a", Some("b"), "c", port);
        for good in [
            "contoso",
            "dev12345",
            "contoso-prod",
            "  contoso  ",
            "C0ntoso",
            "contoso.service-now.com",
            "https://contoso.service-now.com",
            "https://contoso.service-now.com/",
            "HTTPS://Contoso.Service-Now.com",
            "https://servicenow.contoso.com",
            "https://contoso.service-now.com:8443",
            "https://contoso.service-now.com/now/nav/ui/home",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://localhost:4000",
            "https://10.0.0.5",
        ] {
            assert!(check(good, None).errors.is_empty(), "{good}");
        }
        for bad in [
            "-contoso",
            "con toso",
            "contoso_prod",
            "http://contoso.service-now.com",
            "http://127.0.0.1",
            "http://localhost",
            "http://127.0.0.1:99999",
            "ftp://contoso.service-now.com",
            "https://",
            "https://user:pass@contoso.service-now.com",
            "https://contoso..service-now.com",
            "https://contoso .service-now.com",
            "javascript:alert(1)",
            &"a".repeat(64),
        ] {
            assert_eq!(
                check(bad, None).errors.get("instance"),
                Some(&"validation.instanceShape"),
                "{bad}"
            );
        }
        assert_eq!(
            check(" ", None).errors.get("instance"),
            Some(&"validation.instanceRequired")
        );
        let ok = check(" https://Contoso.service-now.com/now/nav ", Some(" 9000 "));
        assert_eq!(
            ok.instance.as_deref(),
            Some("https://contoso.service-now.com")
        );
        assert_eq!(ok.port, Some(9000));
        assert_eq!(
            ok.redirect_uri.as_deref(),
            Some("http://127.0.0.1:9000/callback")
        );
        assert_eq!(check("contoso", None).port, Some(DEFAULT_PORT));
        for good in ["1024", "8765", "65535", "08765"] {
            assert!(check("contoso", Some(good)).errors.is_empty(), "{good}");
        }
        for bad in [
            "1023", "65536", "0", "-1", "80", "8765a", "87.65", "1e4", "123456",
        ] {
            assert_eq!(
                check("contoso", Some(bad)).errors.get("port"),
                Some(&"validation.portRange"),
                "{bad}"
            );
        }
        let empty = check_form("", "", None, " ", None);
        assert_eq!(
            empty.errors.keys().copied().collect::<Vec<_>>(),
            ["clientId", "clientSecret", "instance", "integrationUser"]
        );
    }

    #[test]
    fn user_names_compare_like_servicenow_logins() {
        let u = SignedInUser {
            sys_id: "1".into(),
            user_name: "SVC_Ticket_Bridge".into(),
            display_name: "Ticket Bridge Integration".into(),
        };
        assert!(same_user(&u, " svc_ticket_bridge "));
        assert!(!same_user(&u, "jane.doe"));
    }

    #[test]
    fn outcomes_serialize_for_the_ui() {
        let o = ConnectOutcome::WrongUser {
            signed_in: Person {
                user_name: "jane.doe".into(),
                display_name: "Jane Doe".into(),
            },
            expected: "svc".into(),
        };
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            serde_json::json!({"status":"wrong_user","signedIn":{"userName":"jane.doe","displayName":"Jane Doe"},"expected":"svc"})
        );
    }
}
