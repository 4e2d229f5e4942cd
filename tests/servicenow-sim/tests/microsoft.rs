//! Conformance of the Microsoft simulator: every behaviour of the identity
//! platform and Graph Secure Score it promises (servicenow-api.md §5),
//! checked over real HTTP on 127.0.0.1 with the scripted browser and reqwest.

use base64::Engine;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use servicenow_sim::browser::{client, element, text_of};
use servicenow_sim::microsoft::browser::{
    AuthorizeRequest, Consent, MsBrowser, aadsts, demo_tokens, pkce, query_param, sign_in,
    try_sign_in,
};
use servicenow_sim::microsoft::{
    self, DUPLICATE_CONTROL, MS_ADMIN, MS_ADMIN_NAME, MS_CLIENT_ID, MS_NO_ROLE, MS_PASSWORD,
    MS_READER, MS_SCOPE, MS_TENANT_DOMAIN, MS_TENANT_ID, MsApp, MsConfig, MsHandle,
    ORPHAN_CONTROLS, PAGE_LIMIT, Platform, RunningMicrosoft, SESSION_COOKIE, SNAPSHOT_DAYS,
    UNSCORED_CONTROLS, demo_app,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

const REDIRECT: &str = "http://localhost:49152";
const STATE: &str = "st4te-Abc_123";

async fn start() -> RunningMicrosoft {
    microsoft::start(MsConfig::default())
        .await
        .expect("simulator starts")
}

fn request(redirect: &str, challenge: &str) -> AuthorizeRequest {
    let mut r = AuthorizeRequest::demo(redirect, challenge);
    r.state = STATE.into();
    r
}

/// An authorize URL for the demo app with these parameters replaced.
fn authorize_url(base: &str, redirect: &str, changes: &[(&str, &str)]) -> String {
    let (_, challenge) = pkce();
    let mut r = request(redirect, &challenge);
    for (k, v) in changes {
        match *k {
            "tenant" => r.tenant = v.to_string(),
            "client_id" => r.client_id = v.to_string(),
            "scope" => r.scope = v.to_string(),
            other => r.extra.push((other.into(), v.to_string())),
        }
    }
    r.url(base)
}

/// A code for the demo app, signed in as `user`.
struct Signed {
    code: String,
    verifier: String,
    location: String,
}

async fn sign_in_code(base: &str, user: &str, consent: Consent, scope: &str) -> Signed {
    let (verifier, challenge) = pkce();
    let mut r = request(REDIRECT, &challenge);
    r.scope = scope.into();
    let location = sign_in(&r.url(base), user, MS_PASSWORD, consent).await;
    let code = query_param(&location, "code").unwrap_or_else(|| panic!("no code: {location}"));
    Signed {
        code,
        verifier,
        location,
    }
}

async fn token_call_with(
    base: &str,
    tenant: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut req = client()
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })),
    )
}

async fn token_call(base: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    token_call_with(base, MS_TENANT_ID, form, &[]).await
}

async fn redeem(base: &str, s: &Signed, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![
        ("client_id", MS_CLIENT_ID),
        ("grant_type", "authorization_code"),
        ("code", s.code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", s.verifier.as_str()),
        ("scope", MS_SCOPE),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        if !v.is_empty() {
            form.push((k, v));
        }
    }
    token_call(base, &form).await
}

async fn refresh(base: &str, rt: &str) -> (StatusCode, Value) {
    token_call(
        base,
        &[
            ("client_id", MS_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", MS_SCOPE),
        ],
    )
    .await
}

/// The identity platform's error body, exactly.
#[track_caller]
fn assert_aad(got: &(StatusCode, Value), status: u16, error: &str, code: u32) {
    let (s, b) = got;
    assert_eq!(s.as_u16(), status, "{b}");
    assert_eq!(b["error"], error, "{b}");
    assert_eq!(b["error_codes"], json!([code]), "{b}");
    let d = b["error_description"].as_str().expect("error_description");
    assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
    let ts = b["timestamp"].as_str().expect("timestamp");
    assert!(
        ts.len() == 20 && ts.ends_with('Z') && &ts[4..5] == "-" && &ts[10..11] == " ",
        "{ts}"
    );
    for k in ["trace_id", "correlation_id"] {
        assert_eq!(b[k].as_str().map(str::len), Some(36), "{k}: {b}");
    }
    assert!(
        b["error_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/error?code={code}"))),
        "{b}"
    );
}

/// Access and refresh token for `user`, the tenant having consented.
async fn tokens(ms: &RunningMicrosoft, user: &str) -> (String, String) {
    ms.handle().grant_admin_consent(MS_CLIENT_ID);
    let body = demo_tokens(&ms.base_url(), user, MS_PASSWORD, Consent::Accept).await;
    (
        body["access_token"].as_str().unwrap().into(),
        body["refresh_token"].as_str().unwrap().into(),
    )
}

async fn graph_req(
    method: Method,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Value) {
    let mut req = client().request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn graph_get(url: &str, token: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    graph_req(Method::GET, url, token, &[]).await
}

/// Every page from `url` on, following `@odata.nextLink`.
async fn all_pages(url: &str, token: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(url.to_string());
    while let Some(url) = next {
        let (status, _, body) = graph_get(&url, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        next = body["@odata.nextLink"].as_str().map(str::to_string);
        pages.push(body);
        assert!(pages.len() < 50, "paging does not end");
    }
    pages
}

fn items(pages: &[Value]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap().clone())
        .collect()
}

async fn html(url: &str) -> (StatusCode, HeaderMap, String) {
    let resp = client().get(url).send().await.unwrap();
    let (s, h) = (resp.status(), resp.headers().clone());
    (s, h, resp.text().await.unwrap())
}

/// The error page (never a redirect) with this AADSTS code.
#[track_caller]
fn assert_error_page(got: &(StatusCode, HeaderMap, String), code: u32) {
    let (status, headers, page) = got;
    assert_eq!(*status, StatusCode::OK, "{page}");
    assert!(headers.get("location").is_none());
    assert_eq!(
        text_of(page, "errorCode").as_deref(),
        Some(format!("AADSTS{code}").as_str()),
        "{page}"
    );
    let msg = text_of(page, "errorMessage").unwrap();
    assert!(msg.starts_with(&format!("AADSTS{code}: ")), "{msg}");
}

fn jwt_claims(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["typ"], "JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap()
}

// --- Sign-in ---------------------------------------------------------------

#[tokio::test]
async fn admin_signs_in_with_pkce_consents_once_and_gets_tokens() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    assert!(!h.has_admin_consent(MS_CLIENT_ID));

    let mut b = MsBrowser::new();
    let (verifier, challenge) = pkce();
    let url = request(REDIRECT, &challenge).url(&base);
    let location = b
        .sign_in(&url, MS_ADMIN, MS_PASSWORD, Consent::Accept)
        .await;
    assert!(
        location.starts_with("http://localhost:49152/?code="),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some(STATE));
    assert!(query_param(&location, "session_state").is_some_and(|s| s.len() == 36));
    assert!(b.cookie(SESSION_COOKIE).is_some());
    assert!(h.has_admin_consent(MS_CLIENT_ID));

    let signed = Signed {
        code: query_param(&location, "code").unwrap(),
        verifier,
        location,
    };
    let (status, body) = redeem(&base, &signed, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"].as_u64(), Some(3600));
    assert!(body["ext_expires_in"].is_u64());
    let scope = body["scope"].as_str().unwrap();
    assert!(
        scope.split(' ').any(|s| s == "SecurityEvents.Read.All"),
        "{scope}"
    );
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 40));
    assert!(body["refresh_token"].as_str().is_some_and(|t| t.len() > 40));
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], MS_CLIENT_ID);
    assert_eq!(claims["iss"], format!("{base}/{MS_TENANT_ID}/v2.0"));
    assert_eq!(claims["tid"], MS_TENANT_ID);
    assert_eq!(claims["oid"], h.user_oid(MS_ADMIN).unwrap());
    assert_eq!(claims["name"], MS_ADMIN_NAME);
    assert_eq!(claims["preferred_username"], MS_ADMIN);
    let (iat, nbf, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["nbf"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(nbf <= iat && iat < exp, "{claims}");

    // The same browser again: the session skips the password (a wrong one is
    // never asked for) and consent is not asked again.
    let again = b
        .try_sign_in(&url, MS_ADMIN, "not-asked", Consent::Cancel)
        .await
        .expect("no page");
    assert!(query_param(&again, "code").is_some(), "{again}");
    // prompt=login asks for the password even so.
    let (status, _, page) = {
        let resp = b
            .get(&format!(
                "{}&prompt=login",
                request(REDIRECT, &challenge).url(&base)
            ))
            .await;
        (
            resp.status(),
            resp.headers().clone(),
            resp.text().await.unwrap(),
        )
    };
    assert_eq!(status, StatusCode::OK);
    assert!(element(&page, "i0118").is_some(), "{page}");
    // Another user in another browser: the tenant consented, no page.
    let other = try_sign_in(&url, MS_READER, MS_PASSWORD, Consent::AsReader)
        .await
        .expect("the reader signs in without a consent page");
    assert!(query_param(&other, "code").is_some(), "{other}");
}

#[tokio::test]
async fn the_pages_carry_microsofts_element_ids() {
    let ms = start().await;
    let base = ms.base_url();
    let mut b = MsBrowser::new();
    let url = authorize_url(&base, REDIRECT, &[("login_hint", MS_ADMIN)]);
    let page = b.get(&url).await.text().await.unwrap();
    for id in ["i0281", "i0116", "i0118", "idSIButton9"] {
        assert!(element(&page, id).is_some(), "#{id} in\n{page}");
    }
    let email = element(&page, "i0116").unwrap();
    assert!(email.contains(&format!("value=\"{MS_ADMIN}\"")), "{email}");
    let (action, mut fields) = servicenow_sim::browser::form(&page, "i0281");
    fields.push(("loginfmt".into(), MS_ADMIN.into()));
    fields.push(("passwd".into(), MS_PASSWORD.into()));
    let resp = b.post_form(&format!("{base}{action}"), &fields).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let consent = resp.text().await.unwrap();
    for id in ["consent-org", "idBtn_Accept", "idBtn_Back", "consentForm"] {
        assert!(element(&consent, id).is_some(), "#{id} in\n{consent}");
    }
    assert!(
        element(&consent, "consent-org")
            .unwrap()
            .contains("checkbox")
    );
    assert!(consent.contains("Consent on behalf of your organization"));
    assert!(consent.contains("Read your organization&#39;s security events"));
    assert!(consent.contains("Maintain access to data you have given it access to"));

    // The reader sees "Need admin approval": no Accept, a way back.
    let mut r = MsBrowser::new();
    let page = r.get(&url).await.text().await.unwrap();
    let (action, mut fields) = servicenow_sim::browser::form(&page, "i0281");
    fields.push(("loginfmt".into(), MS_READER.into()));
    fields.push(("passwd".into(), MS_PASSWORD.into()));
    let approval = r
        .post_form(&format!("{base}{action}"), &fields)
        .await
        .text()
        .await
        .unwrap();
    assert!(approval.contains("Need admin approval"), "{approval}");
    assert!(element(&approval, "idBtn_Accept").is_none());
    assert!(element(&approval, "consent-org").is_none());
    assert!(
        text_of(&approval, "idBtn_Back")
            .is_some_and(|t| t == "Return to the application without granting consent")
    );
}

#[tokio::test]
async fn cancel_on_consent_returns_65004_with_the_cancel_subcode() {
    let ms = start().await;
    let base = ms.base_url();
    let url = authorize_url(&base, REDIRECT, &[]);
    let loc = sign_in(&url, MS_ADMIN, MS_PASSWORD, Consent::Cancel).await;
    assert!(loc.starts_with("http://localhost:49152/?"), "{loc}");
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query_param(&loc, "error_subcode").as_deref(),
        Some("cancel")
    );
    assert!(
        query_param(&loc, "error_description")
            .unwrap()
            .starts_with("AADSTS65004: User declined to consent")
    );
    assert_eq!(query_param(&loc, "state").as_deref(), Some(STATE));
    assert!(query_param(&loc, "code").is_none());
    assert!(!ms.handle().has_admin_consent(MS_CLIENT_ID));
    let last = ms.handle().requests().pop().unwrap();
    assert_eq!((last.status, last.error_code), (302, Some(65004)));
}

#[tokio::test]
async fn a_reader_before_admin_consent_gets_90094_and_after_it_signs_in() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let url = authorize_url(&base, REDIRECT, &[]);
    let loc = sign_in(&url, MS_READER, MS_PASSWORD, Consent::AsReader).await;
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(
        query_param(&loc, "error_description")
            .unwrap()
            .starts_with("AADSTS90094: ")
    );
    assert_eq!(query_param(&loc, "state").as_deref(), Some(STATE));
    // Accept is not the reader's to press.
    let err = try_sign_in(&url, MS_READER, MS_PASSWORD, Consent::Accept)
        .await
        .unwrap_err();
    assert_eq!(err.code, Some(90094));
    // An admin accepting only for herself is not tenant-wide consent.
    let own = sign_in(&url, MS_ADMIN, MS_PASSWORD, Consent::AcceptForMe).await;
    assert!(query_param(&own, "code").is_some());
    assert!(!h.has_admin_consent(MS_CLIENT_ID));
    let err = try_sign_in(&url, MS_READER, MS_PASSWORD, Consent::Accept)
        .await
        .unwrap_err();
    assert_eq!(err.code, Some(90094));
    // Tenant-wide consent: the reader signs in with no page at all.
    h.grant_admin_consent(MS_CLIENT_ID);
    let ok = sign_in(&url, MS_READER, MS_PASSWORD, Consent::AsReader).await;
    assert!(query_param(&ok, "code").is_some(), "{ok}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_show_the_page_again() {
    let ms = start().await;
    let url = authorize_url(&ms.base_url(), REDIRECT, &[]);
    let err = try_sign_in(&url, MS_ADMIN, "wrong", Consent::Accept)
        .await
        .unwrap_err();
    assert_eq!(err.code, Some(50126), "{}", err.message);
    assert!(element(&err.page, "i0118").is_some());
    assert!(element(&err.page, "passwordError").is_some());
    let err = try_sign_in(
        &url,
        "nobody@contoso.onmicrosoft.com",
        MS_PASSWORD,
        Consent::Accept,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, Some(50034), "{}", err.message);
    let codes: Vec<Option<u32>> = ms
        .handle()
        .requests()
        .iter()
        .map(|r| r.error_code)
        .collect();
    assert!(codes.contains(&Some(50126)) && codes.contains(&Some(50034)));
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let ms = start().await;
    let url = authorize_url(&ms.base_url(), REDIRECT, &[("prompt", "none")]);
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = servicenow_sim::browser::location(&resp);
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(
        aadsts(&query_param(&loc, "error_description").unwrap()),
        Some(50058)
    );
}

#[tokio::test]
async fn redirect_uris_match_as_the_platform_matches_them() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let shows_sign_in = |page: &str| element(page, "i0116").is_some();
    // The demo app registers http://localhost: any port, no path.
    for ok in [
        "http://localhost:1234",
        "http://localhost:1234/",
        "http://localhost",
    ] {
        let got = html(&authorize_url(&base, ok, &[])).await;
        assert!(shows_sign_in(&got.2), "{ok}: {}", got.2);
    }
    for bad in [
        "http://localhost:1234/callback",
        "http://LOCALHOST:1234/",
        "https://localhost:1234/",
        "http://127.0.0.1:1234/",
        "http://[::1]:1234/",
    ] {
        assert_error_page(&html(&authorize_url(&base, bad, &[])).await, 50011);
    }
    // 127.0.0.1 matches its exact port; a path must match exactly; [::1] never.
    let id = "0a1b2c3d-1111-4222-8333-444455556666";
    h.register_app(MsApp {
        client_id: id.into(),
        redirect_uris: vec![
            "http://127.0.0.1:8400/".into(),
            "http://localhost/callback".into(),
            "http://[::1]:8400/".into(),
        ],
        ..demo_app()
    });
    h.grant_admin_consent(id);
    let url = |redirect: &str| authorize_url(&base, redirect, &[("client_id", id)]);
    for ok in [
        "http://127.0.0.1:8400/",
        "http://127.0.0.1:8400",
        "http://localhost:999/callback",
        "http://localhost/callback",
    ] {
        let got = html(&url(ok)).await;
        assert!(shows_sign_in(&got.2), "{ok}: {}", got.2);
    }
    for bad in [
        "http://127.0.0.1:8401/",
        "http://127.0.0.1/",
        "http://localhost:999/callback/",
        "http://localhost:999/Callback",
        "http://[::1]:8400/",
    ] {
        assert_error_page(&html(&url(bad)).await, 50011);
    }
    // The code comes back to the URI as sent, with "/" when it had no path.
    let loc = sign_in(
        &url("http://127.0.0.1:8400"),
        MS_ADMIN,
        MS_PASSWORD,
        Consent::Accept,
    )
    .await;
    assert!(loc.starts_with("http://127.0.0.1:8400/?code="), "{loc}");
    let loc = sign_in(
        &url("http://localhost:999/callback"),
        MS_ADMIN,
        MS_PASSWORD,
        Consent::Accept,
    )
    .await;
    assert!(
        loc.starts_with("http://localhost:999/callback?code="),
        "{loc}"
    );
}

#[tokio::test]
async fn the_authorize_endpoint_refuses_on_an_error_page() {
    let ms = start().await;
    let base = ms.base_url();
    // The tenant may be named by GUID, domain, or organizations.
    for tenant in [MS_TENANT_ID, MS_TENANT_DOMAIN, "organizations"] {
        let got = html(&authorize_url(&base, REDIRECT, &[("tenant", tenant)])).await;
        assert!(element(&got.2, "i0116").is_some(), "{tenant}: {}", got.2);
    }
    let cases: [(&[(&str, &str)], u32); 5] = [
        (&[("tenant", "common")], 50194),
        (&[("tenant", "fabrikam.onmicrosoft.com")], 90002),
        (
            &[("client_id", "99999999-9999-4999-8999-999999999999")],
            700016,
        ),
        (&[("code_challenge_method", "plain")], 9002325),
        (&[("client_id", "")], 900144),
    ];
    for (changes, code) in cases {
        assert_error_page(&html(&authorize_url(&base, REDIRECT, changes)).await, code);
    }
    // No PKCE at all for the public client.
    let url = format!(
        "{base}/{MS_TENANT_ID}/oauth2/v2.0/authorize?client_id={MS_CLIENT_ID}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1&scope=openid&state=x"
    );
    assert_error_page(&html(&url).await, 9002325);
    // Past the redirect check, errors go back to the app.
    let resp = client()
        .get(authorize_url(&base, REDIRECT, &[("scope", "Nope.Read")]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = servicenow_sim::browser::location(&resp);
    assert_eq!(
        aadsts(&query_param(&loc, "error_description").unwrap()),
        Some(650053)
    );
}

#[tokio::test]
async fn the_admin_consent_url_grants_tenant_wide_consent() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let url = format!(
        "{base}/{MS_TENANT_ID}/adminconsent?client_id={MS_CLIENT_ID}&redirect_uri=http%3A%2F%2Flocalhost%3A5555%2F&state=ac1"
    );
    let loc = sign_in(&url, MS_READER, MS_PASSWORD, Consent::AsReader).await;
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(!h.has_admin_consent(MS_CLIENT_ID));
    let loc = sign_in(&url, MS_ADMIN, MS_PASSWORD, Consent::Accept).await;
    assert!(loc.starts_with("http://localhost:5555/?"), "{loc}");
    assert_eq!(query_param(&loc, "admin_consent").as_deref(), Some("True"));
    assert_eq!(query_param(&loc, "tenant").as_deref(), Some(MS_TENANT_ID));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("ac1"));
    assert!(h.has_admin_consent(MS_CLIENT_ID));
}

#[tokio::test]
async fn openid_discovery_names_the_endpoints() {
    let ms = start().await;
    let base = ms.base_url();
    let resp = client()
        .get(format!(
            "{base}/{MS_TENANT_ID}/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["issuer"], format!("{base}/{MS_TENANT_ID}/v2.0"));
    assert_eq!(
        v["token_endpoint"],
        format!("{base}/{MS_TENANT_ID}/oauth2/v2.0/token")
    );
    assert_eq!(
        v["authorization_endpoint"],
        format!("{base}/{MS_TENANT_ID}/oauth2/v2.0/authorize")
    );
}

// --- Token endpoint ------------------------------------------------------------

#[tokio::test]
async fn a_code_expires_after_ten_minutes_and_redeems_only_once() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    h.grant_admin_consent(MS_CLIENT_ID);
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    h.advance_clock(Duration::from_secs(11 * 60));
    assert_aad(&redeem(&base, &s, &[]).await, 400, "invalid_grant", 70008);

    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    h.advance_clock(Duration::from_secs(9 * 60));
    assert_eq!(redeem(&base, &s, &[]).await.0, StatusCode::OK);
    assert_aad(&redeem(&base, &s, &[]).await, 400, "invalid_grant", 54005);
    assert!(s.location.contains("session_state="));
}

#[tokio::test]
async fn pkce_is_checked_and_a_failed_attempt_does_not_spend_the_code() {
    let ms = start().await;
    let base = ms.base_url();
    ms.handle().grant_admin_consent(MS_CLIENT_ID);
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    let (other, _) = pkce();
    assert_aad(
        &redeem(&base, &s, &[("code_verifier", &other)]).await,
        400,
        "invalid_grant",
        501481,
    );
    assert_aad(
        &redeem(&base, &s, &[("code_verifier", "")]).await,
        400,
        "invalid_grant",
        501481,
    );
    assert_eq!(redeem(&base, &s, &[]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn client_errors_are_401_invalid_client() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    h.grant_admin_consent(MS_CLIENT_ID);
    // A public client never sends a secret.
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    assert_aad(
        &redeem(&base, &s, &[("client_secret", "shh")]).await,
        401,
        "invalid_client",
        700025,
    );
    // Registered as a Web app without "Allow public client flows": 7000218.
    let web = "5e6f7a8b-2222-4333-8444-555566667777";
    let web_app = MsApp {
        client_id: web.into(),
        platform: Platform::Web,
        public_client_flows: false,
        ..demo_app()
    };
    h.register_app(web_app.clone());
    h.grant_admin_consent(web);
    let (verifier, challenge) = pkce();
    let mut r = request(REDIRECT, &challenge);
    r.client_id = web.into();
    let code_for = |loc: String| query_param(&loc, "code").unwrap();
    let code = code_for(sign_in(&r.url(&base), MS_ADMIN, MS_PASSWORD, Consent::Accept).await);
    let form = |code: &str| {
        vec![
            ("client_id".to_string(), web.to_string()),
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), code.to_string()),
            ("redirect_uri".into(), REDIRECT.into()),
            ("code_verifier".into(), verifier.clone()),
        ]
    };
    let call = |f: Vec<(String, String)>| {
        let base = base.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            token_call(&base, &f).await
        }
    };
    assert_aad(&call(form(&code)).await, 401, "invalid_client", 7000218);
    // With "Allow public client flows" on, the same code works.
    h.register_app(MsApp {
        public_client_flows: true,
        ..web_app
    });
    assert_eq!(call(form(&code)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn tenant_client_and_redirect_errors_at_the_token_endpoint() {
    let ms = start().await;
    let base = ms.base_url();
    ms.handle().grant_admin_consent(MS_CLIENT_ID);
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    let form = |client: &'static str| {
        vec![
            ("client_id", client),
            ("grant_type", "authorization_code"),
            ("code", "irrelevant"),
            ("redirect_uri", REDIRECT),
        ]
    };
    assert_aad(
        &token_call_with(&base, "common", &form(MS_CLIENT_ID), &[]).await,
        400,
        "invalid_request",
        50194,
    );
    assert_aad(
        &token_call_with(&base, "nowhere.example", &form(MS_CLIENT_ID), &[]).await,
        400,
        "invalid_request",
        90002,
    );
    assert_aad(
        &token_call(&base, &form("99999999-9999-4999-8999-999999999999")).await,
        400,
        "unauthorized_client",
        700016,
    );
    // Not registered at all / registered but not the one the code was for.
    assert_aad(
        &redeem(
            &base,
            &s,
            &[("redirect_uri", "http://localhost:1/elsewhere")],
        )
        .await,
        400,
        "invalid_request",
        50011,
    );
    assert_aad(
        &redeem(&base, &s, &[("redirect_uri", "http://localhost:49153")]).await,
        400,
        "invalid_grant",
        500112,
    );
    // Malformed requests.
    assert_aad(
        &redeem(&base, &s, &[("code", "garbage")]).await,
        400,
        "invalid_grant",
        9002313,
    );
    assert_aad(
        &token_call(
            &base,
            &[("client_id", MS_CLIENT_ID), ("grant_type", "password")],
        )
        .await,
        400,
        "unsupported_grant_type",
        70003,
    );
    assert_aad(
        &token_call(&base, &[("client_id", MS_CLIENT_ID)]).await,
        400,
        "invalid_request",
        900144,
    );
    // Form body only: the same fields as JSON are no request at all.
    let resp = client()
        .post(format!("{base}/{MS_TENANT_ID}/oauth2/v2.0/token"))
        .json(&json!({"grant_type": "authorization_code", "client_id": MS_CLIENT_ID}))
        .send()
        .await
        .unwrap();
    let got = (resp.status(), resp.json::<Value>().await.unwrap());
    assert_aad(&got, 400, "invalid_request", 900144);
    // The correlation id is the client's client-request-id.
    let got = token_call_with(
        &base,
        "common",
        &form(MS_CLIENT_ID),
        &[("client-request-id", "0b9e5f3c-7d2a-4e1b-9c8d-6a5f4e3d2c1b")],
    )
    .await;
    assert_eq!(
        got.1["correlation_id"],
        "0b9e5f3c-7d2a-4e1b-9c8d-6a5f4e3d2c1b"
    );
    // The code itself is still good.
    assert_eq!(redeem(&base, &s, &[]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn conditional_access_and_mfa_stop_token_issuance() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (_, rt) = tokens(&ms, MS_ADMIN).await;
    h.block_conditional_access(true);
    let got = refresh(&base, &rt).await;
    assert_aad(&got, 400, "invalid_grant", 53003);
    h.block_conditional_access(false);
    h.require_mfa(true);
    let got = refresh(&base, &rt).await;
    assert_aad(&got, 400, "invalid_grant", 50076);
    assert_eq!(got.1["suberror"], "basic_action");
    assert!(got.1["claims"].as_str().is_some());
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    assert_aad(&redeem(&base, &s, &[]).await, 400, "invalid_grant", 50076);
    h.require_mfa(false);
    assert_eq!(redeem(&base, &s, &[]).await.0, StatusCode::OK);
    assert_eq!(refresh(&base, &rt).await.0, StatusCode::OK);
}

#[tokio::test]
async fn every_refresh_returns_a_new_refresh_token_and_the_old_one_still_works() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at1, rt1) = tokens(&ms, MS_ADMIN).await;
    let (status, b2) = refresh(&base, &rt1).await;
    assert_eq!(status, StatusCode::OK, "{b2}");
    let rt2 = b2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt2, rt1);
    assert_ne!(b2["access_token"].as_str().unwrap(), at1);
    assert_eq!(b2["expires_in"].as_u64(), Some(3600));
    assert!(b2["id_token"].is_string());
    let (status, b3) = refresh(&base, &rt1).await;
    assert_eq!(status, StatusCode::OK, "the old one still works: {b3}");
    let rt3 = b3["refresh_token"].as_str().unwrap().to_string();
    assert!(rt3 != rt1 && rt3 != rt2);
    assert_eq!(refresh(&base, &rt2).await.0, StatusCode::OK);
    assert!(h.is_refresh_token_active(&rt1) && h.is_refresh_token_active(&rt2));
    // A refresh token of another client is refused.
    let id = "7a7a7a7a-3333-4444-8555-666677778888";
    h.register_app(MsApp {
        client_id: id.into(),
        ..demo_app()
    });
    let other = token_call(
        &base,
        &[
            ("client_id", id),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt1),
        ],
    )
    .await;
    assert_aad(&other, 400, "invalid_grant", 70000);
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let ms = start().await;
    let base = ms.base_url();
    ms.handle().grant_admin_consent(MS_CLIENT_ID);
    let scope = "https://graph.microsoft.com/SecurityEvents.Read.All openid profile";
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, scope).await;
    let (status, body) = redeem(&base, &s, &[("scope", scope)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none(), "{body}");
}

#[tokio::test]
async fn revoked_inactive_and_sign_in_frequency_refresh_tokens() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, rt) = tokens(&ms, MS_ADMIN).await;
    let (_, b) = refresh(&base, &rt).await;
    let rt2 = b["refresh_token"].as_str().unwrap().to_string();
    h.revoke_refresh_tokens();
    assert_aad(&refresh(&base, &rt).await, 400, "invalid_grant", 50173);
    assert_aad(&refresh(&base, &rt2).await, 400, "invalid_grant", 50173);
    // Access tokens live on until they expire.
    let profiles = format!("{base}/v1.0/security/secureScoreControlProfiles?$top=1");
    assert_eq!(graph_get(&profiles, Some(&at)).await.0, StatusCode::OK);
    // A new sign-in gives a working refresh token.
    let (_, fresh) = tokens(&ms, MS_ADMIN).await;
    assert_eq!(refresh(&base, &fresh).await.0, StatusCode::OK);

    let (_, rt) = tokens(&ms, MS_ADMIN).await;
    h.expire_refresh_tokens_inactive();
    assert_aad(&refresh(&base, &rt).await, 400, "invalid_grant", 700082);

    let (_, rt) = tokens(&ms, MS_ADMIN).await;
    h.expire_refresh_tokens_sign_in_frequency();
    assert_aad(&refresh(&base, &rt).await, 400, "invalid_grant", 70043);

    // Unused for 90 days, by the clock.
    let (_, rt) = tokens(&ms, MS_ADMIN).await;
    h.advance_clock(Duration::from_secs(89 * 24 * 3600));
    let (status, b) = refresh(&base, &rt).await;
    assert_eq!(status, StatusCode::OK);
    let newer = b["refresh_token"].as_str().unwrap().to_string();
    h.advance_clock(Duration::from_secs(2 * 24 * 3600));
    assert_aad(&refresh(&base, &rt).await, 400, "invalid_grant", 700082);
    assert_eq!(refresh(&base, &newer).await.0, StatusCode::OK);
}

#[tokio::test]
async fn revoked_consent_makes_refresh_answer_65001() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (_, rt) = tokens(&ms, MS_ADMIN).await;
    h.revoke_consent(MS_CLIENT_ID);
    assert!(!h.has_admin_consent(MS_CLIENT_ID));
    assert_aad(&refresh(&base, &rt).await, 400, "invalid_grant", 65001);
}

// --- Graph -----------------------------------------------------------------

#[tokio::test]
async fn following_every_next_link_gives_every_profile_once() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, _) = tokens(&ms, MS_READER).await;
    let expected = h.profiles().len();
    assert!((230..=300).contains(&expected), "{expected}");
    let first = format!("{base}/v1.0/security/secureScoreControlProfiles");
    for (query, page_size) in [
        ("", PAGE_LIMIT),
        ("?$top=999", PAGE_LIMIT),
        ("?$top=100", PAGE_LIMIT),
        ("?$top=37", 37),
    ] {
        let pages = all_pages(&format!("{first}{query}"), &at).await;
        assert_eq!(pages.len(), expected.div_ceil(page_size), "{query}");
        for (i, p) in pages.iter().enumerate() {
            let n = p["value"].as_array().unwrap().len();
            assert!(n <= page_size, "{query}: page {i} has {n}");
            assert_eq!(
                p["@odata.context"],
                format!("{base}/v1.0/$metadata#security/secureScoreControlProfiles")
            );
            if let Some(next) = p["@odata.nextLink"].as_str() {
                assert!(next.starts_with(&format!("{first}?")), "{next}");
                if !query.is_empty() {
                    assert!(next.contains(&query[1..]), "the link keeps $top: {next}");
                }
                assert_eq!(n, page_size, "only the last page is short");
            }
        }
        let ids: Vec<String> = items(&pages)
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(ids.len(), expected, "{query}");
        assert_eq!(unique.len(), expected, "{query}: duplicates");
    }
    // $count and a simple $filter.
    let (_, _, v) = graph_get(
        &format!("{first}?$count=true&$filter=controlCategory%20eq%20'Identity'"),
        Some(&at),
    )
    .await;
    let n = v["@odata.count"].as_u64().unwrap() as usize;
    assert!(n > 10);
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["controlCategory"] == "Identity")
    );
    // $top must be a positive number.
    for bad in ["0", "-1", "ten"] {
        let (status, _, v) = graph_get(&format!("{first}?$top={bad}"), Some(&at)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(v["error"]["code"], "BadRequest");
    }
}

#[tokio::test]
async fn the_profiles_look_like_a_real_tenants() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let profiles = h.profiles();
    let ids: HashSet<&str> = profiles.iter().filter_map(|p| p["id"].as_str()).collect();
    for id in [
        "AdminMFAV2",
        "MFARegistrationV2",
        "BlockLegacyAuthentication",
        "DLPEnabled",
        "mdo_safelinksforemail",
        "scid_2010",
    ] {
        assert!(ids.contains(id), "{id}");
    }
    let scid = profiles.iter().find(|p| p["id"] == "scid_2010").unwrap();
    assert_eq!(scid["service"], "MDATP");
    let field_set = |f: &str| -> HashSet<String> {
        profiles
            .iter()
            .map(|p| p[f].as_str().unwrap_or("").to_string())
            .collect()
    };
    let categories = field_set("controlCategory");
    for c in [
        "Identity",
        "Data",
        "Device",
        "Apps",
        "Infrastructure",
        "Account",
    ] {
        assert!(categories.contains(c), "{c}");
    }
    let tiers = field_set("tier");
    for t in [
        "Core",
        "core",
        "Defense in depth",
        "DefenseInDepth",
        "Advanced",
    ] {
        assert!(tiers.contains(t), "{t}");
    }
    for f in ["userImpact", "implementationCost"] {
        assert_eq!(
            field_set(f),
            HashSet::from(["Low", "Moderate", "High"].map(String::from))
        );
    }
    let deprecated = profiles.iter().filter(|p| p["deprecated"] == true).count();
    assert!((5..30).contains(&deprecated), "{deprecated}");
    let string_max = profiles
        .iter()
        .filter(|p| p["maxScore"].is_string())
        .count();
    assert!((1..10).contains(&string_max), "{string_max}");
    assert!(
        profiles
            .iter()
            .all(|p| p["maxScore"].is_number() || p["maxScore"].is_string())
    );
    assert!(
        profiles
            .iter()
            .all(|p| p["complianceInformation"].is_null())
    );
    let html: String = profiles
        .iter()
        .map(|p| format!("{}{}", p["remediation"], p["remediationImpact"]))
        .collect();
    for needle in ["<p>", "<a href=\\\"https://", "<br/>", "<ol><li>", "&amp;"] {
        assert!(html.contains(needle), "{needle}");
    }
    let mut states: HashMap<String, usize> = HashMap::new();
    for p in &profiles {
        let last = p["controlStateUpdates"].as_array().unwrap().last().unwrap();
        *states
            .entry(last["state"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for s in ["Default", "Ignored", "ThirdParty", "Reviewed"] {
        assert!(states.contains_key(s), "{s}: {states:?}");
    }
    assert!(states["Default"] > profiles.len() / 2);
    assert!(
        profiles
            .iter()
            .all(|p| p["vendorInformation"]["vendor"] == "Microsoft"
                && p["azureTenantId"] == MS_TENANT_ID
                && p["rank"].is_u64()
                && p["threats"].is_array()
                && p["actionUrl"].is_string())
    );

    // By id, and beta writes maxScore as a string.
    let (at, _) = tokens(&ms, MS_ADMIN).await;
    let (status, _, one) = graph_get(
        &format!("{base}/v1.0/security/secureScoreControlProfiles/AdminMFAV2"),
        Some(&at),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], "AdminMFAV2");
    assert!(one["maxScore"].is_number());
    let (_, _, beta) = graph_get(
        &format!("{base}/beta/security/secureScoreControlProfiles/AdminMFAV2"),
        Some(&at),
    )
    .await;
    assert_eq!(beta["maxScore"], "10");
    let (status, _, v) = graph_get(
        &format!("{base}/v1.0/security/secureScoreControlProfiles/NoSuchControl"),
        Some(&at),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["error"]["code"].is_string());
    let (status, _, v) = graph_get(&format!("{base}/v1.0/security/nothingHere"), Some(&at)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "BadRequest");
    let (status, _, _) = graph_req(
        Method::PATCH,
        &format!("{base}/v1.0/security/secureScoreControlProfiles/AdminMFAV2"),
        Some(&at),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn snapshots_are_unordered_and_the_newest_is_found_by_date() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, _) = tokens(&ms, MS_READER).await;
    assert_eq!(h.snapshot_count(), SNAPSHOT_DAYS);
    let pages = all_pages(&format!("{base}/v1.0/security/secureScores?$top=30"), &at).await;
    assert_eq!(pages.len(), 3);
    let snaps = items(&pages);
    assert_eq!(snaps.len(), SNAPSHOT_DAYS);
    let ids: HashSet<&str> = snaps.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids.len(), SNAPSHOT_DAYS);
    for s in &snaps {
        let id = s["id"].as_str().unwrap();
        let date = id.strip_prefix(&format!("{MS_TENANT_ID}_")).expect(id);
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{id}"
        );
        assert!(s["createdDateTime"].as_str().unwrap().starts_with(date));
    }
    let created: Vec<&str> = snaps
        .iter()
        .map(|s| s["createdDateTime"].as_str().unwrap())
        .collect();
    assert!(!created.is_sorted(), "not oldest first");
    assert!(!created.iter().rev().is_sorted(), "not newest first");
    let (newest_at, newest) = snaps
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| s["createdDateTime"].as_str().unwrap().to_string())
        .unwrap();
    assert!(
        newest_at != 0 && newest_at != snaps.len() - 1,
        "{newest_at}"
    );
    let yesterday = (h.now() - chrono::Duration::days(1)).format("%Y-%m-%d");
    assert_eq!(newest["id"], format!("{MS_TENANT_ID}_{yesterday}"));
    assert_eq!(h.newest_snapshot().unwrap(), *newest);
    // $top=1 is not "the newest": it is the first of many pages.
    let (_, _, one) = graph_get(
        &format!("{base}/v1.0/security/secureScores?$top=1"),
        Some(&at),
    )
    .await;
    assert_eq!(one["value"].as_array().unwrap().len(), 1);
    assert!(one["@odata.nextLink"].is_string());
    assert_ne!(one["value"][0]["id"], newest["id"]);

    // The newest snapshot: points add up; the join with the profiles is not 1:1.
    let scores = newest["controlScores"].as_array().unwrap();
    let sum: f64 = scores.iter().map(|c| c["score"].as_f64().unwrap()).sum();
    assert!((newest["currentScore"].as_f64().unwrap() - sum).abs() < 0.01);
    assert!(newest["maxScore"].as_f64().unwrap() > sum);
    for f in [
        "activeUserCount",
        "enabledServices",
        "averageComparativeScores",
        "vendorInformation",
    ] {
        assert!(!newest[f].is_null(), "{f}");
    }
    let profiles: HashSet<String> = h
        .profiles()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let names: Vec<&str> = scores
        .iter()
        .map(|c| c["controlName"].as_str().unwrap())
        .collect();
    for orphan in ORPHAN_CONTROLS {
        assert!(
            names.contains(&orphan) && !profiles.contains(orphan),
            "{orphan}"
        );
    }
    for unscored in UNSCORED_CONTROLS {
        assert!(
            profiles.contains(unscored) && !names.contains(&unscored),
            "{unscored}"
        );
    }
    assert_eq!(names.iter().filter(|n| **n == DUPLICATE_CONTROL).count(), 2);
    for c in scores {
        for f in [
            "controlCategory",
            "description",
            "scoreInPercentage",
            "implementationStatus",
            "lastSynced",
            "count",
            "total",
        ] {
            assert!(!c[f].is_null(), "{f} in {c}");
        }
        assert!(c["score"].is_number());
    }
    assert!(scores.iter().any(|c| c["count"].is_string()));
    assert!(scores.iter().any(|c| c["count"].is_number()));
    // Points move from day to day.
    let of = |s: &Value, name: &str| {
        s["controlScores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["controlName"] == name)
            .map(|c| c["score"].as_f64().unwrap())
    };
    let moved = ["MFARegistrationV2", "AdminMFAV2", "mde_onboarding"]
        .iter()
        .any(|n| {
            let values: HashSet<u64> = snaps
                .iter()
                .filter_map(|s| of(s, n))
                .map(f64::to_bits)
                .collect();
            values.len() > 1
        });
    assert!(moved);
    let totals: HashSet<u64> = snaps
        .iter()
        .map(|s| s["currentScore"].as_f64().unwrap().to_bits())
        .collect();
    assert!(totals.len() > 5);
}

#[tokio::test]
async fn set_control_score_changes_the_newest_snapshot_only() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, _) = tokens(&ms, MS_ADMIN).await;
    let before = h.newest_snapshot().unwrap();
    let max = h.control_max("AdminMFAV2");
    assert_eq!(max, 10.0);
    assert_eq!(
        h.control_max("OneAdmin"),
        1.0,
        "a string maxScore is parsed"
    );
    h.set_control_score("AdminMFAV2", max);
    let snaps = items(&all_pages(&format!("{base}/v1.0/security/secureScores"), &at).await);
    let newest = snaps.iter().find(|s| s["id"] == before["id"]).unwrap();
    let entry = newest["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["controlName"] == "AdminMFAV2")
        .unwrap();
    assert_eq!(entry["score"].as_f64(), Some(max));
    assert_eq!(entry["scoreInPercentage"].as_f64(), Some(100.0));
    let sum: f64 = newest["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .sum();
    assert!((newest["currentScore"].as_f64().unwrap() - sum).abs() < 0.01);
    let old_entry = before["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["controlName"] == "AdminMFAV2")
        .unwrap()["score"]
        .as_f64()
        .unwrap();
    let delta = newest["currentScore"].as_f64().unwrap() - before["currentScore"].as_f64().unwrap();
    assert!((delta - (max - old_entry)).abs() < 0.01, "{delta}");
    let others_before: Vec<Value> = h
        .snapshots()
        .into_iter()
        .filter(|s| s["id"] != before["id"])
        .collect();
    let others_now: Vec<&Value> = snaps.iter().filter(|s| s["id"] != before["id"]).collect();
    assert_eq!(others_now.len(), others_before.len());
    assert!(others_now.iter().zip(&others_before).all(|(a, b)| *a == b));
    // A profile the snapshot did not score gets an entry.
    h.set_control_score(UNSCORED_CONTROLS[0], 2.0);
    let newest = h.newest_snapshot().unwrap();
    let sum: f64 = newest["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .sum();
    assert!((newest["currentScore"].as_f64().unwrap() - sum).abs() < 0.01);
    assert!(
        newest["controlScores"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["controlName"] == UNSCORED_CONTROLS[0])
    );
}

#[tokio::test]
async fn graph_401_and_403_bodies() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let url = format!("{base}/v1.0/security/secureScores?$top=1");
    let crid = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    let check = |got: &(StatusCode, HeaderMap, Value), status: u16, code: &str| {
        let (s, headers, body) = got;
        assert_eq!(s.as_u16(), status, "{body}");
        let e = &body["error"];
        assert_eq!(e["code"], code, "{body}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
        let inner = &e["innerError"];
        assert!(
            chrono::NaiveDateTime::parse_from_str(
                inner["date"].as_str().unwrap(),
                "%Y-%m-%dT%H:%M:%S"
            )
            .is_ok(),
            "{inner}"
        );
        assert_eq!(
            inner["request-id"].as_str(),
            headers.get("request-id").and_then(|v| v.to_str().ok())
        );
        assert_eq!(inner["client-request-id"], crid);
    };
    let get = |token: Option<String>| {
        let url = url.clone();
        async move {
            graph_req(
                Method::GET,
                &url,
                token.as_deref(),
                &[("client-request-id", crid)],
            )
            .await
        }
    };
    let got = get(None).await;
    check(&got, 401, "InvalidAuthenticationToken");
    assert!(got.1.get("www-authenticate").is_some());
    check(
        &get(Some("not-a-token".into())).await,
        401,
        "InvalidAuthenticationToken",
    );

    let (at, _) = tokens(&ms, MS_READER).await;
    assert_eq!(get(Some(at.clone())).await.0, StatusCode::OK);
    h.expire_access_tokens();
    let got = get(Some(at)).await;
    check(&got, 401, "InvalidAuthenticationToken");
    assert!(
        got.2["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // Expired by the clock, too.
    let (at, _) = tokens(&ms, MS_READER).await;
    h.advance_clock(Duration::from_secs(3601));
    check(&get(Some(at)).await, 401, "InvalidAuthenticationToken");

    // A user without a role: 403.
    let (at, _) = tokens(&ms, MS_NO_ROLE).await;
    check(&get(Some(at)).await, 403, "Forbidden");
    // A token without the scope: 403.
    let scope = "openid profile offline_access User.Read";
    let s = sign_in_code(&base, MS_ADMIN, Consent::AcceptForMe, scope).await;
    let (status, body) = redeem(&base, &s, &[("scope", scope)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(
        &get(body["access_token"].as_str().map(String::from)).await,
        403,
        "Forbidden",
    );
}

#[tokio::test]
async fn throttling_answers_429_and_503_with_retry_after() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, _) = tokens(&ms, MS_READER).await;
    let url = format!("{base}/v1.0/security/secureScoreControlProfiles?$top=5");
    h.rate_limit_next(2, Some(7));
    for _ in 0..2 {
        let (status, headers, body) = graph_get(&url, Some(&at)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers.get("retry-after").unwrap(), "7");
        assert_eq!(body["error"]["code"], "TooManyRequests");
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }
    assert_eq!(graph_get(&url, Some(&at)).await.0, StatusCode::OK);
    h.unavailable_next(1, None);
    let (status, headers, _) = graph_get(&url, Some(&at)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.get("retry-after").is_none());
    assert_eq!(graph_get(&url, Some(&at)).await.0, StatusCode::OK);
    // Both queued: the 429 first, then the 503; throttling comes before auth.
    h.rate_limit_next(1, None);
    h.unavailable_next(1, Some(3));
    assert_eq!(graph_get(&url, None).await.0, StatusCode::TOO_MANY_REQUESTS);
    let (status, headers, _) = graph_get(&url, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers.get("retry-after").unwrap(), "3");
    assert_eq!(graph_get(&url, None).await.0, StatusCode::UNAUTHORIZED);
    let statuses: Vec<u16> = h
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 429, 200, 503, 200, 429, 503, 401]);
}

#[tokio::test]
async fn the_concurrency_counter_sees_requests_in_flight() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    let (at, _) = tokens(&ms, MS_READER).await;
    assert_eq!(h.max_concurrent_graph_requests(), 0);
    let url = format!("{base}/v1.0/security/secureScoreControlProfiles?$top=10");
    h.slow(Duration::from_millis(500));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (url, at) = (url.clone(), at.clone());
            tokio::spawn(async move { graph_get(&url, Some(&at)).await.0 })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(h.max_concurrent_graph_requests(), 6);
    assert_eq!(h.graph_requests_in_flight(), 0);

    // A client that keeps to 4 at a time is seen keeping to 4.
    h.reset_max_concurrent_graph_requests();
    let limit = Arc::new(tokio::sync::Semaphore::new(4));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (url, at, limit) = (url.clone(), at.clone(), limit.clone());
            tokio::spawn(async move {
                let _permit = limit.acquire().await.unwrap();
                graph_get(&url, Some(&at)).await.0
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(h.max_concurrent_graph_requests(), 4);
    h.slow(Duration::ZERO);
}

#[tokio::test]
async fn the_request_log_has_what_happened_and_no_secrets() {
    let ms = start().await;
    let (base, h) = (ms.base_url(), ms.handle());
    h.grant_admin_consent(MS_CLIENT_ID);
    h.clear_requests();
    let s = sign_in_code(&base, MS_ADMIN, Consent::Accept, MS_SCOPE).await;
    let (_, body) = redeem(&base, &s, &[]).await;
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    let at = body["access_token"].as_str().unwrap().to_string();
    refresh(&base, &rt).await;
    refresh(&base, "garbage").await;
    graph_get(
        &format!("{base}/v1.0/security/secureScores?$top=2"),
        Some(&at),
    )
    .await;
    let log = h.requests();
    let started = h.now() - chrono::Duration::minutes(5);
    assert!(log.iter().all(|r| r.at > started && r.at <= h.now()));
    let grants: Vec<(Option<&str>, u16, Option<u32>)> = log
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .map(|r| (r.grant_type.as_deref(), r.status, r.error_code))
        .collect();
    assert_eq!(
        grants,
        [
            (Some("authorization_code"), 200, None),
            (Some("refresh_token"), 200, None),
            (Some("refresh_token"), 400, Some(9002313)),
        ]
    );
    assert!(log.iter().any(|r| r.method == "GET"
        && r.path == "/v1.0/security/secureScores"
        && r.query.as_deref() == Some("$top=2")
        && r.status == 200));
    let text = format!("{log:?}");
    for secret in [s.verifier.as_str(), &rt, &at, MS_PASSWORD] {
        assert!(!text.contains(secret), "the log holds a secret");
    }
    // Secrets sent in a query string (as no client should) are not logged either.
    h.clear_requests();
    let leaky = format!("{base}/{MS_TENANT_ID}/oauth2/v2.0/token?refresh_token={rt}&client_id=x");
    client().post(&leaky).send().await.unwrap();
    let logged = h.requests().pop().unwrap().query.unwrap();
    assert_eq!(logged, "refresh_token=***&client_id=x");
    h.clear_requests();
    assert!(h.requests().is_empty());
}

#[tokio::test]
async fn an_empty_tenant_has_no_secure_score_data() {
    let ms = microsoft::start(MsConfig {
        seed: microsoft::MsSeed::Empty,
        access_token_lifetime: Duration::from_secs(600),
        ..MsConfig::default()
    })
    .await
    .unwrap();
    let (at, _) = tokens(&ms, MS_ADMIN).await;
    let handle: MsHandle = ms.handle();
    assert_eq!(handle.snapshot_count(), 0);
    let (status, _, v) = graph_get(
        &format!("{}/v1.0/security/secureScoreControlProfiles", ms.base_url()),
        Some(&at),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["value"], json!([]));
    assert!(v.get("@odata.nextLink").is_none());
    let body = demo_tokens(&ms.base_url(), MS_ADMIN, MS_PASSWORD, Consent::Accept).await;
    assert_eq!(body["expires_in"].as_u64(), Some(600));
    ms.shutdown().await;
}
