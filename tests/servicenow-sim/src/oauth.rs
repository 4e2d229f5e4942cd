//! ServiceNow's OAuth endpoints and the browser side around them:
//! `/oauth_auth.do` (login page, approval page, Allow/Deny, Not You?),
//! `/login.do` and `/side_door.do`, the fake SSO IdP (`/sso/idp`),
//! `/oauth_token.do` (authorization_code and refresh_token grants, form body
//! only, one generic 401 for every failure) and `/oauth_revoke_token.do`,
//! with their scenarios (refuse-refresh, revoke-fails). Sessions are keyed by
//! the JSESSIONID the middleware hands over.

use crate::http::{SessionId, random_token};
use crate::pages;
use crate::scenarios::CROSS_SCOPE_MESSAGE;
use crate::state::{AppState, AuthCode, AuthRequest, Shared, TokenInfo};
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The SSO identity the fake IdP signs in.
pub const SSO_USER: &str = "jane.doe";
/// Authorization codes live this long (inferred).
pub const CODE_LIFETIME_SECS: i64 = 60;

fn params(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn page(html: String) -> Response {
    Html(html).into_response()
}

/// `302 Found` (ServiceNow answers redirects with 302).
fn found(location: &str) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `GET /oauth_auth.do`
pub async fn authorize(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let p = params(&query);
    let mut shared = app.lock();
    if shared.has("cross-scope-denied") {
        return page(pages::message("Error", CROSS_SCOPE_MESSAGE));
    }
    let state = p.get("state").map(String::as_str).unwrap_or("");
    if state.is_empty() {
        return page(pages::message(
            "Error",
            "Missing State parameter in request",
        ));
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return page(pages::message(
            "Error",
            "Invalid response_type: only code is supported",
        ));
    }
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    let Some(oauth_app) = shared.app(&client_id) else {
        return page(pages::message("Error", "Invalid client_id"));
    };
    let sent_redirect = p.get("redirect_uri").cloned();
    let effective_redirect = match &sent_redirect {
        Some(r) if oauth_app.redirect_urls.contains(r) => r.clone(),
        _ => match oauth_app.redirect_urls.first() {
            Some(first) => first.clone(),
            None => {
                return page(pages::message(
                    "Error",
                    "No redirect URL is registered for this application",
                ));
            }
        },
    };
    let user = shared.sessions.get(&session.0).and_then(|s| s.user.clone());
    let Some(user) = user.and_then(|u| shared.account_by_id(&u).cloned()) else {
        if shared.has("sso") {
            let back = format!("/oauth_auth.do?{query}");
            let target: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return", &back)
                .finish();
            return found(&format!("/sso/idp?{target}"));
        }
        shared.sessions.entry(session.0).or_default().pending_auth = Some(query);
        return page(pages::login("/login.do", None));
    };
    let request_id = random_token(24);
    shared.auth_requests.insert(
        request_id.clone(),
        AuthRequest {
            client_id,
            effective_redirect,
            sent_redirect,
            state: state.to_string(),
            code_challenge: p.get("code_challenge").filter(|c| !c.is_empty()).cloned(),
            code_challenge_method: p.get("code_challenge_method").cloned(),
            query,
        },
    );
    page(pages::approval(
        &oauth_app.name,
        &user.display_name,
        &user.user_name,
        &request_id,
    ))
}

fn with_params(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => {
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}{q}")
        }
    }
}

/// `POST /oauth_auth.do`: the Allow or Deny button.
pub async fn decide(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut shared = app.lock();
    let user = shared.sessions.get(&session.0).and_then(|s| s.user.clone());
    let request = form
        .get("request_id")
        .and_then(|id| shared.auth_requests.remove(id));
    let (Some(user), Some(request)) = (user, request) else {
        return page(pages::message(
            "Error",
            "Invalid or expired authorization request",
        ));
    };
    match form.get("action").map(String::as_str) {
        Some("allow") => {
            let code = random_token(64);
            let location = with_params(
                &request.effective_redirect,
                &[("code", &code), ("state", &request.state)],
            );
            let expires_at = app.clock.now() + chrono::Duration::seconds(CODE_LIFETIME_SECS);
            shared.codes.insert(
                code,
                AuthCode {
                    request,
                    user,
                    expires_at,
                    used: false,
                },
            );
            found(&location)
        }
        _ => found(&with_params(
            &request.effective_redirect,
            &[("error", "access_denied"), ("state", &request.state)],
        )),
    }
}

/// `GET /oauth_not_you.do`: end the session, log in again, resume the request.
pub async fn not_you(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = params(&query.unwrap_or_default());
    let mut shared = app.lock();
    let request = p
        .get("request_id")
        .and_then(|id| shared.auth_requests.remove(id));
    let sso = shared.has("sso");
    let s = shared.sessions.entry(session.0).or_default();
    s.user = None;
    match request {
        Some(r) if sso => found(&format!("/oauth_auth.do?{}", r.query)),
        Some(r) => {
            s.pending_auth = Some(r.query);
            found("/login.do")
        }
        None => found("/login.do"),
    }
}

/// `GET /login.do` and `GET /side_door.do`
pub async fn login_page(uri: axum::http::Uri) -> Response {
    page(pages::login(uri.path(), None))
}

/// `POST /login.do` and `POST /side_door.do`
pub async fn login_submit(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
    uri: axum::http::Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut shared = app.lock();
    let name = form.get("user_name").map(String::as_str).unwrap_or("");
    let password = form.get("user_password").map(String::as_str).unwrap_or("");
    let account = shared
        .account_by_name(name)
        .filter(|a| a.password == password)
        .cloned();
    let Some(account) = account else {
        return page(pages::login(
            uri.path(),
            Some("User name or password invalid"),
        ));
    };
    let s = shared.sessions.entry(session.0).or_default();
    s.user = Some(account.sys_id);
    match s.pending_auth.take() {
        Some(q) => found(&format!("/oauth_auth.do?{q}")),
        None => found("/navpage.do"),
    }
}

/// `GET /logout.do`
pub async fn logout(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
) -> Response {
    app.lock().sessions.remove(&session.0);
    found("/login.do")
}

/// `GET /navpage.do` (and `/`): the landing page after a plain login.
pub async fn home(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
) -> Response {
    let shared = app.lock();
    let user = shared.sessions.get(&session.0).and_then(|s| s.user.clone());
    match user.and_then(|u| shared.account_by_id(&u).cloned()) {
        Some(a) => page(pages::home(&a.display_name)),
        None => found("/login.do"),
    }
}

/// `GET /sso/idp?return=...`: the fake identity provider signs the SSO user
/// in and sends the browser back.
pub async fn sso_idp(
    State(app): State<AppState>,
    Extension(session): Extension<SessionId>,
    RawQuery(query): RawQuery,
) -> Response {
    let p = params(&query.unwrap_or_default());
    let back = p
        .get("return")
        .filter(|r| r.starts_with('/') && !r.starts_with("//"))
        .cloned()
        .unwrap_or_else(|| "/navpage.do".into());
    let mut shared = app.lock();
    let Some(user) = shared.account_by_name(SSO_USER).map(|a| a.sys_id.clone()) else {
        return page(pages::message(
            "Error",
            "The identity provider has no such user",
        ));
    };
    shared.sessions.entry(session.0).or_default().user = Some(user);
    found(&back)
}

/// Every token failure looks like this.
fn token_failure() -> Response {
    // Written out to keep ServiceNow's key order.
    crate::http::json_text(
        StatusCode::UNAUTHORIZED,
        r#"{"error_description":"access_denied","error":"server_error"}"#.to_string(),
    )
}

fn token_success(access: &str, refresh: Option<&str>, expires_in: u64) -> Response {
    // Built by hand to keep ServiceNow's key order.
    let refresh = refresh
        .map(|r| format!("\"refresh_token\":{},", serde_json::Value::from(r)))
        .unwrap_or_default();
    let body = format!(
        "{{\"access_token\":{},{refresh}\"scope\":\"useraccount\",\"token_type\":\"Bearer\",\"expires_in\":{expires_in}}}",
        serde_json::Value::from(access)
    );
    crate::http::json_text(StatusCode::OK, body)
}

/// base64url(SHA-256(verifier)), the S256 code challenge.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST /oauth_token.do`
pub async fn token(
    State(app): State<AppState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let now = app.clock.now();
    let mut shared = app.lock();
    let grant = if is_form {
        form.get("grant_type").cloned().unwrap_or_default()
    } else {
        String::new()
    };
    *shared.token_requests.entry(grant.clone()).or_default() += 1;
    if !is_form || uri.query().is_some_and(|q| !q.is_empty()) || shared.has("cross-scope-denied") {
        return token_failure();
    }
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let client_id = get("client_id");
    let Some(oauth_app) = shared.app(client_id) else {
        return token_failure();
    };
    if let Some(secret) = &oauth_app.client_secret
        && get("client_secret") != secret
    {
        return token_failure();
    }
    let access_lifetime = shared.access_lifetime();
    let (user, refresh) = match grant.as_str() {
        "authorization_code" => {
            let Some(code) = shared.codes.get(get("code")).cloned() else {
                return token_failure();
            };
            let r = &code.request;
            let expected_redirect = r.sent_redirect.as_deref().unwrap_or(&r.effective_redirect);
            let pkce_ok = match &r.code_challenge {
                Some(challenge) => {
                    r.code_challenge_method.as_deref() == Some("S256")
                        && !get("code_verifier").is_empty()
                        && s256(get("code_verifier")) == *challenge
                }
                None => !oauth_app.pkce_required && oauth_app.client_secret.is_some(),
            };
            if code.used
                || now >= code.expires_at
                || r.client_id != client_id
                || get("redirect_uri") != expected_redirect
                || !pkce_ok
            {
                return token_failure();
            }
            if let Some(c) = shared.codes.get_mut(get("code")) {
                c.used = true;
            }
            let refresh = oauth_app
                .issue_refresh_token
                .then(|| issue(&mut shared, false, &code.user, client_id, now));
            (code.user, refresh)
        }
        "refresh_token" => {
            if shared.has("refuse-refresh") {
                return token_failure();
            }
            let rt = get("refresh_token");
            let info = shared
                .refresh_tokens
                .get(rt)
                .filter(|t| t.active(now) && t.client_id == client_id);
            let Some(info) = info.cloned() else {
                return token_failure();
            };
            (info.user, Some(rt.to_string()))
        }
        _ => return token_failure(),
    };
    let access = issue(&mut shared, true, &user, client_id, now);
    token_success(
        &access,
        refresh.as_deref(),
        access_lifetime.as_secs().saturating_sub(1),
    )
}

pub(crate) fn issue(
    shared: &mut Shared,
    access: bool,
    user: &str,
    client_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let lifetime = if access {
        shared.access_lifetime()
    } else {
        shared.refresh_token_lifetime
    };
    let token = random_token(64);
    let info = TokenInfo {
        user: user.to_string(),
        client_id: client_id.to_string(),
        expires_at: now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX),
        revoked: false,
    };
    let map = if access {
        &mut shared.access_tokens
    } else {
        &mut shared.refresh_tokens
    };
    map.insert(token.clone(), info);
    token
}

/// `GET /oauth_revoke_token.do?token=...`: marks the token expired; 200, empty.
/// Under `revoke-fails`: 500 with the HTML error page, nothing revoked.
pub async fn revoke(State(app): State<AppState>, RawQuery(query): RawQuery) -> Response {
    if app.lock().has("revoke-fails") {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(pages::server_error()),
        )
            .into_response();
    }
    let p = params(&query.unwrap_or_default());
    if let Some(token) = p.get("token") {
        let mut guard = app.lock();
        let shared = &mut *guard;
        for map in [&mut shared.access_tokens, &mut shared.refresh_tokens] {
            if let Some(info) = map.get_mut(token) {
                info.revoked = true;
            }
        }
    }
    StatusCode::OK.into_response()
}
