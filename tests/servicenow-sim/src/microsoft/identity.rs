//! The Microsoft identity platform (v2.0 endpoints) as `servicenow-api.md` §5
//! describes it for a desktop public client: `/{tenant}/oauth2/v2.0/authorize`
//! with its pages (sign-in, consent, need admin approval, error page) and the
//! `ESTSAUTH` session cookie, `/{tenant}/oauth2/v2.0/token` (authorization
//! code with PKCE S256, refresh token; form body only; the AADSTS error JSON),
//! the admin consent URL, sign-out and OpenID discovery. Redirect URI matching
//! follows the platform's rules: `http://localhost` ignores the port,
//! `127.0.0.1` matches its exact port, `[::1]` never matches, everything is
//! case-sensitive, and a URI without a path is the same as one with `/`.

use crate::http::random_token;
use crate::microsoft::http::{client_request_id, cookie, found, json, no_cache, page, set_cookie};
use crate::microsoft::pages::{self, SignInError};
use crate::microsoft::seed::{MS_TENANT_DOMAIN, MS_TENANT_ID, MS_TENANT_NAME};
use crate::microsoft::state::{
    AccessToken, AuthCode, ErrorCode, Flow, FlowKind, GrantType, MsApp, MsShared, MsState, MsUser,
    Platform, RefreshToken, ScopeError, Session, aad_timestamp, granted_scope_text, guid,
    needs_admin, parse_scopes,
};
use crate::oauth::s256;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Authorization codes live this long (about ten minutes on the real service).
pub const CODE_LIFETIME_SECS: i64 = 600;
/// The browser session cookie.
pub const SESSION_COOKIE: &str = "ESTSAUTH";
/// Microsoft Graph's application id (named in some error texts).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const JSON_TYPE: &str = "application/json; charset=utf-8";

fn params(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// How the `{tenant}` segment names the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TenantRef {
    /// The GUID or a verified domain.
    Named,
    Organizations,
    /// `common` (or `consumers`): only for multi-tenant apps.
    Common,
}

fn resolve_tenant(segment: &str) -> Option<TenantRef> {
    if segment.eq_ignore_ascii_case(MS_TENANT_ID) || segment.eq_ignore_ascii_case(MS_TENANT_DOMAIN)
    {
        Some(TenantRef::Named)
    } else if segment.eq_ignore_ascii_case("organizations") {
        Some(TenantRef::Organizations)
    } else if segment.eq_ignore_ascii_case("common") || segment.eq_ignore_ascii_case("consumers") {
        Some(TenantRef::Common)
    } else {
        None
    }
}

/// One identity platform error: the AADSTS number and text, and the OAuth
/// `error` it belongs to. Rendered as token JSON, as the error page, or as
/// an error redirect.
#[derive(Debug, Clone)]
pub struct AadError {
    pub error: &'static str,
    pub code: u32,
    pub message: String,
    pub subcode: Option<&'static str>,
    pub suberror: Option<&'static str>,
    pub claims: Option<String>,
}

impl AadError {
    fn new(error: &'static str, code: u32, message: impl Into<String>) -> AadError {
        AadError {
            error,
            code,
            message: message.into(),
            subcode: None,
            suberror: None,
            claims: None,
        }
    }

    fn status(&self) -> StatusCode {
        if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    fn description(&self, trace: &str, correlation: &str, ts: &str) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}",
            self.code, self.message
        )
    }

    /// The token endpoint's JSON error.
    fn json(self, app: &MsState, headers: &HeaderMap) -> Response {
        let trace = guid();
        let correlation = client_request_id(headers);
        let ts = aad_timestamp(app.clock.now());
        let mut body = json!({
            "error": self.error,
            "error_description": self.description(&trace, &correlation, &ts),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("{}/error?code={}", app.lock().base_url, self.code),
        });
        if let Some(s) = self.suberror {
            body["suberror"] = s.into();
        }
        if let Some(c) = &self.claims {
            body["claims"] = c.clone().into();
        }
        let mut resp = json(self.status(), JSON_TYPE, &body);
        no_cache(resp.headers_mut());
        if let Ok(v) = HeaderValue::from_str(&trace) {
            resp.headers_mut().insert("x-ms-request-id", v);
        }
        resp.extensions_mut().insert(ErrorCode(self.code));
        resp
    }

    /// The error page (for what cannot be sent back to the app safely).
    fn page(self, app: &MsState, headers: &HeaderMap) -> Response {
        let html = pages::error(
            self.code,
            &self.message,
            &guid(),
            &client_request_id(headers),
            &aad_timestamp(app.clock.now()),
        );
        page(html, Some(self.code))
    }

    /// `302` back to the app with `error`, `error_description`,
    /// `error_subcode` and `state`.
    fn redirect(self, app: &MsState, redirect_uri: &str, state: Option<&str>) -> Response {
        let desc = self.description(&guid(), &guid(), &aad_timestamp(app.clock.now()));
        let mut pairs = vec![("error", self.error.to_string())];
        if let Some(s) = self.subcode {
            pairs.push(("error_subcode", s.to_string()));
        }
        pairs.push(("error_description", desc));
        if let Some(s) = state {
            pairs.push(("state", s.to_string()));
        }
        let mut resp = found(&append_query(redirect_uri, &pairs));
        resp.extensions_mut().insert(ErrorCode(self.code));
        resp
    }
}

fn e_tenant(segment: &str) -> AadError {
    AadError::new(
        "invalid_request",
        90002,
        format!(
            "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ),
    )
}

fn e_missing(param: &str) -> AadError {
    AadError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

fn e_app_not_found(client_id: &str) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{MS_TENANT_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

fn e_single_tenant(app: &MsApp) -> AadError {
    AadError::new(
        "invalid_request",
        50194,
        format!(
            "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
            app.client_id, app.name
        ),
    )
}

fn e_redirect(uri: &str, app: &MsApp) -> AadError {
    AadError::new(
        "invalid_request",
        50011,
        format!(
            "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
            app.client_id
        ),
    )
}

fn e_consent_required(app: &MsApp) -> AadError {
    AadError::new(
        "invalid_grant",
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.",
            app.client_id, app.name
        ),
    )
}

fn e_scope(err: ScopeError, app: &MsApp) -> AadError {
    match err {
        ScopeError::UnknownResource(r) => AadError::new(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {r} was not found in the tenant named {MS_TENANT_NAME}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        ),
        ScopeError::UnknownPermission(p) => AadError::new(
            "invalid_client",
            650053,
            format!(
                "The application '{}' asked for scope '{p}' that doesn't exist on the resource '{GRAPH_APP_ID}'. Contact the app vendor.",
                app.name
            ),
        ),
    }
}

fn e_malformed() -> AadError {
    AadError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

/// Whether a sent redirect URI matches a registered one (see the module doc).
pub fn redirect_matches(registered: &str, sent: &str) -> bool {
    let (Some(r), Some(s)) = (split_uri(registered), split_uri(sent)) else {
        return false;
    };
    if s.host == "[::1]" || r.host == "[::1]" {
        return false;
    }
    if r.scheme == "http" && r.host == "localhost" {
        return s.scheme == "http" && s.host == "localhost" && r.rest == s.rest;
    }
    r.scheme == s.scheme && r.host == s.host && r.port == s.port && r.rest == s.rest
}

struct UriParts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    /// Path and query; an empty path counts as `/`.
    rest: String,
}

fn split_uri(uri: &str) -> Option<UriParts<'_>> {
    let (scheme, after) = uri.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (h, p) = authority.split_at(close + 1);
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let rest = if rest.is_empty() || rest.starts_with('?') {
        format!("/{rest}")
    } else {
        rest.to_string()
    };
    Some(UriParts {
        scheme,
        host,
        port,
        rest,
    })
}

/// `uri` (with `/` added when it has no path) plus query parameters.
pub fn append_query(uri: &str, pairs: &[(&str, String)]) -> String {
    let mut base = uri.to_string();
    if let Some((_, after)) = uri.split_once("://") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        if !after[end..].starts_with('/') {
            let at = uri.len() - after.len() + end;
            base.insert(at, '/');
        }
    }
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{q}")
}

fn session_of<'a>(shared: &'a MsShared, headers: &HeaderMap) -> Option<&'a Session> {
    cookie(headers, SESSION_COOKIE).and_then(|sid| shared.sessions.get(&sid))
}

/// The checks the authorize and admin consent URLs share: tenant, client,
/// `/common`, redirect URI. Failures are error pages.
fn check_client(
    shared: &MsShared,
    tenant: &str,
    client_id: Option<&String>,
    redirect_uri: Option<&String>,
) -> Result<(MsApp, String), AadError> {
    let tref = resolve_tenant(tenant).ok_or_else(|| e_tenant(tenant))?;
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| e_missing("client_id"))?;
    let app = shared
        .app(client_id)
        .cloned()
        .ok_or_else(|| e_app_not_found(client_id))?;
    if tref == TenantRef::Common && !app.multi_tenant {
        return Err(e_single_tenant(&app));
    }
    let redirect = redirect_uri
        .filter(|r| !r.is_empty())
        .ok_or_else(|| e_missing("redirect_uri"))?;
    if !app
        .redirect_uris
        .iter()
        .any(|r| redirect_matches(r, redirect))
    {
        return Err(e_redirect(redirect, &app));
    }
    Ok((app, redirect.clone()))
}

/// `GET /{tenant}/oauth2/v2.0/authorize`
pub async fn authorize(
    State(app): State<MsState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let p = params(&query);
    let mut shared = app.lock();
    let (reg, redirect) =
        match check_client(&shared, &tenant, p.get("client_id"), p.get("redirect_uri")) {
            Ok(ok) => ok,
            Err(e) => {
                drop(shared);
                return e.page(&app, &headers);
            }
        };
    let state = p.get("state").cloned();
    let back = |e: AadError| e.redirect(&app, &redirect, state.as_deref());
    let response_type = p.get("response_type").map(String::as_str).unwrap_or("");
    if response_type.is_empty() {
        drop(shared);
        return back(e_missing("response_type"));
    }
    if response_type != "code" {
        drop(shared);
        return back(AadError::new(
            "unsupported_response_type",
            700054,
            format!("response_type '{response_type}' is not enabled for the application."),
        ));
    }
    let challenge = p.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    let method = p
        .get("code_challenge_method")
        .map(String::as_str)
        .unwrap_or("");
    if reg.platform == Platform::Public && (challenge.is_none() || method != "S256") {
        drop(shared);
        let message = if challenge.is_none() {
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.".to_string()
        } else {
            format!(
                "Proof Key for Code Exchange is required: code_challenge_method must be 'S256', not '{method}'."
            )
        };
        return AadError::new("invalid_request", 9002325, message).page(&app, &headers);
    }
    let Some(scope) = p.get("scope").filter(|s| !s.trim().is_empty()) else {
        drop(shared);
        return back(e_missing("scope"));
    };
    let scopes = match parse_scopes(scope, &reg) {
        Ok(s) => s,
        Err(e) => {
            drop(shared);
            return back(e_scope(e, &reg));
        }
    };
    let prompt = p.get("prompt").cloned();
    let login_hint = p.get("login_hint").cloned();
    let ctx = random_token(24);
    shared.flows.insert(
        ctx.clone(),
        Flow {
            kind: FlowKind::Authorize,
            tenant: tenant.clone(),
            client_id: reg.client_id.clone(),
            redirect_uri: redirect.clone(),
            scopes,
            state: state.clone(),
            nonce: p.get("nonce").cloned(),
            code_challenge: challenge,
            prompt: prompt.clone(),
            login_hint: login_hint.clone(),
            query,
        },
    );
    let session = session_of(&shared, &headers).cloned().filter(|s| {
        let hint_ok = login_hint.as_deref().is_none_or(|h| {
            shared
                .user(&s.user)
                .is_some_and(|u| u.upn.eq_ignore_ascii_case(h))
        });
        hint_ok && prompt.as_deref() != Some("login")
    });
    match session {
        Some(s) => proceed(&app, &mut shared, &headers, &ctx, &s),
        None if prompt.as_deref() == Some("none") => {
            shared.flows.remove(&ctx);
            drop(shared);
            back(AadError::new(
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
            ))
        }
        None => page(
            pages::sign_in(
                &format!("/{tenant}/login"),
                &ctx,
                login_hint.as_deref().unwrap_or(""),
                None,
            ),
            None,
        ),
    }
}

/// `GET /{tenant}/adminconsent` and `/{tenant}/v2.0/adminconsent`
pub async fn admin_consent(
    State(app): State<MsState>,
    Path(tenant): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let p = params(&query);
    let v2 = uri.path().contains("/v2.0/");
    let mut shared = app.lock();
    let registered_first = p
        .get("client_id")
        .and_then(|c| shared.app(c))
        .and_then(|a| a.redirect_uris.first().cloned());
    let redirect = p.get("redirect_uri").cloned().or(registered_first);
    let (reg, redirect) =
        match check_client(&shared, &tenant, p.get("client_id"), redirect.as_ref()) {
            Ok(ok) => ok,
            Err(e) => {
                drop(shared);
                return e.page(&app, &headers);
            }
        };
    let scopes = if v2 {
        let Some(scope) = p.get("scope").filter(|s| !s.trim().is_empty()) else {
            drop(shared);
            return e_missing("scope").page(&app, &headers);
        };
        match parse_scopes(scope, &reg) {
            Ok(s) => s,
            Err(e) => {
                drop(shared);
                return e_scope(e, &reg).page(&app, &headers);
            }
        }
    } else {
        configured_scopes(&reg)
    };
    let ctx = random_token(24);
    shared.flows.insert(
        ctx.clone(),
        Flow {
            kind: FlowKind::AdminConsent { v2 },
            tenant: tenant.clone(),
            client_id: reg.client_id.clone(),
            redirect_uri: redirect,
            scopes,
            state: p.get("state").cloned(),
            nonce: None,
            code_challenge: None,
            prompt: None,
            login_hint: None,
            query,
        },
    );
    match session_of(&shared, &headers).cloned() {
        Some(s) => proceed(&app, &mut shared, &headers, &ctx, &s),
        None => page(
            pages::sign_in(&format!("/{tenant}/login"), &ctx, "", None),
            None,
        ),
    }
}

/// What tenant-wide admin consent to an app grants: its configured Graph
/// permissions and the OpenID Connect scopes.
pub fn configured_scopes(app: &MsApp) -> Vec<String> {
    let mut s: Vec<String> = app
        .graph_permissions
        .iter()
        .map(|p| format!("{}{p}", crate::microsoft::state::GRAPH_RESOURCE))
        .collect();
    s.extend(["openid", "profile", "email", "offline_access"].map(String::from));
    s
}

/// After the user is known: the consent page, "Need admin approval", or the
/// redirect back to the app.
fn proceed(
    app: &MsState,
    shared: &mut MsShared,
    headers: &HeaderMap,
    ctx: &str,
    session: &Session,
) -> Response {
    let (Some(flow), Some(user)) = (
        shared.flows.get(ctx).cloned(),
        shared.user(&session.user).cloned(),
    ) else {
        return expired_request(app, headers);
    };
    let Some(reg) = shared.app(&flow.client_id).cloned() else {
        return e_app_not_found(&flow.client_id).page(app, headers);
    };
    let action = format!("/{}/Consent/Set", flow.tenant);
    let admin_link = admin_link(&flow);
    match flow.kind {
        FlowKind::AdminConsent { .. } => {
            if user.can_consent() {
                page(
                    pages::consent(
                        &action,
                        ctx,
                        &reg.name,
                        &user.upn,
                        &flow.scopes,
                        false,
                        false,
                    ),
                    None,
                )
            } else {
                page(
                    pages::need_admin_approval(
                        &action,
                        ctx,
                        &reg.name,
                        &user.upn,
                        &flow.scopes,
                        &admin_link,
                    ),
                    None,
                )
            }
        }
        FlowKind::Authorize => {
            let missing = shared.missing_consent(&reg.client_id, &user.oid, &flow.scopes);
            let forced = flow.prompt.as_deref() == Some("consent");
            if missing.is_empty() && !forced {
                return issue_code(app, shared, ctx, &flow, session);
            }
            if flow.prompt.as_deref() == Some("none") {
                shared.flows.remove(ctx);
                let mut e = e_consent_required(&reg);
                e.error = "consent_required";
                return e.redirect(app, &flow.redirect_uri, flow.state.as_deref());
            }
            if user.can_consent() {
                page(
                    pages::consent(
                        &action,
                        ctx,
                        &reg.name,
                        &user.upn,
                        &flow.scopes,
                        true,
                        false,
                    ),
                    None,
                )
            } else if missing.iter().any(|s| needs_admin(s)) {
                page(
                    pages::need_admin_approval(
                        &action,
                        ctx,
                        &reg.name,
                        &user.upn,
                        &flow.scopes,
                        &admin_link,
                    ),
                    None,
                )
            } else {
                page(
                    pages::consent(
                        &action,
                        ctx,
                        &reg.name,
                        &user.upn,
                        &flow.scopes,
                        false,
                        false,
                    ),
                    None,
                )
            }
        }
    }
}

/// The authorize URL again with `prompt=login` ("sign in with an admin account").
fn admin_link(flow: &Flow) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(flow.query.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "prompt")
        .chain([("prompt".to_string(), "login".to_string())])
        .collect();
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let path = match flow.kind {
        FlowKind::Authorize => "oauth2/v2.0/authorize",
        FlowKind::AdminConsent { v2: false } => "adminconsent",
        FlowKind::AdminConsent { v2: true } => "v2.0/adminconsent",
    };
    format!("/{}/{path}?{q}", flow.tenant)
}

fn expired_request(app: &MsState, headers: &HeaderMap) -> Response {
    AadError::new(
        "invalid_request",
        90014,
        "The sign-in request is unknown or has expired. Start again from the application.",
    )
    .page(app, headers)
}

/// Redirect to the app with a new code (`code`, `state`, `session_state`),
/// or, for the admin consent URL, with `admin_consent=True`.
fn issue_code(
    app: &MsState,
    shared: &mut MsShared,
    ctx: &str,
    flow: &Flow,
    session: &Session,
) -> Response {
    shared.flows.remove(ctx);
    let code = format!("1.A{}", random_token(96));
    let now = app.clock.now();
    shared.codes.insert(
        code.clone(),
        AuthCode {
            client_id: flow.client_id.clone(),
            redirect_uri: flow.redirect_uri.clone(),
            scopes: flow.scopes.clone(),
            user: session.user.clone(),
            code_challenge: flow.code_challenge.clone(),
            nonce: flow.nonce.clone(),
            auth_time: session.auth_time,
            expires_at: now + Duration::seconds(CODE_LIFETIME_SECS),
            redeemed: false,
        },
    );
    let mut pairs = vec![("code", code)];
    if let Some(s) = &flow.state {
        pairs.push(("state", s.clone()));
    }
    pairs.push(("session_state", session.session_state.clone()));
    found(&append_query(&flow.redirect_uri, &pairs))
}

/// `POST /{tenant}/login`: the sign-in form (`ctx`, `loginfmt`, `passwd`).
pub async fn sign_in_submit(
    State(app): State<MsState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let (ctx, upn, password) = (get("ctx"), get("loginfmt").trim(), get("passwd"));
    let mut shared = app.lock();
    if !shared.flows.contains_key(ctx) {
        drop(shared);
        return expired_request(&app, &headers);
    }
    let action = format!("/{tenant}/login");
    let user = shared.user_by_upn(upn).cloned();
    let Some(user) = user else {
        let msg = if upn.is_empty() {
            "Enter a valid email address, phone number, or Skype name.".to_string()
        } else {
            format!(
                "AADSTS50034: This username may be incorrect. The user account {upn} does not exist in the {MS_TENANT_DOMAIN} directory. Make sure you typed it correctly."
            )
        };
        return page(
            pages::sign_in(&action, ctx, upn, Some(SignInError::Username(msg))),
            (!upn.is_empty()).then_some(50034),
        );
    };
    if user.password != password {
        let msg = if password.is_empty() {
            "Please enter your password.".to_string()
        } else {
            "AADSTS50126: Your account or password is incorrect. If you don't remember your password, reset it now. (Error validating credentials due to invalid username or password.)".to_string()
        };
        return page(
            pages::sign_in(&action, ctx, upn, Some(SignInError::Password(msg))),
            (!password.is_empty()).then_some(50126),
        );
    }
    let sid = random_token(32);
    let session = Session {
        user: user.oid.clone(),
        auth_time: app.clock.now(),
        session_state: guid(),
    };
    shared.sessions.insert(sid.clone(), session.clone());
    let mut resp = proceed(&app, &mut shared, &headers, ctx, &session);
    set_cookie(&mut resp, SESSION_COOKIE, &sid);
    resp
}

/// `POST /{tenant}/Consent/Set`: Accept, Cancel, or Return to the application.
pub async fn consent_submit(
    State(app): State<MsState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let ctx = get("ctx");
    let mut shared = app.lock();
    let session = session_of(&shared, &headers).cloned();
    let flow = shared.flows.get(ctx).cloned();
    let (Some(session), Some(flow)) = (session, flow) else {
        drop(shared);
        return expired_request(&app, &headers);
    };
    let Some(user) = shared.user(&session.user).cloned() else {
        drop(shared);
        return expired_request(&app, &headers);
    };
    let org = matches!(get("consent_org"), "true" | "on" | "1");
    match get("action") {
        "accept" => accept(
            &app,
            &mut shared,
            &headers,
            ctx,
            &flow,
            &session,
            &user,
            org,
        ),
        "back" => {
            shared.flows.remove(ctx);
            drop(shared);
            AadError::new(
                "access_denied",
                90094,
                "The grant requires admin permission.",
            )
            .redirect(&app, &flow.redirect_uri, flow.state.as_deref())
        }
        _ => {
            shared.flows.remove(ctx);
            drop(shared);
            let mut e = AadError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            );
            e.subcode = Some("cancel");
            e.redirect(&app, &flow.redirect_uri, flow.state.as_deref())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn accept(
    app: &MsState,
    shared: &mut MsShared,
    headers: &HeaderMap,
    ctx: &str,
    flow: &Flow,
    session: &Session,
    user: &MsUser,
    org: bool,
) -> Response {
    match flow.kind {
        FlowKind::AdminConsent { v2 } => {
            if !user.can_consent() {
                return proceed(app, shared, headers, ctx, session);
            }
            shared
                .tenant_grants
                .entry(flow.client_id.clone())
                .or_default()
                .extend(flow.scopes.iter().cloned());
            shared.flows.remove(ctx);
            let mut pairs = vec![
                ("admin_consent", "True".to_string()),
                ("tenant", MS_TENANT_ID.to_string()),
            ];
            if v2 {
                pairs.push(("scope", flow.scopes.join(" ")));
            }
            if let Some(s) = &flow.state {
                pairs.push(("state", s.clone()));
            }
            found(&append_query(&flow.redirect_uri, &pairs))
        }
        FlowKind::Authorize => {
            if user.can_consent() && org {
                shared
                    .tenant_grants
                    .entry(flow.client_id.clone())
                    .or_default()
                    .extend(flow.scopes.iter().cloned());
            } else {
                let missing = shared.missing_consent(&flow.client_id, &user.oid, &flow.scopes);
                if !user.can_consent() && missing.iter().any(|s| needs_admin(s)) {
                    // Only an admin can grant these: the page again.
                    return proceed(app, shared, headers, ctx, session);
                }
                shared
                    .user_grants
                    .entry((flow.client_id.clone(), user.oid.clone()))
                    .or_default()
                    .extend(flow.scopes.iter().cloned());
            }
            issue_code(app, shared, ctx, flow, session)
        }
    }
}

/// `GET /{tenant}/oauth2/v2.0/logout`: ends the session.
pub async fn logout(
    State(app): State<MsState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let p = params(&query.unwrap_or_default());
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        app.lock().sessions.remove(&sid);
    }
    let mut resp = match p.get("post_logout_redirect_uri") {
        Some(uri) if uri.starts_with("http") => found(uri),
        _ => page(
            pages::message(
                "You signed out of your account",
                "It's a good idea to close all browser windows.",
            ),
            None,
        ),
    };
    set_cookie(&mut resp, SESSION_COOKIE, "");
    resp
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`
pub async fn openid_configuration(
    State(app): State<MsState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(tref) = resolve_tenant(&tenant) else {
        return e_tenant(&tenant).json(&app, &headers);
    };
    let base = app.lock().base_url.clone();
    let issuer_tenant = if tref == TenantRef::Named {
        MS_TENANT_ID
    } else {
        "{tenantid}"
    };
    let host = base.trim_start_matches("http://").to_string();
    let body = json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{issuer_tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid", "preferred_username", "tid", "ver"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": host,
    });
    json(StatusCode::OK, JSON_TYPE, &body)
}

/// `GET /error?code=N`: where `error_uri` points.
pub async fn error_info(RawQuery(query): RawQuery) -> Response {
    let p = params(&query.unwrap_or_default());
    let code = p.get("code").cloned().unwrap_or_default();
    page(
        pages::message(
            &format!("Error code AADSTS{code}"),
            "See servicenow-api.md §5 for what this code means and what to do.",
        ),
        None,
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// `POST /{tenant}/oauth2/v2.0/token`
pub async fn token(
    State(app): State<MsState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = if is_form(&headers) {
        url::form_urlencoded::parse(&body).into_owned().collect()
    } else {
        HashMap::new()
    };
    let grant = form.get("grant_type").cloned();
    let mut resp = match token_inner(&app, &tenant, &headers, &form) {
        Ok(r) => r,
        Err(e) => e.json(&app, &headers),
    };
    if let Some(g) = grant {
        resp.extensions_mut().insert(GrantType(g));
    }
    resp
}

fn token_inner(
    app: &MsState,
    tenant: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Response, AadError> {
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant = get("grant_type").ok_or_else(|| e_missing("grant_type"))?;
    let tref = resolve_tenant(tenant).ok_or_else(|| e_tenant(tenant))?;
    let client_id = get("client_id").ok_or_else(|| e_missing("client_id"))?;
    let now = app.clock.now();
    let mut shared = app.lock();
    let reg = shared
        .app(client_id)
        .cloned()
        .ok_or_else(|| e_app_not_found(client_id))?;
    if tref == TenantRef::Common && !reg.multi_tenant {
        return Err(e_single_tenant(&reg));
    }
    check_client_auth(
        &reg,
        headers,
        get("client_secret").or(get("client_assertion")),
    )?;

    let (user, scopes, auth_time, nonce) = match grant {
        "authorization_code" => {
            let code = get("code").ok_or_else(|| e_missing("code"))?;
            let redirect = get("redirect_uri").ok_or_else(|| e_missing("redirect_uri"))?;
            if !reg
                .redirect_uris
                .iter()
                .any(|r| redirect_matches(r, redirect))
            {
                return Err(e_redirect(redirect, &reg));
            }
            let issued = shared.codes.get(code).cloned().ok_or_else(e_malformed)?;
            if issued.redeemed {
                return Err(AadError::new(
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                ));
            }
            if now >= issued.expires_at {
                return Err(AadError::new(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                ));
            }
            if !issued.client_id.eq_ignore_ascii_case(client_id) {
                return Err(AadError::new(
                    "invalid_grant",
                    70000,
                    "Provided grant is invalid or malformed. The authorization code was issued to another client.",
                ));
            }
            if issued.redirect_uri != redirect {
                return Err(AadError::new(
                    "invalid_grant",
                    500112,
                    format!(
                        "The reply address '{redirect}' does not match the reply address '{}' provided when requesting Authorization code.",
                        issued.redirect_uri
                    ),
                ));
            }
            if let Some(challenge) = &issued.code_challenge {
                let verifier = get("code_verifier").unwrap_or("");
                if verifier.is_empty() || s256(verifier) != *challenge {
                    return Err(AadError::new(
                        "invalid_grant",
                        501481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                    ));
                }
            }
            conditional_access(&shared)?;
            if let Some(c) = shared.codes.get_mut(code) {
                c.redeemed = true;
            }
            (issued.user, issued.scopes, issued.auth_time, issued.nonce)
        }
        "refresh_token" => {
            let rt = get("refresh_token").ok_or_else(|| e_missing("refresh_token"))?;
            let info = shared
                .refresh_tokens
                .get(rt)
                .cloned()
                .ok_or_else(e_malformed)?;
            if !info.client_id.eq_ignore_ascii_case(client_id) {
                return Err(AadError::new(
                    "invalid_grant",
                    70000,
                    "Provided grant is invalid or malformed. The refresh token was issued to another client.",
                ));
            }
            check_refresh_token(&info, now)?;
            let scopes = match get("scope") {
                Some(s) => parse_scopes(s, &reg).map_err(|e| e_scope(e, &reg))?,
                None => info.scopes.clone(),
            };
            if !shared
                .missing_consent(&reg.client_id, &info.user, &scopes)
                .is_empty()
            {
                return Err(e_consent_required(&reg));
            }
            conditional_access(&shared)?;
            let mut scopes = scopes;
            if !scopes.iter().any(|s| s == "offline_access") {
                scopes.push("offline_access".into());
            }
            (info.user, scopes, info.auth_time, None)
        }
        other => {
            return Err(AadError::new(
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            ));
        }
    };
    let user = shared.user(&user).cloned().ok_or_else(e_malformed)?;
    let want_client_info = get("client_info") == Some("1");
    let body = issue_tokens(
        &mut shared,
        now,
        &user,
        &reg.client_id,
        &scopes,
        auth_time,
        nonce.as_deref(),
        want_client_info,
    );
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE));
    no_cache(resp.headers_mut());
    Ok(resp)
}

/// A public client never sends a secret; a Web app without one needs
/// "Allow public client flows".
fn check_client_auth(
    reg: &MsApp,
    headers: &HeaderMap,
    form_secret: Option<&str>,
) -> Result<(), AadError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b)| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|d| d.split_once(':').map(|(_, s)| s.to_string()));
    let secret = form_secret.map(str::to_string).or(basic);
    match (reg.platform, secret) {
        (Platform::Public, Some(_)) => Err(AadError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )),
        (Platform::Public, None) => Ok(()),
        (Platform::Web, Some(s)) if reg.client_secret.as_deref() == Some(s.as_str()) => Ok(()),
        (Platform::Web, Some(_)) => Err(AadError::new(
            "invalid_client",
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                reg.client_id
            ),
        )),
        (Platform::Web, None) if reg.public_client_flows => Ok(()),
        (Platform::Web, None) => Err(AadError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
    }
}

fn check_refresh_token(info: &RefreshToken, now: DateTime<Utc>) -> Result<(), AadError> {
    let issued = aad_timestamp(info.issued_at);
    if info.revoked {
        return Err(AadError::new(
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                aad_timestamp(now)
            ),
        ));
    }
    if info.sign_in_frequency {
        return Err(AadError::new(
            "invalid_grant",
            70043,
            format!(
                "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on {issued} and the maximum allowed lifetime for this request is 3600."
            ),
        ));
    }
    if info.inactive || now >= info.expires_at {
        return Err(AadError::new(
            "invalid_grant",
            700082,
            format!(
                "The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive for 90.00:00:00."
            ),
        ));
    }
    Ok(())
}

fn conditional_access(shared: &MsShared) -> Result<(), AadError> {
    if shared.block_conditional_access {
        let mut e = AadError::new(
            "invalid_grant",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        );
        e.suberror = Some("message_only");
        return Err(e);
    }
    if shared.require_mfa {
        let mut e = AadError::new(
            "invalid_grant",
            50076,
            format!(
                "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{GRAPH_APP_ID}'."
            ),
        );
        e.suberror = Some("basic_action");
        e.claims = Some(
            r#"{"access_token":{"capolids":{"essential":true,"values":["5b1f3a4e-0c6d-4f2a-9e8b-7d6c5b4a3f21"]}}}"#
                .into(),
        );
        return Err(e);
    }
    Ok(())
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Mint the tokens and write the success body (in the service's key order).
#[allow(clippy::too_many_arguments)]
fn issue_tokens(
    shared: &mut MsShared,
    now: DateTime<Utc>,
    user: &MsUser,
    client_id: &str,
    scopes: &[String],
    auth_time: DateTime<Utc>,
    nonce: Option<&str>,
    client_info: bool,
) -> String {
    let lifetime = shared.access_token_lifetime.as_secs();
    let access = random_token(96);
    shared.access_tokens.insert(
        access.clone(),
        AccessToken {
            user: user.oid.clone(),
            client_id: client_id.to_string(),
            scopes: scopes.to_vec(),
            expires_at: now + Duration::seconds(lifetime as i64),
            expired: false,
        },
    );
    let mut body = format!(
        "{{\"token_type\":\"Bearer\",\"scope\":{},\"expires_in\":{lifetime},\"ext_expires_in\":{lifetime},\"access_token\":{}",
        Value::from(granted_scope_text(scopes)),
        Value::from(access),
    );
    if scopes.iter().any(|s| s == "offline_access") {
        let rt = format!("1.A{}", random_token(160));
        let rt_lifetime =
            Duration::from_std(shared.refresh_token_lifetime).unwrap_or(Duration::MAX);
        shared.refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                user: user.oid.clone(),
                client_id: client_id.to_string(),
                scopes: scopes.to_vec(),
                issued_at: now,
                expires_at: now + rt_lifetime,
                auth_time,
                revoked: false,
                inactive: false,
                sign_in_frequency: false,
            },
        );
        body.push_str(&format!(",\"refresh_token\":{}", Value::from(rt)));
    }
    if scopes.iter().any(|s| s == "openid") {
        let id = id_token(&shared.base_url, user, client_id, now, auth_time, nonce);
        body.push_str(&format!(",\"id_token\":{}", Value::from(id)));
    }
    if client_info {
        let info = json!({"uid": user.oid, "utid": MS_TENANT_ID}).to_string();
        body.push_str(&format!(
            ",\"client_info\":{}",
            Value::from(b64(info.as_bytes()))
        ));
    }
    body.push('}');
    body
}

/// An unsigned-in-spirit JWT (the signature is random bytes).
fn id_token(
    base: &str,
    user: &MsUser,
    client_id: &str,
    now: DateTime<Utc>,
    auth_time: DateTime<Utc>,
    nonce: Option<&str>,
) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "simulator-key-1"});
    let iat = now.timestamp();
    let sub = b64(&Sha256::digest(
        format!("{}|{client_id}", user.oid).as_bytes(),
    ));
    let mut claims = json!({
        "aud": client_id,
        "iss": format!("{base}/{MS_TENANT_ID}/v2.0"),
        "iat": iat,
        "nbf": iat,
        "exp": iat + 3600,
        "auth_time": auth_time.timestamp(),
        "name": user.display_name,
        "oid": user.oid,
        "preferred_username": user.upn,
        "sub": sub,
        "tid": MS_TENANT_ID,
        "uti": random_token(16),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        claims["nonce"] = n.into();
    }
    let signature = random_token(64);
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_ignores_the_port_and_keeps_the_path() {
        let r = "http://localhost";
        assert!(redirect_matches(r, "http://localhost"));
        assert!(redirect_matches(r, "http://localhost:1234"));
        assert!(redirect_matches(r, "http://localhost:1234/"));
        assert!(!redirect_matches(r, "http://localhost:1234/callback"));
        assert!(!redirect_matches(r, "http://LOCALHOST:1234/"));
        assert!(!redirect_matches(r, "https://localhost:1234/"));
        assert!(!redirect_matches(r, "http://127.0.0.1:1234/"));
        assert!(!redirect_matches(r, "http://[::1]:1234/"));
        let r = "http://localhost/callback";
        assert!(redirect_matches(r, "http://localhost:5000/callback"));
        assert!(!redirect_matches(r, "http://localhost:5000/callback/"));
        assert!(!redirect_matches(r, "http://localhost:5000/Callback"));
    }

    #[test]
    fn loopback_ip_matches_its_exact_port_and_ipv6_never() {
        let r = "http://127.0.0.1:8400/";
        assert!(redirect_matches(r, "http://127.0.0.1:8400/"));
        assert!(redirect_matches(r, "http://127.0.0.1:8400"));
        assert!(!redirect_matches(r, "http://127.0.0.1:8401/"));
        assert!(!redirect_matches(
            "http://127.0.0.1",
            "http://127.0.0.1:8400/"
        ));
        assert!(!redirect_matches(
            "http://[::1]:8400/",
            "http://[::1]:8400/"
        ));
        assert!(redirect_matches(
            "https://app.example.com/cb",
            "https://app.example.com/cb"
        ));
        assert!(!redirect_matches(
            "https://app.example.com/cb",
            "https://App.example.com/cb"
        ));
    }

    #[test]
    fn a_redirect_without_a_path_comes_back_with_a_slash() {
        let pairs = [("code", "a b".to_string()), ("state", "s".to_string())];
        assert_eq!(
            append_query("http://localhost:1234", &pairs),
            "http://localhost:1234/?code=a+b&state=s"
        );
        assert_eq!(
            append_query("http://localhost:1234/cb", &pairs),
            "http://localhost:1234/cb?code=a+b&state=s"
        );
        assert_eq!(
            append_query("http://localhost:1234?x=1", &pairs),
            "http://localhost:1234/?x=1&code=a+b&state=s"
        );
    }
}
