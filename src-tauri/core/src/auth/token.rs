//! ServiceNow's token endpoint: the authorization URL, the code exchange, refresh and revoke.
//!
//! Facts it follows (servicenow-api.md §1): the token request is a form body, never JSON or a
//! query string; it carries the client secret (confidential client) and the PKCE verifier; every
//! failure is the same `401 access_denied`; a refresh may come back without a refresh token, in
//! which case the current one stays valid; a public client may get no refresh token at all.

use crate::auth::pkce::Pkce;
use crate::error::Result;
use crate::secret::Secret;
use crate::servicenow::InstanceUrl;
use crate::servicenow::errors;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::Value;

/// The tokens of one connection.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: DateTime<Utc>,
}

/// The OAuth application registered in ServiceNow.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub instance: InstanceUrl,
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    app: OAuthApp,
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn parse_tokens(body: &[u8], previous_refresh: Option<&Secret>) -> Result<TokenSet> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| errors::unreadable_answer("finish the sign-in"))?;
    let access = v
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| errors::unreadable_answer("finish the sign-in"))?;
    let refresh = v
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(Secret::new)
        .or_else(|| previous_refresh.cloned());
    let expires_in = match v.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(1800)
    .clamp(0, 10 * 365 * 24 * 3600);
    Ok(TokenSet {
        access_token: Secret::new(access),
        refresh_token: refresh,
        expires_at: Utc::now() + ChronoDuration::seconds(expires_in),
    })
}

impl OAuthClient {
    pub fn new(http: reqwest::Client, app: OAuthApp) -> Self {
        Self { http, app }
    }

    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    /// The URL the browser opens: `/oauth_auth.do` with the code flow, state and PKCE.
    pub fn authorization_url(&self, redirect_uri: &str, state: &Secret, pkce: &Pkce) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.app.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state.expose())
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}?{query}", self.app.instance.url("/oauth_auth.do"))
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<(u16, Option<String>, Vec<u8>)> {
        let instance = self.app.instance.as_str();
        let resp = self
            .http
            .post(self.app.instance.url("/oauth_token.do"))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| errors::map_transport_error(&e, instance))?;
        let status = resp.status().as_u16();
        let content_type = header(&resp, "content-type");
        let body = resp
            .bytes()
            .await
            .map_err(|e| errors::map_transport_error(&e, instance))?;
        Ok((status, content_type, body.to_vec()))
    }

    /// Exchanges the authorization code for tokens.
    pub async fn exchange_code(
        &self,
        code: &Secret,
        redirect_uri: &str,
        verifier: &Secret,
    ) -> Result<TokenSet> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
            ("client_id", self.app.client_id.as_str()),
            ("code_verifier", verifier.expose()),
        ];
        if let Some(secret) = &self.app.client_secret {
            form.push(("client_secret", secret.expose()));
        }
        let (status, ct, body) = self.token_request(&form).await?;
        if status != 200 {
            return Err(errors::map_code_exchange_error(
                status,
                ct.as_deref(),
                &body,
            ));
        }
        parse_tokens(&body, None)
    }

    /// Renews the access token. Keeps `refresh_token` when ServiceNow returns none.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet> {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", self.app.client_id.as_str()),
        ];
        if let Some(secret) = &self.app.client_secret {
            form.push(("client_secret", secret.expose()));
        }
        let (status, _ct, body) = self.token_request(&form).await?;
        if status != 200 {
            return Err(errors::map_refresh_error(status));
        }
        parse_tokens(&body, Some(refresh_token))
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
            Ok(())
        } else {
            let ct = header(&resp, "content-type");
            let body = resp.bytes().await.unwrap_or_default();
            Err(errors::map_api_error(
                status,
                ct.as_deref(),
                None,
                &body,
                "revoke the token",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_servicenow_token_answers() {
        let t = parse_tokens(
            br#"{"access_token":"AAA","refresh_token":"RRR","scope":"useraccount","token_type":"Bearer","expires_in":1799}"#,
            None,
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "AAA");
        assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "RRR");
        let left = (t.expires_at - Utc::now()).num_seconds();
        assert!((1790..=1799).contains(&left), "{left}");

        // A refresh without a refresh token keeps the current one.
        let old = Secret::new("OLD");
        let t = parse_tokens(br#"{"access_token":"B","expires_in":"60"}"#, Some(&old)).unwrap();
        assert_eq!(t.refresh_token.unwrap().expose(), "OLD");
        // A public client may get none at all.
        assert!(
            parse_tokens(br#"{"access_token":"B"}"#, None)
                .unwrap()
                .refresh_token
                .is_none()
        );

        for bad in [&b"{}"[..], b"", b"<html>", br#"{"access_token":""}"#] {
            assert!(parse_tokens(bad, None).is_err());
        }
    }

    #[test]
    fn authorization_url_has_state_and_pkce() {
        let app = OAuthApp {
            instance: InstanceUrl::parse("contoso").unwrap(),
            client_id: "abc 123".into(),
            client_secret: None,
        };
        let c = OAuthClient::new(reqwest::Client::new(), app);
        let pkce = Pkce::new();
        let state = Secret::new("st4te");
        let u =
            url::Url::parse(&c.authorization_url("http://127.0.0.1:8765/callback", &state, &pkce))
                .unwrap();
        assert_eq!(u.path(), "/oauth_auth.do");
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "abc 123");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8765/callback");
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["code_challenge"], pkce.challenge);
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!u.as_str().contains(pkce.verifier.expose()));
    }
}
