//! A scripted browser for the Microsoft sign-in pages: keeps the cookies
//! (the `ESTSAUTH` session among them), follows redirects within the
//! simulator, finds the inputs and buttons by the ids of Microsoft's real
//! pages and submits them as a person would, and stops at the redirect that
//! leaves the simulator: the app's `http://localhost:PORT/?code=...` (or
//! `?error=...`), which it returns WITHOUT requesting it. Also PKCE and
//! authorize-URL helpers, and [`demo_tokens`] for tests that just need tokens.
//! (The end-to-end tests use real Chromium on the same pages.)

use crate::browser::{attr, client, element, form, text_of};
use crate::microsoft::seed::{MS_CLIENT_ID, MS_SCOPE, MS_TENANT_ID};
use crate::oauth::s256;
use reqwest::{Client, Response, header};
use serde_json::Value;
use std::collections::BTreeMap;

/// What to do on the consent pages, if they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Tick "Consent on behalf of your organization" (when shown) and Accept.
    Accept,
    /// Accept for yourself only (leave the box unticked).
    AcceptForMe,
    /// Cancel on the consent page (or Return to the application on
    /// "Need admin approval").
    Cancel,
    /// Expect "Need admin approval" and Return to the application.
    AsReader,
}

/// Why a scripted sign-in stopped on a page instead of a redirect.
#[derive(Debug, Clone)]
pub struct SignInError {
    /// The AADSTS number the page shows, if any.
    pub code: Option<u32>,
    /// The page's error text.
    pub message: String,
    /// The whole page.
    pub page: String,
}

impl std::fmt::Display for SignInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign-in stopped ({:?}): {}", self.code, self.message)
    }
}

/// The first `AADSTSnnnn` in a text.
pub fn aadsts(text: &str) -> Option<u32> {
    let at = text.find("AADSTS")? + 6;
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A browser with a cookie jar for one origin (the simulator's).
#[derive(Default)]
pub struct MsBrowser {
    client: Option<Client>,
    cookies: BTreeMap<String, String>,
    signed_in_as: Option<String>,
}

fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => String::new(),
    }
}

impl MsBrowser {
    pub fn new() -> MsBrowser {
        MsBrowser::default()
    }

    fn client(&mut self) -> Client {
        self.client.get_or_insert_with(client).clone()
    }

    /// A cookie the simulator set (e.g. [`crate::microsoft::SESSION_COOKIE`]).
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Forget every cookie (a new private window).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
        self.signed_in_as = None;
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn keep_cookies(&mut self, resp: &Response) {
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let mut parts = v.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
                continue;
            };
            let cleared =
                value.is_empty() || parts.any(|p| p.trim().eq_ignore_ascii_case("max-age=0"));
            if cleared {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    pub async fn get(&mut self, url: &str) -> Response {
        let mut req = self.client().get(url);
        if let Some(c) = self.cookie_header() {
            req = req.header(header::COOKIE, c);
        }
        let resp = req.send().await.expect("GET");
        self.keep_cookies(&resp);
        resp
    }

    pub async fn post_form(&mut self, url: &str, fields: &[(String, String)]) -> Response {
        let mut req = self.client().post(url).form(fields);
        if let Some(c) = self.cookie_header() {
            req = req.header(header::COOKIE, c);
        }
        let resp = req.send().await.expect("POST");
        self.keep_cookies(&resp);
        resp
    }

    /// Submit form `form_id` of `html` with its hidden fields plus `extra`.
    async fn submit(
        &mut self,
        base: &str,
        html: &str,
        form_id: &str,
        extra: &[(String, String)],
    ) -> Response {
        let (action, mut fields) = form(html, form_id);
        fields.extend(extra.iter().cloned());
        let url = if action.starts_with("http") {
            action
        } else {
            format!("{base}{action}")
        };
        self.post_form(&url, &fields).await
    }

    /// Like [`MsBrowser::try_sign_in`], but panics when a page stops the sign-in.
    pub async fn sign_in(
        &mut self,
        authorize_url: &str,
        user: &str,
        password: &str,
        consent: Consent,
    ) -> String {
        match self
            .try_sign_in(authorize_url, user, password, consent)
            .await
        {
            Ok(location) => location,
            Err(e) => panic!("{e}\n{}", e.page),
        }
    }

    /// Open `authorize_url` (or an admin consent URL) and go through the
    /// pages as `user`: type the email into `#i0116` and the password into
    /// `#i0118` and press `#idSIButton9` when the sign-in page shows; on the
    /// consent page tick `#consent-org` and press `#idBtn_Accept`, or press
    /// `#idBtn_Back`, as `consent` says; on "Need admin approval" press
    /// `#idBtn_Back`. Returns the `Location` that leaves the simulator (not
    /// requested). Signed in as someone else, it starts a new session first
    /// ("use another account").
    pub async fn try_sign_in(
        &mut self,
        authorize_url: &str,
        user: &str,
        password: &str,
        consent: Consent,
    ) -> Result<String, SignInError> {
        let base = origin(authorize_url);
        if self
            .signed_in_as
            .as_deref()
            .is_some_and(|u| !u.eq_ignore_ascii_case(user))
        {
            self.clear_cookies();
        }
        let mut resp = self.get(authorize_url).await;
        for _ in 0..12 {
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let absolute = if loc.starts_with('/') {
                    format!("{base}{loc}")
                } else {
                    loc
                };
                if origin(&absolute) != base {
                    return Ok(absolute);
                }
                resp = self.get(&absolute).await;
                continue;
            }
            let html = resp.text().await.unwrap_or_default();
            let stop = |message: String, html: &str| SignInError {
                code: aadsts(&message),
                message,
                page: html.to_string(),
            };
            if element(&html, "i0116").is_some() {
                for id in ["usernameError", "passwordError"] {
                    if let Some(msg) = text_of(&html, id) {
                        return Err(stop(msg, &html));
                    }
                }
                let name_of = |id: &str| {
                    element(&html, id)
                        .and_then(|t| attr(t, "name"))
                        .unwrap_or_else(|| panic!("#{id} has a name"))
                };
                assert!(
                    element(&html, "idSIButton9").is_some(),
                    "the sign-in page has #idSIButton9"
                );
                let fields = [
                    (name_of("i0116"), user.to_string()),
                    (name_of("i0118"), password.to_string()),
                ];
                resp = self.submit(&base, &html, "i0281", &fields).await;
                if resp.status().is_redirection() || resp.status().is_success() {
                    self.signed_in_as = Some(user.to_string());
                }
                continue;
            }
            let button = |id: &str| {
                let tag = element(&html, id)?;
                Some((attr(tag, "name")?, attr(tag, "value")?))
            };
            if let Some(accept) = button("idBtn_Accept") {
                let mut fields = Vec::new();
                match consent {
                    Consent::Accept | Consent::AcceptForMe => {
                        if consent == Consent::Accept
                            && let Some(tag) = element(&html, "consent-org")
                        {
                            fields.push((
                                attr(tag, "name").expect("checkbox name"),
                                attr(tag, "value").unwrap_or_else(|| "on".into()),
                            ));
                        }
                        fields.push(accept);
                    }
                    Consent::Cancel => fields.push(button("idBtn_Back").expect("#idBtn_Back")),
                    Consent::AsReader => {
                        return Err(stop(
                            "expected \"Need admin approval\", got a consent page with Accept"
                                .into(),
                            &html,
                        ));
                    }
                }
                resp = self.submit(&base, &html, "consentForm", &fields).await;
                continue;
            }
            if element(&html, "needAdminApproval").is_some() {
                if matches!(consent, Consent::Accept | Consent::AcceptForMe) {
                    return Err(stop(
                        "AADSTS90094: Need admin approval: this user cannot consent".into(),
                        &html,
                    ));
                }
                let back = button("idBtn_Back").expect("#idBtn_Back");
                resp = self
                    .submit(&base, &html, "adminApprovalForm", &[back])
                    .await;
                continue;
            }
            let message =
                text_of(&html, "errorMessage").unwrap_or_else(|| "an unexpected page".to_string());
            return Err(stop(message, &html));
        }
        Err(SignInError {
            code: None,
            message: "the sign-in did not finish".into(),
            page: String::new(),
        })
    }
}

/// Sign in with a new browser; see [`MsBrowser::try_sign_in`]. Panics when a
/// page stops the sign-in.
pub async fn sign_in(authorize_url: &str, user: &str, password: &str, consent: Consent) -> String {
    MsBrowser::new()
        .sign_in(authorize_url, user, password, consent)
        .await
}

/// Sign in with a new browser; `Err` when a page stops the sign-in.
pub async fn try_sign_in(
    authorize_url: &str,
    user: &str,
    password: &str,
    consent: Consent,
) -> Result<String, SignInError> {
    MsBrowser::new()
        .try_sign_in(authorize_url, user, password, consent)
        .await
}

/// A PKCE pair: (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let verifier = crate::http::random_token(48);
    let challenge = s256(&verifier);
    (verifier, challenge)
}

/// What an authorize URL asks for.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// A GUID, a domain, `organizations` or `common`.
    pub tenant: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    /// Extra parameters (`prompt`, `login_hint`, ...).
    pub extra: Vec<(String, String)>,
}

impl AuthorizeRequest {
    /// The demo app, demo tenant and scope, for `redirect_uri`.
    pub fn demo(redirect_uri: &str, code_challenge: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            tenant: MS_TENANT_ID.into(),
            client_id: MS_CLIENT_ID.into(),
            redirect_uri: redirect_uri.into(),
            scope: MS_SCOPE.into(),
            state: crate::http::random_token(12),
            code_challenge: code_challenge.into(),
            extra: Vec::new(),
        }
    }

    /// `{base}/{tenant}/oauth2/v2.0/authorize?...` with PKCE S256.
    pub fn url(&self, base: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &self.scope)
            .append_pair("state", &self.state)
            .append_pair("code_challenge", &self.code_challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in &self.extra {
            q.append_pair(k, v);
        }
        format!(
            "{base}/{}/oauth2/v2.0/authorize?{}",
            self.tenant,
            q.finish()
        )
    }
}

/// A query parameter of a URL.
pub fn query_param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Sign in to the demo app as `user` (consenting as `consent` says),
/// redeem the code, and return the token response JSON. Panics on failure.
pub async fn demo_tokens(base: &str, user: &str, password: &str, consent: Consent) -> Value {
    let (verifier, challenge) = pkce();
    let redirect = "http://localhost:53682";
    let request = AuthorizeRequest::demo(redirect, &challenge);
    let location = sign_in(&request.url(base), user, password, consent).await;
    let code = query_param(&location, "code")
        .unwrap_or_else(|| panic!("no code in the redirect: {location}"));
    let resp = client()
        .post(format!("{base}/{MS_TENANT_ID}/oauth2/v2.0/token"))
        .form(&[
            ("client_id", MS_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
            ("scope", MS_SCOPE),
        ])
        .send()
        .await
        .expect("token request");
    let status = resp.status();
    let body: Value = resp.json().await.expect("token JSON");
    assert!(status.is_success(), "token request failed: {body}");
    body
}
