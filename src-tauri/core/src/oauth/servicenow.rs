//! ServiceNow as an OAuth provider: its endpoints (`/oauth_auth.do`, `/oauth_token.do`,
//! `/oauth_revoke_token.do`), how its refusals read, and revoke.
//!
//! Facts it follows (servicenow-api.md §1): the token request is a form body with the client's
//! credentials in it, never JSON, a query string or a header; it carries the PKCE verifier; every
//! failure is the same `401 access_denied`; a refresh may come back without a refresh token, in
//! which case the current one stays valid; a public client may get no refresh token at all.

use super::client::{Grant, OAuthClient, OAuthConfig, Provider, Refusal, TokenSet};
use super::pkce::Pkce;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::servicenow::InstanceUrl;
use crate::servicenow::errors;
use std::sync::Arc;
use std::time::Duration;

/// The OAuth application registered in ServiceNow.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub instance: InstanceUrl,
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<Secret>,
}

/// How ServiceNow's token answers read.
struct ServiceNowProvider {
    instance: InstanceUrl,
}

impl Provider for ServiceNowProvider {
    fn name(&self) -> &'static str {
        "ServiceNow"
    }

    fn host(&self) -> String {
        self.instance.to_string()
    }

    fn refusal(&self, grant: Grant, r: &Refusal) -> Error {
        if r.status == 200 {
            return errors::unreadable_answer(errors::Doing::FinishSignIn);
        }
        match grant {
            Grant::AuthorizationCode => {
                errors::map_code_exchange_error(r.status, r.content_type.as_deref(), &r.body)
            }
            // ServiceNow down or busy is not a lost sign-in: it may work again by itself.
            Grant::Refresh if r.status >= 500 || r.status == 429 => errors::map_api_error(
                r.status,
                r.content_type.as_deref(),
                None,
                &r.body,
                errors::Doing::RenewSignIn,
            ),
            Grant::Refresh => errors::map_refresh_error(r.status),
        }
    }
}

/// The sign-in with one ServiceNow app: the provider-neutral client, and revoke.
#[derive(Debug, Clone)]
pub struct ServiceNowOAuth {
    http: reqwest::Client,
    app: OAuthApp,
    client: OAuthClient,
}

impl ServiceNowOAuth {
    pub fn new(http: reqwest::Client, app: OAuthApp) -> Self {
        let config = OAuthConfig {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            authorize_url: app.instance.url("/oauth_auth.do"),
            token_url: app.instance.url("/oauth_token.do"),
            scopes: Vec::new(),
            extra_authorize: Vec::new(),
            // ServiceNow's default access-token lifetime.
            default_lifetime: Duration::from_secs(1800),
        };
        let provider = Arc::new(ServiceNowProvider {
            instance: app.instance.clone(),
        });
        Self {
            client: OAuthClient::new(http.clone(), config, provider),
            http,
            app,
        }
    }

    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    /// The provider-neutral client (the session's refresh).
    pub fn client(&self) -> &OAuthClient {
        &self.client
    }

    /// The URL the browser opens: `/oauth_auth.do` with the code flow, state and PKCE.
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &Secret,
        pkce: &Pkce,
    ) -> Result<String> {
        self.client.authorization_url(redirect_uri, state, pkce)
    }

    pub async fn exchange_code(
        &self,
        code: &Secret,
        redirect_uri: &str,
        verifier: &Secret,
    ) -> Result<TokenSet> {
        self.client
            .exchange_code(code, redirect_uri, verifier)
            .await
    }

    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet> {
        self.client.refresh(refresh_token).await
    }

    /// Marks `token` expired at the instance (`/oauth_revoke_token.do`, no authentication).
    pub async fn revoke(&self, token: &Secret) -> Result<()> {
        let instance = self.app.instance.as_str();
        let resp = self
            .http
            .get(self.app.instance.url("/oauth_revoke_token.do"))
            .query(&[("token", token.expose())])
            .send()
            .await
            .map_err(|e| errors::map_transport_error(&e, instance))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await.unwrap_or_default();
        Err(errors::map_api_error(
            status,
            ct.as_deref(),
            None,
            &body,
            errors::Doing::RevokeToken,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_url_has_state_and_pkce() {
        let app = OAuthApp {
            instance: InstanceUrl::parse("contoso").unwrap(),
            client_id: "abc 123".into(),
            client_secret: None,
        };
        let c = ServiceNowOAuth::new(reqwest::Client::new(), app);
        let pkce = Pkce::new();
        let state = Secret::new("st4te");
        let u = url::Url::parse(
            &c.authorization_url("http://127.0.0.1:8765/callback", &state, &pkce)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(u.path(), "/oauth_auth.do");
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "abc 123");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8765/callback");
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["code_challenge"], pkce.challenge);
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!q.contains_key("scope"), "ServiceNow takes no scope");
        assert!(!u.as_str().contains(pkce.verifier.expose()));
    }

    #[test]
    fn refusals_read_as_servicenow_means_them() {
        let p = ServiceNowProvider {
            instance: InstanceUrl::parse("contoso").unwrap(),
        };
        let denied = Refusal {
            status: 401,
            content_type: Some("application/json".into()),
            body: br#"{"error_description":"access_denied","error":"server_error"}"#.to_vec(),
        };
        let e = p.refusal(Grant::AuthorizationCode, &denied);
        assert_eq!(e.kind, crate::ErrorKind::ServiceNow);
        assert!(e.hint.contains("client secret"));
        let e = p.refusal(Grant::Refresh, &denied);
        assert_eq!(e.kind, crate::ErrorKind::AuthExpired);
        let busy = Refusal {
            status: 503,
            ..Refusal::default()
        };
        assert!(
            p.refusal(Grant::Refresh, &busy).is_transient(),
            "5xx is not a lost sign-in"
        );
        let unreadable = Refusal {
            status: 200,
            body: b"<html>".to_vec(),
            ..Refusal::default()
        };
        assert_eq!(
            p.refusal(Grant::AuthorizationCode, &unreadable).kind,
            crate::ErrorKind::ServiceNow
        );
    }
}
