//! A signed-in connection's tokens, and the one refresh that every caller shares. The same for
//! every provider (ServiceNow, Microsoft): only the [`OAuthClient`] underneath differs.
//!
//! [`Session::access_token`] renews the access token shortly before it ends; after a `401`,
//! [`Session::after_unauthorized`] renews it unless another caller already did. Either way the
//! refresh runs under one lock, so however many requests wait, ServiceNow sees one token request
//! (single flight). When ServiceNow refuses the refresh token, or there is none (a public
//! client), the session turns dead: every caller gets the same `auth_expired` error at once,
//! without asking ServiceNow again, until the admin reconnects.

use crate::error::{Error, ErrorKind, Result};
use crate::oauth::client::{OAuthClient, TokenSet};
use crate::secret::Secret;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long before its end an access token is renewed (at most; a token that lives less than
/// twice this is renewed at half its life, so short lifetimes do not renew on every call).
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// Where renewed tokens are kept (the keychain in the app). Called under the refresh lock; a
/// provider that sends a new refresh token on each refresh (Microsoft) has the newest kept.
pub trait TokenSink: Send + Sync + 'static {
    fn store(&self, tokens: &TokenSet) -> Result<()>;
}

struct State {
    tokens: TokenSet,
    /// When these tokens were obtained (or loaded), to size the renewal margin.
    obtained_at: DateTime<Utc>,
    dead: Option<Error>,
}

impl State {
    fn fresh_enough(&self, now: DateTime<Utc>) -> bool {
        let life = self.tokens.expires_at - self.obtained_at;
        let margin = ChronoDuration::seconds(REFRESH_MARGIN_SECS).min(life / 2);
        self.tokens.expires_at - now > margin
    }
}

pub struct Session {
    oauth: OAuthClient,
    sink: Arc<dyn TokenSink>,
    state: tokio::sync::Mutex<State>,
    refreshes: AtomicU64,
}

fn no_refresh_token(provider: &str) -> Error {
    Error::new(
        ErrorKind::AuthExpired,
        format!("Ticket Bridge's access to {provider} has ended, and {provider} gave no refresh token to renew it."),
        format!("Sign in to {provider} again (Reconnect)."),
    )
    .with_reason("no_refresh_token")
    .with_param("provider", provider)
}

impl Session {
    pub fn new(oauth: OAuthClient, tokens: TokenSet, sink: Arc<dyn TokenSink>) -> Self {
        Self {
            oauth,
            sink,
            state: tokio::sync::Mutex::new(State {
                tokens,
                obtained_at: Utc::now(),
                dead: None,
            }),
            refreshes: AtomicU64::new(0),
        }
    }

    /// A session for tokens loaded from the keychain, whose age is unknown: the full margin
    /// applies.
    pub fn restored(oauth: OAuthClient, tokens: TokenSet, sink: Arc<dyn TokenSink>) -> Self {
        let obtained_at = tokens.expires_at - ChronoDuration::days(1);
        let s = Self::new(oauth, tokens, sink);
        s.state.try_lock().expect("new session").obtained_at = obtained_at;
        s
    }

    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// A valid access token, renewed first when it ends within [`REFRESH_MARGIN_SECS`].
    pub async fn access_token(&self) -> Result<Secret> {
        let mut st = self.state.lock().await;
        if let Some(e) = &st.dead {
            return Err(e.clone());
        }
        if st.fresh_enough(Utc::now()) && !st.tokens.access_token.is_empty() {
            return Ok(st.tokens.access_token.clone());
        }
        self.refresh_locked(&mut st).await
    }

    /// ServiceNow answered 401 to `rejected`: renew, unless someone already has.
    pub async fn after_unauthorized(&self, rejected: &Secret) -> Result<Secret> {
        let mut st = self.state.lock().await;
        if let Some(e) = &st.dead {
            return Err(e.clone());
        }
        if st.tokens.access_token != *rejected {
            return Ok(st.tokens.access_token.clone());
        }
        self.refresh_locked(&mut st).await
    }

    async fn refresh_locked(&self, st: &mut State) -> Result<Secret> {
        let Some(refresh) = st.tokens.refresh_token.clone() else {
            let e = no_refresh_token(self.oauth.provider_name());
            st.dead = Some(e.clone());
            return Err(e);
        };
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        match self.oauth.refresh(&refresh).await {
            Ok(tokens) => {
                let sink = self.sink.clone();
                let stored = tokens.clone();
                tokio::task::spawn_blocking(move || sink.store(&stored))
                    .await
                    .map_err(|e| {
                        Error::internal(format_args!("saving the renewed tokens ({e})"))
                    })??;
                let access = tokens.access_token.clone();
                st.tokens = tokens;
                st.obtained_at = Utc::now();
                log::info!("access token renewed");
                Ok(access)
            }
            Err(e) if e.kind == ErrorKind::AuthExpired => {
                log::warn!("refresh refused: {}", e.message);
                st.dead = Some(e.clone());
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// When the current access token ends.
    pub async fn expires_at(&self) -> DateTime<Utc> {
        self.state.lock().await.tokens.expires_at
    }

    pub async fn has_refresh_token(&self) -> bool {
        self.state.lock().await.tokens.refresh_token.is_some()
    }

    /// Whether the admin must reconnect.
    pub async fn needs_reconnect(&self) -> bool {
        self.state.lock().await.dead.is_some()
    }

    /// The current tokens (for revoking them).
    pub async fn tokens(&self) -> TokenSet {
        self.state.lock().await.tokens.clone()
    }

    /// How many refreshes this session asked ServiceNow for.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(obtained: i64, expires: i64) -> State {
        let base = Utc::now();
        State {
            tokens: TokenSet {
                access_token: Secret::new("a"),
                refresh_token: None,
                expires_at: base + ChronoDuration::seconds(expires),
                id_token: None,
                scopes: Vec::new(),
            },
            obtained_at: base + ChronoDuration::seconds(obtained),
            dead: None,
        }
    }

    #[test]
    fn renewal_margin() {
        let now = Utc::now();
        // A 30-minute token is renewed in its last minute.
        assert!(state(0, 1800).fresh_enough(now));
        assert!(state(-1800 + 61, 61).fresh_enough(now));
        assert!(!state(-1800 + 59, 59).fresh_enough(now));
        // A 4-second token is renewed at half its life, not on every call.
        assert!(state(0, 4).fresh_enough(now));
        assert!(!state(-3, 1).fresh_enough(now));
        // An expired one never is fresh.
        assert!(!state(-1800, -1).fresh_enough(now));
    }
}
