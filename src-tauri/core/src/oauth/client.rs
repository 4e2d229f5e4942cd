//! The token calls of an authorization-code flow, on the `oauth2` crate, for any provider:
//! the authorization URL (with `state` and PKCE S256), the code exchange and the refresh. What
//! differs between providers (how their refusals read, what their endpoints are) comes from a
//! [`Provider`]; everything else is the same code for ServiceNow and Microsoft.
//!
//! HTTP goes through our own reqwest client (`oauth2`'s bundled one pins another reqwest), which
//! follows no redirect, so a token request can never be replayed elsewhere. The adapter keeps the
//! raw answer of a refused request, so the provider words the refusal from its status and body,
//! not from `oauth2`'s reading of it. Token answers are read leniently (`expires_in` as a number
//! or a string, a missing `token_type` taken as Bearer).

use crate::error::{Error, Result};
use crate::oauth::pkce::Pkce;
use crate::secret::Secret;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenType};
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenIntrospectionResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The tokens of one sign-in.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: DateTime<Utc>,
    /// The OpenID Connect ID token, when the provider sent one (Microsoft): read for who signed
    /// in, never stored.
    pub id_token: Option<Secret>,
    /// The scopes the provider says it granted.
    pub scopes: Vec<String>,
}

/// Which token request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    AuthorizationCode,
    Refresh,
}

/// A refused or unreadable token answer, as it came.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What one provider does differently.
pub trait Provider: Send + Sync + 'static {
    /// The provider's name in messages ("ServiceNow", "Microsoft").
    fn name(&self) -> &'static str;
    /// The host the token endpoint is on, for "could not reach …" messages.
    fn host(&self) -> String;
    /// A refused (or unreadable) token answer becomes an error kind the admin can act on.
    fn refusal(&self, grant: Grant, refusal: &Refusal) -> Error;
    /// No answer at all.
    fn transport(&self, err: &reqwest::Error) -> Error {
        crate::servicenow::errors::map_transport_error(err, &self.host())
    }
}

/// The app registered with one provider.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<Secret>,
    pub authorize_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    /// Extra query parameters of the authorization URL (`prompt`, `login_hint`).
    pub extra_authorize: Vec<(String, String)>,
    /// The lifetime to assume when the answer gives none.
    pub default_lifetime: Duration,
}

/// An authorization-code client for one provider and one registered app.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    config: OAuthConfig,
    provider: Arc<dyn Provider>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("provider", &self.provider.name())
            .field("config", &self.config)
            .finish()
    }
}

/// A token answer, read leniently.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tokens {
    access_token: AccessToken,
    #[serde(default = "bearer", deserialize_with = "token_type")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default, deserialize_with = "scopes")]
    scope: Option<Vec<Scope>>,
    #[serde(default)]
    id_token: Option<String>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

fn token_type<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BasicTokenType, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    Ok(match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("mac") => BasicTokenType::Mac,
        Some("bearer") | None => BasicTokenType::Bearer,
        Some(other) => BasicTokenType::Extension(other.to_owned()),
    })
}

fn seconds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn scopes<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<Scope>>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    Ok(v.map(|s| {
        s.split_whitespace()
            .map(|x| Scope::new(x.to_owned()))
            .collect()
    }))
}

impl TokenResponse for Tokens {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scope.as_ref()
    }
}

type Client = oauth2::Client<
    BasicErrorResponse,
    Tokens,
    StandardTokenIntrospectionResponse<EmptyExtraTokenFields, BasicTokenType>,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// The transport failure the adapter reports to `oauth2`.
#[derive(Debug)]
struct Transport(reqwest::Error);

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Transport {}

/// The longest lifetime a token answer may claim (ten years): anything longer is a typo.
const MAX_LIFETIME_SECS: u64 = 10 * 365 * 24 * 3600;

impl OAuthClient {
    pub fn new(http: reqwest::Client, config: OAuthConfig, provider: Arc<dyn Provider>) -> Self {
        Self {
            http,
            config,
            provider,
        }
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    pub fn provider_name(&self) -> &'static str {
        self.provider.name()
    }

    fn client(&self, redirect_uri: Option<&str>) -> Result<Client> {
        let bad = |what: &str, e: oauth2::url::ParseError| {
            Error::internal(format_args!("the {what} URL is not valid ({e})"))
        };
        let mut c = oauth2::Client::new(ClientId::new(self.config.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(self.config.authorize_url.clone()).map_err(|e| bad("sign-in", e))?,
            )
            .set_token_uri(
                TokenUrl::new(self.config.token_url.clone()).map_err(|e| bad("token", e))?,
            )
            // ServiceNow reads the client's credentials from the form body, never a header.
            .set_auth_type(AuthType::RequestBody);
        if let Some(secret) = &self.config.client_secret {
            c = c.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
        }
        if let Some(r) = redirect_uri {
            c = c.set_redirect_uri(RedirectUrl::new(r.to_owned()).map_err(|e| bad("redirect", e))?);
        }
        Ok(c)
    }

    /// The URL the browser opens: the code flow with `state`, PKCE S256 and the scopes.
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &Secret,
        pkce: &Pkce,
    ) -> Result<String> {
        let client = self.client(Some(redirect_uri))?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce.verifier.expose().to_owned(),
        ));
        let state = state.expose().to_owned();
        let mut req = client
            .authorize_url(move || CsrfToken::new(state))
            .set_pkce_challenge(challenge)
            .add_scopes(self.config.scopes.iter().map(|s| Scope::new(s.clone())));
        for (k, v) in &self.config.extra_authorize {
            req = req.add_extra_param(k.clone(), v.clone());
        }
        Ok(req.url().0.to_string())
    }

    /// The HTTP client `oauth2` calls, and the slot where it keeps a refused answer.
    fn adapter(
        &self,
    ) -> (
        impl Fn(HttpRequest) -> TransportFuture + use<>,
        Arc<Mutex<Option<Refusal>>>,
    ) {
        let last: Arc<Mutex<Option<Refusal>>> = Arc::default();
        let http = self.http.clone();
        let seen = last.clone();
        let adapter = move |req: HttpRequest| -> TransportFuture {
            let http = http.clone();
            let seen = seen.clone();
            Box::pin(async move { send(&http, req, &seen).await })
        };
        (adapter, last)
    }

    fn finish(
        &self,
        grant: Grant,
        answer: std::result::Result<Tokens, RequestTokenError<Transport, BasicErrorResponse>>,
        last: &Mutex<Option<Refusal>>,
        previous_refresh: Option<&Secret>,
    ) -> Result<TokenSet> {
        match answer {
            Ok(t) => Ok(self.token_set(t, previous_refresh)),
            Err(RequestTokenError::Request(Transport(e))) => Err(self.provider.transport(&e)),
            Err(_) => {
                let refusal = last
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .unwrap_or_default();
                Err(self.provider.refusal(grant, &refusal))
            }
        }
    }

    fn token_set(&self, t: Tokens, previous_refresh: Option<&Secret>) -> TokenSet {
        let lifetime = t
            .expires_in
            .unwrap_or(self.config.default_lifetime.as_secs())
            .min(MAX_LIFETIME_SECS);
        TokenSet {
            access_token: Secret::new(t.access_token.secret().clone()),
            refresh_token: t
                .refresh_token
                .map(|r| r.secret().clone())
                .filter(|r| !r.is_empty())
                .map(Secret::new)
                .or_else(|| previous_refresh.cloned()),
            expires_at: Utc::now() + ChronoDuration::seconds(lifetime as i64),
            id_token: t.id_token.filter(|s| !s.is_empty()).map(Secret::new),
            scopes: t
                .scope
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// Exchanges the authorization code for tokens (form body, the verifier, the secret of a
    /// confidential client, the same redirect URL as the authorization request).
    pub async fn exchange_code(
        &self,
        code: &Secret,
        redirect_uri: &str,
        verifier: &Secret,
    ) -> Result<TokenSet> {
        let client = self.client(Some(redirect_uri))?;
        let (http, last) = self.adapter();
        let mut req = client
            .exchange_code(AuthorizationCode::new(code.expose().to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()));
        if !self.config.scopes.is_empty() {
            req = req.add_extra_param("scope", self.config.scopes.join(" "));
        }
        let answer = req.request_async(&http).await;
        self.finish(Grant::AuthorizationCode, answer, &last, None)
    }

    /// Renews the access token. Keeps `refresh_token` when the provider returns none (ServiceNow
    /// may not); keeps the new one when it does (Microsoft always does).
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet> {
        let client = self.client(None)?;
        let (http, last) = self.adapter();
        let token = RefreshToken::new(refresh_token.expose().to_owned());
        let answer = client
            .exchange_refresh_token(&token)
            .add_scopes(self.config.scopes.iter().map(|s| Scope::new(s.clone())))
            .request_async(&http)
            .await;
        self.finish(Grant::Refresh, answer, &last, Some(refresh_token))
    }
}

type TransportFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::result::Result<HttpResponse, Transport>> + Send>,
>;

async fn send(
    http: &reqwest::Client,
    req: HttpRequest,
    seen: &Mutex<Option<Refusal>>,
) -> std::result::Result<HttpResponse, Transport> {
    let req = reqwest::Request::try_from(req).map_err(Transport)?;
    let resp = http.execute(req).await.map_err(Transport)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(Transport)?.to_vec();
    // A refusal, or a 200 that cannot be read as tokens: the provider words it from this.
    if status != reqwest::StatusCode::OK || serde_json::from_slice::<Tokens>(&body).is_err() {
        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Refusal {
            status: status.as_u16(),
            content_type: headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: body.clone(),
        });
    }
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_are_read_leniently() {
        let t: Tokens = serde_json::from_str(
            r#"{"access_token":"AAA","refresh_token":"RRR","scope":"useraccount","token_type":"Bearer","expires_in":1799}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(1799));
        assert_eq!(t.scope.as_ref().unwrap()[0].as_str(), "useraccount");
        let t: Tokens = serde_json::from_str(r#"{"access_token":"B","expires_in":"60"}"#).unwrap();
        assert_eq!(t.expires_in, Some(60));
        assert_eq!(t.token_type, BasicTokenType::Bearer);
        let t: Tokens = serde_json::from_str(
            r#"{"access_token":"C","token_type":"bearer","expires_in":3600,"id_token":"x.y.z","scope":"openid profile SecurityEvents.Read.All"}"#,
        )
        .unwrap();
        assert_eq!(t.id_token.as_deref(), Some("x.y.z"));
        assert_eq!(t.scope.unwrap().len(), 3);
        for bad in [&b"{}"[..], b"", b"<html>", br#"{"refresh_token":"R"}"#] {
            assert!(serde_json::from_slice::<Tokens>(bad).is_err());
        }
    }
}

/// Arbitrary bytes and odd shapes as a token answer: never a panic.
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn token_answers_never_panic(bytes in any::<Vec<u8>>(), expires in any::<i64>(), text in ".{0,40}") {
            let _ = serde_json::from_slice::<Tokens>(&bytes);
            let odd = serde_json::json!({
                "access_token": text, "token_type": text, "expires_in": expires,
                "refresh_token": text, "scope": text,
            });
            let _ = serde_json::from_value::<Tokens>(odd);
            let odd = serde_json::json!({"access_token": "a", "expires_in": text, "scope": [text]});
            let _ = serde_json::from_value::<Tokens>(odd);
        }
    }
}
