//! A workspace's Microsoft 365 sign-in: the admin's own Entra app registration (a public
//! client), the sign-in in the system browser (authorization code, PKCE, state, a loopback
//! listener on a free port of `localhost`), who signed in, and the tokens, kept in the keychain
//! by tenant and account and renewed by the shared single-flight session (Microsoft sends a new
//! refresh token each time; the newest is kept). Signing out deletes them.
//!
//! Nothing here is specific to ServiceNow; the workspace keeps the settings (never a token) in
//! its record through [`MicrosoftStore`].

use super::graph::Graph;
use crate::error::{Error, ErrorKind, Result};
use crate::files::blocking;
use crate::oauth::client::TokenSet;
use crate::oauth::loopback::{Callback, Ended, Loopback, Redirect};
use crate::oauth::microsoft::{
    BaseUrl, DEFAULT_AUTHORITY, DEFAULT_GRAPH, MicrosoftAccount, MicrosoftApp, aadsts, account_of,
    is_guid, parse_tenant,
};
use crate::oauth::pkce::{Pkce, new_state};
use crate::oauth::session::{Session, TokenSink};
use crate::secret::Secret;
use crate::secrets::{Keychain, SecretKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a workspace keeps about its Microsoft sign-in: nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftSettings {
    pub app: MicrosoftApp,
    pub account: MicrosoftAccount,
    pub access_token_expires_at: DateTime<Utc>,
}

/// Where the workspace keeps [`MicrosoftSettings`] (its record in the settings file).
pub trait MicrosoftStore: Send + Sync + 'static {
    fn load(&self) -> Result<Option<MicrosoftSettings>>;
    fn save(&self, settings: &MicrosoftSettings) -> Result<()>;
    fn clear(&self) -> Result<()>;
}

/// The sign-in form, as the UI sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftForm {
    pub tenant: String,
    pub client_id: String,
    #[serde(default)]
    pub authority: Option<String>,
    #[serde(default)]
    pub graph: Option<String>,
}

impl MicrosoftForm {
    pub fn validate(&self) -> Result<MicrosoftApp> {
        let tenant = parse_tenant(&self.tenant)?;
        let client_id = self.client_id.trim().to_ascii_lowercase();
        if !is_guid(&client_id) {
            return Err(Error::invalid_input(
                "The application (client) ID is a GUID such as 3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23.",
                "Copy it from the app registration's Overview page in Microsoft Entra admin center.",
            )
            .with_reason("client_id"));
        }
        let base = |v: &Option<String>, default: &str, what: &str| {
            BaseUrl::parse(
                v.as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or(default),
                what,
            )
        };
        Ok(MicrosoftApp {
            tenant,
            client_id,
            authority: base(&self.authority, DEFAULT_AUTHORITY, "sign-in authority")
                .map_err(|e| e.with_reason("authority"))?,
            graph: base(&self.graph, DEFAULT_GRAPH, "Microsoft Graph endpoint")
                .map_err(|e| e.with_reason("graph"))?,
        })
    }
}

/// What the Microsoft 365 card shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftInfo {
    pub tenant: String,
    pub client_id: String,
    pub authority: String,
    pub graph: String,
    pub account: MicrosoftAccount,
    pub needs_reconnect: bool,
    pub access_token_expires_at: DateTime<Utc>,
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

struct Active {
    settings: MicrosoftSettings,
    graph: Graph,
}

struct Pending {
    app: MicrosoftApp,
    listener: Loopback,
    state: Secret,
    pkce: Pkce,
}

#[derive(Default)]
struct Inner {
    active: Option<Arc<Active>>,
    pending: Option<Pending>,
}

/// One workspace's Microsoft 365 sign-in.
pub struct MicrosoftSignIn {
    workspace: String,
    store: Arc<dyn MicrosoftStore>,
    inner: Mutex<Inner>,
    cancel: crate::oauth::loopback::CancelSwitch,
    callback_timeout: Duration,
    graph_backoff: Option<Duration>,
    /// The language of the browser page after the sign-in.
    speaking: crate::i18n::Speaking,
}

fn http() -> Result<reqwest::Client> {
    crate::network::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(crate::servicenow::http::USER_AGENT)
        .build()
        .map_err(|e| Error::internal(format_args!("the HTTP client could not start ({e})")))
}

fn not_signed_in() -> Error {
    Error::new(
        ErrorKind::NotConnected,
        "Ticket Bridge is not signed in to Microsoft 365 for this instance.",
        "Sign in to Microsoft 365 on the home page, or import the Secure Score export as a CSV file.",
    )
    .with_reason("microsoft")
}

impl MicrosoftSignIn {
    pub fn new(workspace: &str, store: Arc<dyn MicrosoftStore>) -> Self {
        Self {
            workspace: workspace.to_owned(),
            store,
            inner: Mutex::default(),
            cancel: Default::default(),
            callback_timeout: crate::oauth::loopback::DEFAULT_TIMEOUT,
            graph_backoff: None,
            speaking: Default::default(),
        }
    }

    /// The language the browser page after the sign-in speaks (follows the handle).
    pub fn speaking(mut self, speaking: crate::i18n::Speaking) -> Self {
        self.speaking = speaking;
        self
    }

    pub fn with_callback_timeout(mut self, t: Duration) -> Self {
        self.callback_timeout = t;
        self
    }

    /// Shorter Graph backoffs, for tests.
    pub fn with_graph_backoff(mut self, t: Duration) -> Self {
        self.graph_backoff = Some(t);
        self
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn keychain(&self, account: &MicrosoftAccount) -> Keychain {
        Keychain::for_microsoft(&self.workspace, &account.tenant_id, &account.object_id)
    }

    fn activate(
        &self,
        settings: MicrosoftSettings,
        tokens: TokenSet,
        restored: bool,
    ) -> Result<Arc<Active>> {
        let http = http()?;
        let client = settings.app.client(http.clone());
        let sink = Arc::new(KeychainSink(self.keychain(&settings.account)));
        let session = Arc::new(if restored {
            Session::restored(client, tokens, sink)
        } else {
            Session::new(client, tokens, sink)
        });
        let mut graph = Graph::new(http, settings.app.graph.clone(), session);
        if let Some(b) = self.graph_backoff {
            graph = graph.with_backoff(b);
        }
        Ok(Arc::new(Active { settings, graph }))
    }

    /// Loads the saved sign-in (settings and keychain), without any network call.
    pub async fn restore(&self) -> Result<Option<MicrosoftInfo>> {
        let store = self.store.clone();
        let Some(saved) = blocking(move || store.load()).await? else {
            return Ok(None);
        };
        let kc = self.keychain(&saved.account);
        let (access, refresh) = blocking(move || {
            Ok((
                kc.get(SecretKind::AccessToken)?,
                kc.get(SecretKind::RefreshToken)?,
            ))
        })
        .await?;
        let tokens = TokenSet {
            access_token: access.unwrap_or_else(|| Secret::new("")),
            refresh_token: refresh,
            expires_at: saved.access_token_expires_at,
            id_token: None,
            scopes: Vec::new(),
        };
        let active = self.activate(saved, tokens, true)?;
        self.inner().active = Some(active.clone());
        Ok(Some(info_of(&active).await))
    }

    /// Starts a sign-in: binds the listener on a free port and returns the URL to open.
    pub async fn begin(&self, form: MicrosoftForm) -> Result<String> {
        let app = form.validate()?;
        self.cancel();
        let listener = Loopback::bind_for(Redirect::microsoft()).await?;
        let state = new_state();
        let pkce = Pkce::new();
        let url = app
            .client(http()?)
            .authorization_url(&listener.redirect_uri(), &state, &pkce)?;
        self.inner().pending = Some(Pending {
            app,
            listener,
            state,
            pkce,
        });
        Ok(url)
    }

    /// Starts a sign-in with the saved registration (Reconnect).
    pub async fn begin_again(&self) -> Result<String> {
        let saved = self.settings().ok_or_else(not_signed_in)?;
        let app = saved.app;
        self.begin(MicrosoftForm {
            tenant: app.tenant,
            client_id: app.client_id,
            authority: Some(app.authority.to_string()),
            graph: Some(app.graph.to_string()),
        })
        .await
    }

    /// Stops a sign-in that waits for the browser.
    pub fn cancel(&self) {
        self.cancel.fire();
        self.inner().pending = None;
    }

    /// Waits for the browser, exchanges the code, reads who signed in, keeps the tokens.
    pub async fn finish(&self) -> Result<MicrosoftInfo> {
        let pending = self.inner().pending.take().ok_or_else(|| {
            Error::invalid_input(
                "No Microsoft sign-in is waiting.",
                "Select Sign in to Microsoft 365 to start.",
            )
            .with_reason("no_microsoft_sign_in_waiting")
        })?;
        let cancelled = self.cancel.arm();
        let Pending {
            app,
            listener,
            state,
            pkce,
        } = pending;
        let redirect_uri = listener.redirect_uri();
        let waited = listener
            .speaking(&self.speaking.get())
            .wait(state.expose(), self.callback_timeout, cancelled)
            .await;
        let code = match waited {
            Ok(Callback::Code(code)) => code,
            Ok(Callback::Denied { error, description }) => {
                let text = description.unwrap_or_default();
                return Err(aadsts(&text)
                    .and_then(|c| app.code_error(c))
                    .unwrap_or_else(|| {
                        Error::new(
                            ErrorKind::SignInBlocked,
                            format!("Microsoft did not give Ticket Bridge access ({error})."),
                            "Sign in again and accept the permissions Ticket Bridge asks for, or ask your administrator for consent.",
                        )
                        .with_reason("declined")
                    }));
            }
            Err(Ended::Cancelled) => {
                return Err(Error::invalid_input(
                    "The Microsoft sign-in was cancelled.",
                    "Select Sign in to Microsoft 365 to start again.",
                )
                .with_reason("cancelled"));
            }
            Err(Ended::TimedOut) => {
                return Err(Error::invalid_input(
                    "Microsoft never sent the sign-in back to Ticket Bridge.",
                    "If you signed in, check that the app registration has the platform Mobile and desktop applications with the redirect URI http://localhost. Then sign in again.",
                )
                .with_reason("timed_out"));
            }
        };
        let client = app.client(http()?);
        let tokens = client
            .exchange_code(&code, &redirect_uri, &pkce.verifier)
            .await?;
        let account = tokens
            .id_token
            .as_ref()
            .and_then(|t| account_of(t.expose()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Microsoft,
                    "Microsoft did not say who signed in (no readable ID token).",
                    "Check that the sign-in asks for the openid and profile permissions, then sign in again.",
                )
                .with_reason("microsoft_no_id_token")
            })?;
        if !tokens.scopes.is_empty()
            && !tokens
                .scopes
                .iter()
                .any(|s| s.ends_with(crate::oauth::microsoft::PERMISSION))
        {
            return Err(Error::new(
                ErrorKind::ConsentRequired,
                "Microsoft signed you in without the permission to read Secure Score.",
                format!(
                    "Ask a Global Administrator to grant consent: {}",
                    app.admin_consent_url()
                ),
            )
            .with_reason("admin_consent")
            .with_param("consentUrl", app.admin_consent_url()));
        }
        let settings = MicrosoftSettings {
            app,
            account,
            access_token_expires_at: tokens.expires_at,
        };
        let previous = self.settings();
        {
            let store = self.store.clone();
            let s = settings.clone();
            let kc = self.keychain(&settings.account);
            let old = previous
                .filter(|p| p.account != settings.account)
                .map(|p| self.keychain(&p.account));
            let t = tokens.clone();
            blocking(move || {
                if let Some(old) = old {
                    old.delete_all()?;
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
        log::info!(
            "{}: signed in to Microsoft 365 (tenant {})",
            self.workspace,
            settings.account.tenant_id
        );
        let active = self.activate(settings, tokens, false)?;
        self.inner().active = Some(active.clone());
        Ok(info_of(&active).await)
    }

    /// Deletes the tokens and forgets the sign-in.
    pub async fn sign_out(&self) -> Result<()> {
        self.cancel();
        let active = self.inner().active.take();
        let saved = active
            .map(|a| a.settings.clone())
            .or_else(|| self.store.load().ok().flatten());
        let store = self.store.clone();
        let kc = saved.map(|s| self.keychain(&s.account));
        blocking(move || {
            if let Some(kc) = kc {
                kc.delete_all()?;
            }
            store.clear()
        })
        .await
    }

    pub fn settings(&self) -> Option<MicrosoftSettings> {
        self.inner().active.as_ref().map(|a| a.settings.clone())
    }

    /// The Graph client of the sign-in.
    pub fn graph(&self) -> Result<Graph> {
        self.inner()
            .active
            .as_ref()
            .map(|a| a.graph.clone())
            .ok_or_else(not_signed_in)
    }

    pub async fn status(&self) -> Option<MicrosoftInfo> {
        let active = self.inner().active.clone()?;
        Some(info_of(&active).await)
    }
}

async fn info_of(a: &Active) -> MicrosoftInfo {
    let s = &a.settings;
    let session = a.graph.session();
    MicrosoftInfo {
        tenant: s.app.tenant.clone(),
        client_id: s.app.client_id.clone(),
        authority: s.app.authority.to_string(),
        graph: s.app.graph.to_string(),
        account: s.account.clone(),
        needs_reconnect: session.needs_reconnect().await,
        access_token_expires_at: session.expires_at().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_before_anything_happens() {
        let ok = MicrosoftForm {
            tenant: " Contoso.onmicrosoft.com".into(),
            client_id: "3C9D2F71-4A8B-4E2C-B5D6-7E1F0A9B8C23".into(),
            authority: None,
            graph: Some(" ".into()),
        };
        let app = ok.validate().unwrap();
        assert_eq!(app.tenant, "contoso.onmicrosoft.com");
        assert_eq!(app.client_id, "3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23");
        assert_eq!(app.authority.as_str(), DEFAULT_AUTHORITY);
        assert_eq!(app.graph.as_str(), DEFAULT_GRAPH);
        for bad in [
            MicrosoftForm {
                client_id: "not-a-guid".into(),
                ..ok.clone()
            },
            MicrosoftForm {
                tenant: "".into(),
                ..ok.clone()
            },
            MicrosoftForm {
                authority: Some("http://login.example.com".into()),
                ..ok.clone()
            },
        ] {
            let e = bad.validate().unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput);
        }
        let local = MicrosoftForm {
            authority: Some("http://127.0.0.1:8081".into()),
            graph: Some("http://127.0.0.1:8081/".into()),
            ..ok
        };
        assert_eq!(
            local.validate().unwrap().graph.as_str(),
            "http://127.0.0.1:8081"
        );
    }
}
