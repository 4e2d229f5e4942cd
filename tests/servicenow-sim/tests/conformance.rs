//! Conformance: every documented ServiceNow quirk the simulator promises,
//! checked over real HTTP on 127.0.0.1 (see shared/servicenow-api.md §1-3).

mod common;

use common::{Browser, client, form, location, query_param, start, text_of};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use servicenow_sim::{
    CLIENT_ID, CLIENT_SECRET, CROSS_SCOPE_MESSAGE, FULFILLER, INTEGRATION_USER, OAuthApp, PASSWORD,
    REDIRECT_URL, RunningSim, Scenario, Seed, s256,
};
use std::time::{Duration, Instant};

const STATE: &str = "st4te_Abc-123";
const FAILURE: &str = r#"{"error_description":"access_denied","error":"server_error"}"#;

fn auth_path(extra: &str) -> String {
    format!(
        "/oauth_auth.do?response_type=code&client_id={CLIENT_ID}&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state={STATE}{extra}"
    )
}

/// Log in on the page `html` shows and return the next response.
async fn login_on(browser: &mut Browser, html: &str, user: &str) -> reqwest::Response {
    browser
        .submit(
            html,
            "login_form",
            &[("user_name", user), ("user_password", PASSWORD)],
        )
        .await
}

/// Drive the whole browser flow as `user` and return the authorization code.
async fn authorize(base: &str, user: &str, extra: &str) -> String {
    let mut b = Browser::new(base);
    let page = b.get(&auth_path(extra)).await.text().await.unwrap();
    let resp = login_on(&mut b, &page, user).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let (resp, _) = b.follow(location(&resp)).await;
    let page = resp.text().await.unwrap();
    let resp = b.submit(&page, "allow_form", &[]).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = location(&resp);
    assert_eq!(query_param(&loc, "state").as_deref(), Some(STATE));
    query_param(&loc, "code").expect("code")
}

async fn token_call(base: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn exchange(base: &str, code: &str, extra: &[(&str, &str)]) -> (StatusCode, String) {
    let mut f = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URL),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    for (k, v) in extra {
        f.retain(|(key, _)| key != k);
        if !v.is_empty() {
            f.push((k, v));
        }
    }
    token_call(base, &f).await
}

/// A fresh access + refresh token for the integration user.
async fn tokens(sim: &RunningSim) -> (String, String) {
    let base = sim.base_url();
    let code = authorize(&base, INTEGRATION_USER, "").await;
    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    (
        v["access_token"].as_str().unwrap().into(),
        v["refresh_token"].as_str().unwrap().into(),
    )
}

async fn api(
    base: &str,
    method: reqwest::Method,
    path: &str,
    user: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = client()
        .request(method, format!("{base}{path}"))
        .basic_auth(user, Some(PASSWORD));
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn get_json(base: &str, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let resp = api(base, reqwest::Method::GET, path, "admin", None).await;
    let (status, headers) = (resp.status(), resp.headers().clone());
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn post(base: &str, table: &str, body: Value) -> Value {
    let resp = api(
        base,
        reqwest::Method::POST,
        &format!("/api/now/table/{table}"),
        "admin",
        Some(body),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json::<Value>().await.unwrap()["result"].clone()
}

fn error_body(message: &str, detail: Option<&str>) -> Value {
    json!({"error": {"message": message, "detail": detail}, "status": "failure"})
}

// ---------------------------------------------------------------- OAuth

#[tokio::test]
async fn missing_or_empty_state_shows_the_page_and_no_code() {
    let sim = start(Seed::Empty, vec![]).await;
    for q in [
        format!("/oauth_auth.do?response_type=code&client_id={CLIENT_ID}"),
        format!("/oauth_auth.do?response_type=code&client_id={CLIENT_ID}&state="),
    ] {
        let resp = client()
            .get(format!("{}{q}", sim.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().get(header::LOCATION).is_none());
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("Missing State parameter in request")
        );
    }
}

#[tokio::test]
async fn login_not_you_login_again_allow_then_exact_token_body() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let mut b = Browser::new(&base);
    let path = auth_path("");
    let login = b.get(&path).await.text().await.unwrap();
    assert!(
        login.contains("id=\"user_name\"")
            && login.contains("id=\"user_password\"")
            && login.contains("id=\"sysverb_login\"")
    );
    // The wrong person signs in first.
    let resp = login_on(&mut b, &login, "jane.doe").await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(
        location(&resp),
        path,
        "back to the same authorization request"
    );
    let approval = b.get(&path).await.text().await.unwrap();
    assert_eq!(
        text_of(&approval, "signed_in_user").as_deref(),
        Some("Jane Doe")
    );
    assert_eq!(
        text_of(&approval, "app_name").as_deref(),
        Some("Ticket Bridge")
    );
    assert!(approval.contains("id=\"allow\"") && approval.contains("id=\"deny\""));
    assert!(!approval.contains("<script"));
    // Not You? ends the session and shows the login page.
    let not_you = common::attr(common::element(&approval, "not_you").unwrap(), "href").unwrap();
    let resp = b.get(&not_you).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let (resp, _) = b.follow(location(&resp)).await;
    let login = resp.text().await.unwrap();
    assert!(login.contains("id=\"login_form\""));
    // The right person signs in and lands on the same request.
    let resp = login_on(&mut b, &login, INTEGRATION_USER).await;
    assert_eq!(location(&resp), path);
    let approval = b.get(&path).await.text().await.unwrap();
    assert_eq!(
        text_of(&approval, "signed_in_user").as_deref(),
        Some("Ticket Bridge Integration")
    );
    let resp = b.submit(&approval, "allow_form", &[]).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = location(&resp);
    assert!(loc.starts_with(&format!("{REDIRECT_URL}?code=")), "{loc}");
    assert_eq!(query_param(&loc, "state").as_deref(), Some(STATE));
    let code = query_param(&loc, "code").unwrap();

    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert!(body.starts_with("{\"access_token\":"), "{body}");
    assert_eq!(v["scope"], "useraccount");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1799);
    for k in ["access_token", "refresh_token"] {
        let t = v[k].as_str().unwrap();
        assert_eq!(t.len(), 86);
        assert!(
            t.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
    // The token acts as the user who allowed it.
    let me: Value = client()
        .get(format!("{base}/api/now/ui/user/current_user"))
        .bearer_auth(v["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["result"]["user_name"], INTEGRATION_USER);
    assert_eq!(
        me["result"]["user_display_name"],
        "Ticket Bridge Integration"
    );
    assert_eq!(
        me["result"]["user_sys_id"],
        sim.handle().user_sys_id(INTEGRATION_USER).unwrap()
    );
    // Codes are single use.
    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_keeps_the_session() {
    let sim = start(Seed::Empty, vec![]).await;
    let mut b = Browser::new(&sim.base_url());
    let page = b.get(&auth_path("")).await.text().await.unwrap();
    let resp = login_on(&mut b, &page, "admin").await;
    let (resp, _) = b.follow(location(&resp)).await;
    let approval = resp.text().await.unwrap();
    let resp = b.submit(&approval, "deny_form", &[]).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let loc = location(&resp);
    assert_eq!(
        loc,
        format!("{REDIRECT_URL}?error=access_denied&state={STATE}")
    );
    // Still signed in: the next request goes straight to approval.
    let again = b.get(&auth_path("")).await.text().await.unwrap();
    assert_eq!(
        text_of(&again, "signed_in_user").as_deref(),
        Some("System Administrator")
    );
}

#[tokio::test]
async fn unregistered_redirect_silently_uses_the_first_registered_url() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    sim.handle().add_oauth_app(OAuthApp {
        name: "Two URLs".into(),
        client_id: "two".into(),
        client_secret: Some("s".into()),
        redirect_urls: vec![
            "http://127.0.0.1:8765/callback".into(),
            "http://127.0.0.1:9000/cb".into(),
        ],
        pkce_required: false,
        issue_refresh_token: true,
    });
    let mut b = Browser::new(&base);
    let wrong = "http://127.0.0.1:9999/callback";
    let path = format!(
        "/oauth_auth.do?response_type=code&client_id=two&redirect_uri={}&state={STATE}",
        urlencode(wrong)
    );
    let page = b.get(&path).await.text().await.unwrap();
    let resp = login_on(&mut b, &page, "admin").await;
    let (resp, _) = b.follow(location(&resp)).await;
    let resp = b
        .submit(&resp.text().await.unwrap(), "allow_form", &[])
        .await;
    let loc = location(&resp);
    assert!(
        loc.starts_with("http://127.0.0.1:8765/callback?code="),
        "{loc}"
    );
    let code = query_param(&loc, "code").unwrap();
    // The token request must repeat the redirect_uri of the authorization request.
    let form = |redirect: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", "two"),
            ("client_secret", "s"),
        ]
    };
    let (status, body) = token_call(&base, &form("http://127.0.0.1:8765/callback")).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
    let (status, _) = token_call(&base, &form("http://127.0.0.1:9999/callback")).await;
    assert_eq!(status, StatusCode::OK);
    // A registered second URL is used as sent.
    let mut b = Browser::new(&base);
    let path = format!(
        "/oauth_auth.do?response_type=code&client_id=two&redirect_uri={}&state={STATE}",
        urlencode("http://127.0.0.1:9000/cb")
    );
    let page = b.get(&path).await.text().await.unwrap();
    let resp = login_on(&mut b, &page, "admin").await;
    let (resp, _) = b.follow(location(&resp)).await;
    let resp = b
        .submit(&resp.text().await.unwrap(), "allow_form", &[])
        .await;
    assert!(location(&resp).starts_with("http://127.0.0.1:9000/cb?code="));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn every_token_failure_is_the_same_401() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let code = authorize(&base, "admin", "").await;
    let failures: Vec<Vec<(&str, &str)>> = vec![
        vec![("client_secret", "wrong")],
        vec![("client_secret", "")],
        vec![("code", "not-a-code")],
        vec![("client_id", "nobody")],
        vec![("grant_type", "password")],
        vec![("grant_type", "")],
    ];
    for f in failures {
        let (status, body) = exchange(&base, &code, &f).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::UNAUTHORIZED, FAILURE),
            "{f:?}"
        );
    }
    // JSON body: refused.
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .json(&json!({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URL, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.unwrap(), FAILURE);
    // Parameters in the query string: refused.
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .query(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URL),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/json;charset=UTF-8"
    );
    // The code is still good after failures, and it expires after ~60 s.
    sim.handle().advance_clock(Duration::from_secs(61));
    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
    let code = authorize(&base, "admin", "").await;
    let (status, _) = exchange(&base, &code, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let counts = sim.handle().token_requests();
    assert_eq!(counts.get("authorization_code"), Some(&6));
    assert_eq!(
        counts.get(""),
        Some(&3),
        "no grant_type, JSON body, query parameters"
    );
    assert_eq!(counts.get("password"), Some(&1));
}

#[tokio::test]
async fn pkce_s256_is_verified_when_a_challenge_was_sent() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    assert_eq!(
        s256(verifier),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(verifier)
    );
    let code = authorize(&base, "admin", &extra).await;
    for bad in ["", "wrong-verifier-wrong-verifier-wrong-verifier"] {
        let (status, body) = exchange(&base, &code, &[("code_verifier", bad)]).await;
        assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
    }
    let (status, _) = exchange(&base, &code, &[("code_verifier", verifier)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn public_client_needs_pkce_and_gets_no_refresh_token() {
    let sim = start(Seed::Empty, vec![Scenario::PublicClient]).await;
    let base = sim.base_url();
    let verifier = "a-verifier-that-is-long-enough-for-the-rfc-7636-rules-0123456789";
    // Without a challenge the code cannot be redeemed.
    let code = authorize(&base, "admin", "").await;
    let (status, _) = exchange(&base, &code, &[("client_secret", "")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let extra = format!(
        "&code_challenge={}&code_challenge_method=S256",
        s256(verifier)
    );
    let code = authorize(&base, "admin", &extra).await;
    let (status, body) = exchange(
        &base,
        &code,
        &[("client_secret", ""), ("code_verifier", verifier)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v.get("refresh_token").is_none());
    assert_eq!(v["scope"], "useraccount");
}

#[tokio::test]
async fn refresh_tokens_are_not_rotated_and_revoke_expires_tokens() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (access, refresh) = tokens(&sim).await;
    let refresh_form = |rt: &str, secret: &str| {
        vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".into(), rt.to_string()),
            ("client_id".into(), CLIENT_ID.into()),
            ("client_secret".into(), secret.to_string()),
        ]
    };
    for _ in 0..2 {
        let resp = client()
            .post(format!("{base}/oauth_token.do"))
            .form(&refresh_form(&refresh, CLIENT_SECRET))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.unwrap();
        assert_ne!(v["access_token"], access.as_str());
        if let Some(rt) = v.get("refresh_token") {
            assert_eq!(rt, refresh.as_str(), "refresh tokens are not rotated");
        }
        assert_eq!(v["expires_in"], 1799);
    }
    assert!(h.is_token_active(&refresh) && h.is_token_active(&access));
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .form(&refresh_form(&refresh, "bad"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(h.token_requests().get("refresh_token"), Some(&3));

    // Revoke: 200, empty body, token expired.
    let resp = client()
        .get(format!("{base}/oauth_revoke_token.do"))
        .query(&[("token", &access)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "");
    assert!(!h.is_token_active(&access));
    let resp = client()
        .get(format!("{base}/api/now/table/incident"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()[header::WWW_AUTHENTICATE],
        "BASIC realm=\"Service-now\""
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        error_body(
            "User Not Authenticated",
            Some("Required to provide Auth information")
        )
    );
    client()
        .get(format!("{base}/oauth_revoke_token.do?token={refresh}"))
        .send()
        .await
        .unwrap();
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .form(&refresh_form(&refresh, CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), FAILURE);
}

#[tokio::test]
async fn access_tokens_expire_on_the_simulated_clock() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (access, refresh) = tokens(&sim).await;
    let call = |t: String| {
        let base = base.clone();
        async move {
            client()
                .get(format!("{base}/api/now/table/incident"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(call(access.clone()).await, StatusCode::OK);
    h.advance_clock(Duration::from_secs(1801));
    assert_eq!(call(access.clone()).await, StatusCode::UNAUTHORIZED);
    assert!(h.is_token_active(&refresh));
    h.revoke_all_tokens();
    assert!(!h.is_token_active(&refresh));
    assert_eq!(call("unknown-token".into()).await, StatusCode::UNAUTHORIZED);
    // Short-lived tokens.
    h.set_scenario(Scenario::ShortLivedTokens(Duration::from_secs(5)));
    let code = authorize(&base, "admin", "").await;
    let (_, body) = exchange(&base, &code, &[]).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["expires_in"], 4);
    let access = v["access_token"].as_str().unwrap().to_string();
    assert_eq!(call(access.clone()).await, StatusCode::OK);
    h.advance_clock(Duration::from_secs(6));
    assert_eq!(call(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sso_signs_in_the_same_person_and_local_login_still_works() {
    let sim = start(Seed::Empty, vec![Scenario::Sso]).await;
    let base = sim.base_url();
    let mut b = Browser::new(&base);
    let resp = b.get(&auth_path("")).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(location(&resp).starts_with("/sso/idp?"));
    let (resp, _) = b.follow(location(&resp)).await;
    let approval = resp.text().await.unwrap();
    assert_eq!(
        text_of(&approval, "signed_in_user").as_deref(),
        Some("Jane Doe")
    );
    // Not You? lands on the same person.
    let not_you = common::attr(common::element(&approval, "not_you").unwrap(), "href").unwrap();
    let (resp, _) = b.follow(not_you).await;
    let approval = resp.text().await.unwrap();
    assert_eq!(
        text_of(&approval, "signed_in_user").as_deref(),
        Some("Jane Doe")
    );
    // A local account at /login.do (or /side_door.do), then the request.
    for door in ["/login.do", "/side_door.do"] {
        let mut b = Browser::new(&base);
        let page = b.get(door).await.text().await.unwrap();
        let (action, _) = form(&page, "login_form");
        assert_eq!(action, door);
        let resp = login_on(&mut b, &page, INTEGRATION_USER).await;
        assert_eq!(location(&resp), "/navpage.do");
        let approval = b.get(&auth_path("")).await.text().await.unwrap();
        assert_eq!(
            text_of(&approval, "signed_in_user").as_deref(),
            Some("Ticket Bridge Integration")
        );
    }
}

#[tokio::test]
async fn wrong_password_shows_the_login_page_again() {
    let sim = start(Seed::Empty, vec![]).await;
    let mut b = Browser::new(&sim.base_url());
    let page = b.get("/login.do").await.text().await.unwrap();
    let resp = b
        .submit(
            &page,
            "login_form",
            &[("user_name", "admin"), ("user_password", "nope")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("User name or password invalid")
    );
}

// ---------------------------------------------------------------- Table API

#[tokio::test]
async fn records_are_all_strings_with_reference_objects_and_instance_headers() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let admin_id = sim.handle().user_sys_id("admin").unwrap();
    let resp = api(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        "admin",
        Some(json!({"short_description": "Hello", "impact": 2, "urgency": "2", "active": false})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let h = resp.headers().clone();
    assert_eq!(h[header::SERVER], "ServiceNow");
    assert_eq!(h[header::CONTENT_TYPE], "application/json;charset=UTF-8");
    assert!(h.contains_key("x-transaction-id"));
    assert!(
        h[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("JSESSIONID=")
    );
    let r = resp.json::<Value>().await.unwrap()["result"].clone();
    let id = r["sys_id"].as_str().unwrap().to_string();
    assert_eq!(
        h[header::LOCATION],
        format!("{base}/api/now/table/incident/{id}").as_str()
    );
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(r["number"], "INC0010001");
    for (k, v) in r.as_object().unwrap() {
        match k.as_str() {
            "opened_by" => assert_eq!(
                v,
                &json!({"link": format!("{base}/api/now/table/sys_user/{admin_id}"), "value": admin_id})
            ),
            _ => assert!(v.is_string(), "{k} = {v}"),
        }
    }
    assert_eq!(r["priority"], "3");
    assert_eq!(r["active"], "true", "active is computed from state");
    assert_eq!(r["state"], "1");
    assert_eq!(r["sys_mod_count"], "0");
    assert_eq!(r["sys_created_by"], "admin");
    assert_eq!(r["sys_class_name"], "incident");
    assert_eq!(r["assigned_to"], "");
    let date = r["sys_created_on"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{date}"
    );
    assert_eq!(r["opened_at"], r["sys_created_on"]);
    // Plain string references.
    let (_, _, v) = get_json(&base, &format!("/api/now/table/incident/{id}?sysparm_exclude_reference_link=true&sysparm_fields=opened_by,nonsense,number")).await;
    assert_eq!(
        v["result"],
        json!({"opened_by": admin_id, "number": "INC0010001"})
    );
    // Change numbering and defaults.
    let c = post(&base, "change_request", json!({"short_description": "c"})).await;
    assert_eq!(
        (
            c["number"].as_str(),
            c["state"].as_str(),
            c["type"].as_str()
        ),
        (Some("CHG0030001"), Some("-5"), Some("normal"))
    );
}

#[tokio::test]
async fn display_value_modes() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let beth = sim.handle().user_sys_id(FULFILLER).unwrap();
    let r = post(&base, "incident", json!({"short_description": "d", "impact": "1", "urgency": "1", "assigned_to": beth, "state": "2"})).await;
    let id = r["sys_id"].as_str().unwrap();
    let path = |mode: &str, extra: &str| {
        format!(
            "/api/now/table/incident/{id}?sysparm_display_value={mode}&sysparm_fields=state,priority,assigned_to,active,sys_class_name,impact{extra}"
        )
    };
    let (_, _, v) = get_json(&base, &path("true", "")).await;
    let link = format!("{base}/api/now/table/sys_user/{beth}");
    assert_eq!(
        v["result"],
        json!({"state": "In Progress", "priority": "1 - Critical", "assigned_to": {"display_value": "Beth Agent", "link": link}, "active": "true", "sys_class_name": "Incident", "impact": "1 - High"})
    );
    let (_, _, v) = get_json(&base, &path("true", "&sysparm_exclude_reference_link=true")).await;
    assert_eq!(v["result"]["assigned_to"], "Beth Agent");
    let (_, _, v) = get_json(&base, &path("all", "")).await;
    assert_eq!(
        v["result"]["state"],
        json!({"display_value": "In Progress", "value": "2"})
    );
    assert_eq!(
        v["result"]["priority"],
        json!({"display_value": "1 - Critical", "value": "1"})
    );
    assert_eq!(
        v["result"]["assigned_to"],
        json!({"display_value": "Beth Agent", "link": link, "value": beth})
    );
    let (_, _, v) = get_json(&base, &path("false", "")).await;
    assert_eq!(v["result"]["state"], "2");
    // Dot-walking one level.
    let (_, _, v) = get_json(
        &base,
        &format!("/api/now/table/incident/{id}?sysparm_fields=assigned_to.user_name"),
    )
    .await;
    assert_eq!(v["result"], json!({"assigned_to.user_name": FULFILLER}));
}

fn link_header(base: &str, table: &str, extra: &str, limit: usize, rels: &[(i64, &str)]) -> String {
    rels.iter()
        .map(|(o, rel)| format!("<{base}/api/now/table/{table}?{extra}sysparm_limit={limit}&sysparm_offset={o}>;rel=\"{rel}\""))
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test]
async fn paging_headers_and_exact_link_header() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    for i in 0..12 {
        post(
            &base,
            "incident",
            json!({"short_description": format!("p{i}")}),
        )
        .await;
    }
    let q = "sysparm_query=ORDERBYnumber&";
    let page = |offset: usize| {
        format!("/api/now/table/incident?{q}sysparm_limit=5&sysparm_offset={offset}")
    };
    let (_, h, v) = get_json(&base, &page(0)).await;
    assert_eq!(h["x-total-count"], "12");
    assert_eq!(v["result"].as_array().unwrap().len(), 5);
    assert_eq!(v["result"][0]["number"], "INC0010001");
    assert_eq!(
        h[header::LINK].to_str().unwrap(),
        link_header(
            &base,
            "incident",
            q,
            5,
            &[(0, "first"), (-1, "prev"), (5, "next"), (10, "last")]
        )
    );
    let (_, h, v) = get_json(&base, &page(5)).await;
    assert_eq!(v["result"][0]["number"], "INC0010006");
    assert_eq!(
        h[header::LINK].to_str().unwrap(),
        link_header(
            &base,
            "incident",
            q,
            5,
            &[(0, "first"), (0, "prev"), (10, "next"), (10, "last")]
        )
    );
    let (_, h, v) = get_json(&base, &page(10)).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 2);
    assert_eq!(
        h[header::LINK].to_str().unwrap(),
        link_header(
            &base,
            "incident",
            q,
            5,
            &[(0, "first"), (5, "prev"), (10, "last")]
        )
    );
    // Past the end: an empty list, still 200.
    let (status, _, v) = get_json(&base, &page(20)).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"result": []})));
    // Default limit 10000, no_count, suppress_pagination_header.
    let (_, h, v) = get_json(
        &base,
        "/api/now/table/incident?sysparm_no_count=true&sysparm_suppress_pagination_header=true",
    )
    .await;
    assert_eq!(v["result"].as_array().unwrap().len(), 12);
    assert!(h.get("x-total-count").is_none() && h.get(header::LINK).is_none());
    let (_, h, _) = get_json(&base, "/api/now/table/incident").await;
    assert!(
        h[header::LINK]
            .to_str()
            .unwrap()
            .contains("sysparm_limit=10000&sysparm_offset=0>;rel=\"first\"")
    );
}

#[tokio::test]
async fn query_operators() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    for (sd, impact, cat) in [
        ("Enable MFA for admins", "1", "Identity"),
        ("Block legacy auth", "2", "Identity"),
        ("Turn on DLP", "3", "Data"),
        ("enable audit", "2", "data"),
    ] {
        post(
            &base,
            "incident",
            json!({"short_description": sd, "impact": impact, "urgency": "3", "category": cat}),
        )
        .await;
    }
    let numbers = |q: &'static str| {
        let base = base.clone();
        async move {
            let (_, _, v) = get_json(
                &base,
                &format!(
                    "/api/now/table/incident?sysparm_fields=number&sysparm_query={}",
                    urlencode(q)
                ),
            )
            .await;
            v["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["number"].as_str().unwrap()[7..].to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let cases = [
        ("category=Identity", "001,002"),
        ("category!=Identity", "003,004"),
        ("category=data", "004"),
        ("impactIN1,3", "001,003"),
        ("short_descriptionSTARTSWITHEnable", "001"),
        ("short_descriptionLIKEable", "001,004"),
        ("short_descriptionLIKEmfa", ""),
        ("impact>1", "002,003,004"),
        ("impact>=2", "002,003,004"),
        ("impact<2", "001"),
        ("impact<=2", "001,002,004"),
        ("category=Identity^impact=2", "002"),
        ("impact=1^ORimpact=3", "001,003"),
        ("category=Data^ORcategory=data^impact=2", "004"),
        ("ORDERBYDESCnumber", "004,003,002,001"),
        ("ORDERBYimpact^ORDERBYDESCnumber", "001,004,002,003"),
        ("bogus_field=1^impact=2", "002,004"),
        ("impact~~2", "001,002,003,004"),
        ("sys_class_nameINincident,change_request^impact=3", "003"),
    ];
    for (q, want) in cases {
        assert_eq!(numbers(q).await, want, "query {q}");
    }
    // javascript:gs.getUserID()
    let (_, _, v) = get_json(&base, "/api/now/table/sys_user?sysparm_query=sys_id=javascript:gs.getUserID()&sysparm_fields=sys_id,user_name,name,email").await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1);
    assert_eq!(v["result"][0]["user_name"], "admin");
    // Incremental sync with a plain UTC literal.
    let (_, _, v) = get_json(&base, "/api/now/table/task?sysparm_query=sys_updated_on>=2000-01-01 00:00:00^ORDERBYsys_updated_on&sysparm_fields=number,sys_class_name").await;
    assert_eq!(v["result"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn write_rules_priority_choices_state_and_journal() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let r = post(&base, "incident", json!({"short_description": "x".repeat(200), "impact": "2", "urgency": "3", "priority": "1", "state": "42", "correlation_id": "y".repeat(120)})).await;
    assert_eq!(
        r["priority"], "4",
        "priority is computed, the written one ignored"
    );
    assert_eq!(r["state"], "1", "an invalid choice is left unset");
    assert_eq!(r["short_description"].as_str().unwrap().len(), 160);
    assert_eq!(r["correlation_id"].as_str().unwrap().len(), 100);
    let id = r["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/incident/{id}");
    let resp = api(&base, reqwest::Method::PATCH, &path, "admin", Some(json!({"impact": "9", "urgency": "1", "comments": "Customer note", "work_notes": "Internal note"}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let r = resp.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        (
            r["impact"].as_str(),
            r["urgency"].as_str(),
            r["priority"].as_str()
        ),
        (Some("2"), Some("1"), Some("2"))
    );
    assert_eq!(
        (r["comments"].as_str(), r["work_notes"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(r["sys_mod_count"], "1");
    let (_, _, v) = get_json(
        &base,
        &format!("/api/now/table/sys_journal_field?sysparm_query=element_id={id}^ORDERBYelement"),
    )
    .await;
    let rows = v["result"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0]["element"].as_str(),
            rows[0]["value"].as_str(),
            rows[0]["sys_created_by"].as_str()
        ),
        (Some("comments"), Some("Customer note"), Some("admin"))
    );
    assert_eq!(rows[1]["element"], "work_notes");
    assert!(rows[1]["sys_created_on"].as_str().unwrap().len() == 19);
    // Closing makes it inactive; PUT behaves like PATCH.
    let resp = api(
        &base,
        reqwest::Method::PUT,
        &path,
        "admin",
        Some(json!({"state": "7"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let r = resp.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        (
            r["state"].as_str(),
            r["active"].as_str(),
            r["sys_mod_count"].as_str()
        ),
        (Some("7"), Some("false"), Some("2"))
    );
    // Choice labels are readable from sys_choice.
    let (_, _, v) = get_json(&base, "/api/now/table/sys_choice?sysparm_query=name=incident^element=state^inactive=false&sysparm_fields=label,value,language").await;
    let labels: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "New",
            "In Progress",
            "On Hold",
            "Resolved",
            "Closed",
            "Canceled"
        ]
    );
    assert_eq!(v["result"][0]["language"], "en");
    let (_, _, v) = get_json(&base, "/api/now/table/sys_choice?sysparm_query=name=change_request^element=type&sysparm_fields=value").await;
    assert_eq!(v["result"].as_array().unwrap().len(), 3);
    // DELETE: 204 without a body, then 404.
    let resp = api(&base, reqwest::Method::DELETE, &path, "admin", None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.text().await.unwrap(), "");
    let (status, _, v) = get_json(&base, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        v,
        error_body(
            "No Record found",
            Some("Record doesn't exist or ACL restricts the record retrieval")
        )
    );
}

#[tokio::test]
async fn error_bodies_and_statuses() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let missing = "/api/now/table/incident/0123456789abcdef0123456789abcdef";
    let not_found = error_body(
        "No Record found",
        Some("Record doesn't exist or ACL restricts the record retrieval"),
    );
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let body = (method == reqwest::Method::PATCH).then(|| json!({"state": "2"}));
        let resp = api(&base, method.clone(), missing, "admin", body).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method}");
        assert_eq!(resp.json::<Value>().await.unwrap(), not_found);
    }
    let (status, _, v) = get_json(&base, "/api/now/table/problem").await;
    assert_eq!(
        (status, v),
        (
            StatusCode::BAD_REQUEST,
            error_body("Invalid table problem", None)
        )
    );
    let resp = client()
        .post(format!("{base}/api/now/table/incident"))
        .basic_auth("admin", Some(PASSWORD))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        error_body(
            "Exception while reading request",
            Some("Verify Request body and Content-type headers. Not able to parse request")
        )
    );
    for (user, pass) in [("admin", "wrong"), ("nobody", PASSWORD)] {
        let resp = client()
            .get(format!("{base}/api/now/table/incident"))
            .basic_auth(user, Some(pass))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = client()
        .get(format!("{base}/api/now/table/incident"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()[header::WWW_AUTHENTICATE],
        "BASIC realm=\"Service-now\""
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        error_body(
            "User Not Authenticated",
            Some("Required to provide Auth information")
        )
    );
}

#[tokio::test]
async fn fulfiller_update_over_basic_auth_bumps_mod_count() {
    let sim = start(Seed::Demo, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (token, _) = tokens(&sim).await;
    let created = client()
        .post(format!("{base}/api/now/table/incident"))
        .bearer_auth(&token)
        .json(&json!({"short_description": "Secure Score: Turn on MFA", "correlation_id": "tb1/t/AdminMFAV2/0a1b2c3d", "correlation_display": "Ticket Bridge"}))
        .send()
        .await
        .unwrap();
    let r = created.json::<Value>().await.unwrap()["result"].clone();
    let id = r["sys_id"].as_str().unwrap().to_string();
    assert_eq!(
        r["opened_by"]["value"],
        h.user_sys_id(INTEGRATION_USER).unwrap()
    );
    assert_eq!(r["sys_created_by"], INTEGRATION_USER);
    h.advance_clock(Duration::from_secs(120));
    let resp = api(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/now/table/incident/{id}"),
        FULFILLER,
        Some(json!({"state": "2"})),
    )
    .await;
    let r = resp.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        (r["sys_mod_count"].as_str(), r["sys_updated_by"].as_str()),
        (Some("1"), Some(FULFILLER))
    );
    assert!(r["sys_updated_on"].as_str().unwrap() > r["sys_created_on"].as_str().unwrap());
    // The handle does what a fulfiller does too.
    assert!(h.update_record("incident", &id, json!({"state": "3"})));
    let stored = h.record("incident", &id).unwrap();
    assert_eq!(
        (stored["state"].as_str(), stored["sys_mod_count"].as_str()),
        (Some("3"), Some("2"))
    );
    let other = h
        .insert_record("incident", json!({"short_description": "By hand"}))
        .unwrap();
    assert_eq!(
        h.record("incident", &other).unwrap()["sys_created_by"],
        FULFILLER
    );
    // The request log saw Bearer and Basic.
    let kinds: Vec<_> = h
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(|r| (r.method.clone(), r.status, r.authorization_kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "POST".into(),
                201,
                servicenow_sim::AuthorizationKind::Bearer
            ),
            (
                "PATCH".into(),
                200,
                servicenow_sim::AuthorizationKind::Basic
            )
        ]
    );
    assert!(
        h.requests()
            .iter()
            .all(|r| r.status != 201 || r.bytes_out > 0)
    );
}

#[tokio::test]
async fn demo_seed_and_the_moving_ticket() {
    let sim = start(Seed::Demo, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (_, hd, v) = get_json(&base, "/api/now/table/task?sysparm_query=sys_class_nameINincident,change_request^correlation_display=Ticket%20Bridge&sysparm_fields=number,correlation_id,sys_class_name,due_date,active").await;
    let rows = v["result"].as_array().unwrap();
    assert!(rows.len() >= 30, "{}", rows.len());
    assert_eq!(hd["x-total-count"], rows.len().to_string().as_str());
    for r in rows {
        let corr = r["correlation_id"].as_str().unwrap();
        let parts: Vec<&str> = corr.split('/').collect();
        assert_eq!(parts.len(), 4, "{corr}");
        assert_eq!(
            (parts[0], parts[1], parts[3].len()),
            ("tb1", servicenow_sim::seed::DEMO_TENANT, 8)
        );
    }
    assert!(
        rows.iter().any(|r| r["sys_class_name"] == "change_request")
            && rows.iter().any(|r| r["sys_class_name"] == "incident")
    );
    let (_, _, all) = get_json(&base, "/api/now/table/task").await;
    assert!(
        all["result"].as_array().unwrap().len() > rows.len(),
        "some tickets are not from Ticket Bridge"
    );
    let moving = h.moving_ticket().unwrap();
    let before = h.record("incident", &moving).unwrap();
    assert_eq!(h.tick_moving_ticket().as_deref(), Some("2"));
    let after = h.record("incident", &moving).unwrap();
    assert_eq!(after["state"], "2");
    let count = |r: &Value| r["sys_mod_count"].as_str().unwrap().parse::<u32>().unwrap();
    assert_eq!(count(&after), count(&before) + 1);
    // The release property.
    let (_, _, v) = get_json(
        &base,
        "/api/now/table/sys_properties?sysparm_query=name=glide.buildname&sysparm_fields=value",
    )
    .await;
    assert_eq!(v["result"], json!([{"value": "Zurich"}]));
}

// ---------------------------------------------------------------- Scenarios

#[tokio::test]
async fn scenario_ip_blocked() {
    let sim = start(Seed::Empty, vec![Scenario::IpBlocked]).await;
    let base = sim.base_url();
    for path in ["/api/now/table/incident", "/oauth_auth.do", "/login.do"] {
        let resp = api(&base, reqwest::Method::GET, path, "admin", None).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert!(
            resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let (status, _) = token_call(&base, &[("grant_type", "refresh_token")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    sim.handle().clear_scenario("ip-blocked");
    assert_eq!(
        api(
            &base,
            reqwest::Method::GET,
            "/api/now/table/incident",
            "admin",
            None
        )
        .await
        .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn scenario_cross_scope_denied() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let code = authorize(&base, "admin", "").await;
    sim.handle().set_scenario(Scenario::CrossScopeDenied);
    let page = client()
        .get(format!("{base}{}", auth_path("")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The page shows the message (HTML-escaped, as any page text).
    assert_eq!(
        text_of(&page, "error_message").as_deref(),
        Some(CROSS_SCOPE_MESSAGE)
    );
    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
    let (status, _, v) = get_json(&base, "/api/now/table/incident").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["message"], CROSS_SCOPE_MESSAGE);
    assert_eq!(v["status"], "failure");
}

#[tokio::test]
async fn scenario_acl_deny_insert_and_server_error() {
    let sim = start(Seed::Empty, vec![Scenario::AclDenyInsert]).await;
    let base = sim.base_url();
    let resp = api(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        "admin",
        Some(json!({"short_description": "x"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        error_body(
            "Operation Failed",
            Some("ACL Exception Insert Failed due to security constraints")
        )
    );
    assert!(sim.handle().records("incident").is_empty());
    sim.handle().set_scenario(Scenario::ServerError);
    let (status, _, v) = get_json(&base, "/api/now/table/incident").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["status"], "failure");
    assert!(v["error"]["message"].is_string());
}

#[tokio::test]
async fn scenario_rate_limit() {
    let sim = start(
        Seed::Empty,
        vec![Scenario::RateLimit {
            retry_after_secs: 30,
        }],
    )
    .await;
    let base = sim.base_url();
    let now = sim.handle().now().timestamp();
    for path in ["/api/now/table/incident", "/api/now/ui/user/current_user"] {
        let resp = api(&base, reqwest::Method::GET, path, "admin", None).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let h = resp.headers().clone();
        assert_eq!(h[header::RETRY_AFTER], "30");
        assert!(h.contains_key("x-ratelimit-limit"));
        let reset: i64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!(reset >= now + 30);
        let v = resp.json::<Value>().await.unwrap();
        assert_eq!(v["error"]["message"], "Rate limit exceeded");
        assert_eq!(v["status"], "failure");
    }
}

#[tokio::test]
async fn scenario_slow_delays_responses() {
    let sim = start(
        Seed::Empty,
        vec![Scenario::Slow(Duration::from_millis(300))],
    )
    .await;
    let started = Instant::now();
    let resp = api(
        &sim.base_url(),
        reqwest::Method::GET,
        "/api/now/table/incident",
        "admin",
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn scenario_drop_after_write_persists_then_cuts_the_connection() {
    let sim = start(Seed::Empty, vec![Scenario::DropAfterWrite]).await;
    let base = sim.base_url();
    let outcome = async {
        let resp = client()
            .post(format!("{base}/api/now/table/incident"))
            .basic_auth("admin", Some(PASSWORD))
            .json(
                &json!({"short_description": "lost answer", "correlation_id": "tb1/t/X/12345678"}),
            )
            .send()
            .await?;
        resp.text().await
    }
    .await;
    assert!(
        outcome.is_err(),
        "the client must not get an answer: {outcome:?}"
    );
    let rows = sim.handle().records("incident");
    assert_eq!(rows.len(), 1, "the record was created");
    let id = rows[0]["sys_id"].as_str().unwrap().to_string();
    let patched = client()
        .patch(format!("{base}/api/now/table/incident/{id}"))
        .basic_auth("admin", Some(PASSWORD))
        .json(&json!({"state": "2"}))
        .send()
        .await;
    assert!(patched.is_err());
    assert_eq!(sim.handle().record("incident", &id).unwrap()["state"], "2");
    // Reads still answer, so the client can look the correlation id up.
    let (status, _, v) = get_json(
        &base,
        "/api/now/table/incident?sysparm_query=correlation_id=tb1/t/X/12345678",
    )
    .await;
    assert_eq!(
        (status, v["result"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
}

#[tokio::test]
async fn scenario_malformed_json() {
    let sim = start(Seed::Demo, vec![Scenario::MalformedJson]).await;
    let resp = api(
        &sim.base_url(),
        reqwest::Method::GET,
        "/api/now/table/incident?sysparm_limit=3",
        "admin",
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("{\"result\":["));
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn scenario_release() {
    let sim = start(Seed::Empty, vec![Scenario::Release(Some("Xanadu".into()))]).await;
    let base = sim.base_url();
    let path = "/api/now/table/sys_properties?sysparm_query=name=glide.buildname&sysparm_fields=name,value";
    let (_, _, v) = get_json(&base, path).await;
    assert_eq!(
        v["result"],
        json!([{"name": "glide.buildname", "value": "Xanadu"}])
    );
    sim.handle().set_scenario("release=none".parse().unwrap());
    let (status, _, v) = get_json(&base, path).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"result": []})));
    assert_eq!(sim.handle().scenarios(), vec![Scenario::Release(None)]);
}

#[tokio::test]
async fn scenario_names_parse() {
    for (name, want) in [
        ("sso", Scenario::Sso),
        ("ip-blocked", Scenario::IpBlocked),
        ("cross-scope-denied", Scenario::CrossScopeDenied),
        ("release=Zurich", Scenario::Release(Some("Zurich".into()))),
        ("release=none", Scenario::Release(None)),
        ("acl-deny-insert", Scenario::AclDenyInsert),
        (
            "rate-limit",
            Scenario::RateLimit {
                retry_after_secs: 60,
            },
        ),
        ("server-error", Scenario::ServerError),
        ("slow", Scenario::Slow(Duration::from_secs(2))),
        ("drop-after-write", Scenario::DropAfterWrite),
        ("malformed-json", Scenario::MalformedJson),
        (
            "short-lived-tokens",
            Scenario::ShortLivedTokens(Duration::from_secs(60)),
        ),
        ("public-client", Scenario::PublicClient),
        (
            "error-after-write",
            Scenario::ErrorAfterWrite { status: 500 },
        ),
        (
            "error-after-write=504",
            Scenario::ErrorAfterWrite { status: 504 },
        ),
        (
            "hide-field=correlation_id",
            Scenario::HideField("correlation_id".into()),
        ),
        (
            "ignore-query-field=correlation_id",
            Scenario::IgnoreQueryField("correlation_id".into()),
        ),
        ("bad-sys-ids", Scenario::BadSysIds),
        (
            "rate-limit-date",
            Scenario::RateLimitDate {
                retry_after_secs: 60,
            },
        ),
        (
            "rate-limit-date=5",
            Scenario::RateLimitDate {
                retry_after_secs: 5,
            },
        ),
        (
            "rate-limit=18446744073709551615",
            Scenario::RateLimit {
                retry_after_secs: u64::MAX,
            },
        ),
        ("revoke-fails", Scenario::RevokeFails),
        ("refuse-refresh", Scenario::RefuseRefresh),
        (
            "chaos=42",
            Scenario::Chaos {
                seed: 42,
                percent: 30,
            },
        ),
        (
            "chaos=42:100",
            Scenario::Chaos {
                seed: 42,
                percent: 100,
            },
        ),
    ] {
        assert_eq!(name.parse::<Scenario>().unwrap(), want);
        // Display gives a name that parses back to the same scenario.
        assert_eq!(want.to_string().parse::<Scenario>().unwrap(), want);
        assert!(
            Scenario::catalog()
                .iter()
                .any(|(n, _)| n.split(['=', '[']).next() == Some(want.key())),
            "{} is in --help",
            want.key()
        );
    }
    for bad in [
        "error-after-write=404",
        "hide-field",
        "hide-field=Bad Name",
        "ignore-query-field=",
        "rate-limit-date=soon",
        "rate-limit=18446744073709551616",
        "chaos",
        "chaos=1:150",
        "revoke-fails=1",
        "refuse-refresh=yes",
    ] {
        assert!(bad.parse::<Scenario>().is_err(), "{bad} should not parse");
    }
}

// ------------------------------------------------- Scenarios: faults of writes

const SERVER_ERROR_DETAIL: &str =
    "The server encountered an unexpected condition that prevented it from fulfilling the request";

/// A request with Basic auth as `user`; the body is JSON when given.
async fn send_as(
    base: &str,
    method: reqwest::Method,
    path: &str,
    user: &str,
    body: Option<Value>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = api(base, method, path, user, body).await;
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.text().await.unwrap())
}

fn content_type(h: &reqwest::header::HeaderMap) -> &str {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn scenario_error_after_write_persists_then_answers_the_status() {
    let sim = start(
        Seed::Empty,
        vec!["error-after-write".parse::<Scenario>().unwrap()],
    )
    .await;
    let base = sim.base_url();
    let h = sim.handle();
    // POST: 500 with the error envelope, no Location, and the record exists.
    let (status, headers, body) = send_as(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        "admin",
        Some(json!({"short_description": "stored anyway", "correlation_id": "tb1/eaw/1"})),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(content_type(&headers), "application/json;charset=UTF-8");
    assert!(headers.get(header::LOCATION).is_none());
    assert_eq!(headers[header::SERVER], "ServiceNow");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        error_body("Internal Server Error", Some(SERVER_ERROR_DETAIL))
    );
    let rows = h.records("incident");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["short_description"], "stored anyway");
    assert_eq!(rows[0]["correlation_id"], "tb1/eaw/1");
    let id = rows[0]["sys_id"].as_str().unwrap().to_string();
    // PATCH and PUT: 500, and the change is stored.
    for (method, state, count) in [
        (reqwest::Method::PATCH, "2", "1"),
        (reqwest::Method::PUT, "3", "2"),
    ] {
        let (status, _, body) = send_as(
            &base,
            method,
            &format!("/api/now/table/incident/{id}"),
            "admin",
            Some(json!({"state": state})),
        )
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            error_body("Internal Server Error", Some(SERVER_ERROR_DETAIL))
        );
        let rec = h.record("incident", &id).unwrap();
        assert_eq!(
            (&rec["state"], &rec["sys_mod_count"]),
            (&json!(state), &json!(count))
        );
    }
    // Reads are untouched.
    let (status, _, v) = get_json(&base, &format!("/api/now/table/incident/{id}")).await;
    assert_eq!(
        (status, &v["result"]["state"]),
        (StatusCode::OK, &json!("3"))
    );
    // A PATCH of nothing is still a plain 404 (nothing was written).
    let (status, _, body) = send_as(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/now/table/incident/{}", "f".repeat(32)),
        "admin",
        Some(json!({"state": "2"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        error_body(
            "No Record found",
            Some("Record doesn't exist or ACL restricts the record retrieval")
        )
    );

    // 504: the load balancer's HTML page, none of the instance's headers.
    h.set_scenario(Scenario::ErrorAfterWrite { status: 504 });
    let (status, headers, body) = send_as(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        "admin",
        Some(json!({"short_description": "timed out", "correlation_id": "tb1/eaw/2"})),
    )
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(
        content_type(&headers).starts_with("text/html"),
        "{headers:?}"
    );
    assert!(
        body.contains("<title>504 Gateway Time-out</title>"),
        "{body}"
    );
    assert!(serde_json::from_str::<Value>(&body).is_err());
    for name in [header::SERVER, header::SET_COOKIE, header::LOCATION] {
        assert!(headers.get(&name).is_none(), "{name} on the gateway page");
    }
    assert!(headers.get("x-transaction-id").is_none());
    assert_eq!(h.requests().last().map(|r| r.status), Some(504));
    assert_eq!(h.records("incident").len(), 2);
    let (status, _, _) = send_as(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/now/table/incident/{id}"),
        "admin",
        Some(json!({"work_notes": "noted"})),
    )
    .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let (_, _, v) = get_json(
        &base,
        &format!("/api/now/table/sys_journal_field?sysparm_query=element_id={id}"),
    )
    .await;
    assert_eq!(v["result"][0]["value"], "noted");

    h.clear_scenario("error-after-write");
    let (status, headers, _) = send_as(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        "admin",
        Some(json!({"short_description": "fine"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(headers.contains_key(header::LOCATION));
}

// ------------------------------------------- Scenarios: fields and queries

/// Two incidents with correlation ids, created by the admin; their sys_ids.
async fn two_correlated_incidents(base: &str) -> (String, String) {
    let a = post(
        base,
        "incident",
        json!({"short_description": "first", "correlation_id": "tb1/a", "correlation_display": "Ticket Bridge"}),
    )
    .await;
    let b = post(
        base,
        "incident",
        json!({"short_description": "second", "correlation_id": "tb1/b", "correlation_display": "Ticket Bridge"}),
    )
    .await;
    (
        a["sys_id"].as_str().unwrap().into(),
        b["sys_id"].as_str().unwrap().into(),
    )
}

async fn get_as(
    base: &str,
    user: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let (status, headers, body) = send_as(base, reqwest::Method::GET, path, user, None).await;
    (
        status,
        headers,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    )
}

fn short_descriptions(v: &Value) -> Vec<&str> {
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["short_description"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn scenario_hide_field_is_a_read_acl_that_drops_queries_on_it() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (a, b) = two_correlated_incidents(&base).await;
    // b's parent is a, for the dot-walk.
    assert!(h.update_record("incident", &b, json!({"parent": a})));
    h.set_scenario("hide-field=correlation_id".parse().unwrap());
    let me = INTEGRATION_USER;
    let list = "/api/now/table/incident?sysparm_query=ORDERBYnumber";

    // Left out of every record, in every display mode...
    for mode in ["false", "true", "all"] {
        let (status, _, v) =
            get_as(&base, me, &format!("{list}&sysparm_display_value={mode}")).await;
        assert_eq!(status, StatusCode::OK);
        let rows = v["result"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for r in rows {
            assert!(r.get("correlation_id").is_none(), "{mode}: {r}");
            assert!(
                r.get("correlation_display").is_some(),
                "only the named field"
            );
            assert!(r.get("short_description").is_some());
        }
    }
    // ...even when sysparm_fields names it, or dot-walks to it...
    let (_, _, v) = get_as(
        &base,
        me,
        &format!("{list}&sysparm_fields=number,correlation_id,parent.correlation_id,parent.number"),
    )
    .await;
    assert_eq!(
        v["result"],
        json!([{"number": "INC0010001", "parent.number": ""}, {"number": "INC0010002", "parent.number": "INC0010001"}])
    );
    // ...and from the single record.
    let (status, _, v) = get_as(
        &base,
        me,
        &format!("/api/now/table/incident/{a}?sysparm_fields=correlation_id"),
    )
    .await;
    assert_eq!((status, v), (StatusCode::OK, json!({"result": {}})));
    let (_, _, v) = get_as(&base, me, &format!("/api/now/table/task/{a}")).await;
    assert!(v["result"].get("correlation_id").is_none());
    assert_eq!(v["result"]["short_description"], "first");

    // A condition on it is dropped; the rest of the query still applies.
    let (_, headers, v) = get_as(
        &base,
        me,
        "/api/now/table/incident?sysparm_query=correlation_id=tb1/a^ORDERBYnumber",
    )
    .await;
    assert_eq!(short_descriptions(&v), ["first", "second"]);
    assert_eq!(headers["x-total-count"], "2");
    let (_, _, v) = get_as(
        &base,
        me,
        "/api/now/table/incident?sysparm_query=correlation_id=tb1/a^short_description=second",
    )
    .await;
    assert_eq!(short_descriptions(&v), ["second"]);
    let (_, _, v) = get_as(
        &base,
        me,
        "/api/now/table/incident?sysparm_query=short_description=first^ORcorrelation_id=tb1/b",
    )
    .await;
    assert_eq!(short_descriptions(&v), ["first"]);
    let (_, _, v) = get_as(
        &base,
        me,
        "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHnothing^ORDERBYDESCcorrelation_id^ORDERBYnumber",
    )
    .await;
    assert_eq!(
        short_descriptions(&v),
        ["first", "second"],
        "ORDERBY on it dropped too"
    );

    // Writes still store it (and their answers do not show it).
    let resp = api(
        &base,
        reqwest::Method::POST,
        "/api/now/table/incident",
        me,
        Some(json!({"short_description": "third", "correlation_id": "tb1/c"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created = resp.json::<Value>().await.unwrap()["result"].clone();
    assert!(created.get("correlation_id").is_none(), "{created}");
    let c = created["sys_id"].as_str().unwrap();
    assert_eq!(h.record("incident", c).unwrap()["correlation_id"], "tb1/c");
    let (status, _, body) = send_as(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/now/table/incident/{a}"),
        me,
        Some(json!({"correlation_id": "tb1/a2"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        serde_json::from_str::<Value>(&body).unwrap()["result"]
            .get("correlation_id")
            .is_none()
    );
    assert_eq!(
        h.record("incident", &a).unwrap()["correlation_id"],
        "tb1/a2"
    );

    // The admin (ACLs' "Admin overrides") still reads and queries it.
    let (_, _, v) = get_as(
        &base,
        "admin",
        "/api/now/table/incident?sysparm_query=correlation_id=tb1/c&sysparm_fields=short_description,correlation_id",
    )
    .await;
    assert_eq!(
        v["result"],
        json!([{"short_description": "third", "correlation_id": "tb1/c"}])
    );

    h.clear_scenario("hide-field");
    let (_, _, v) = get_as(
        &base,
        me,
        "/api/now/table/incident?sysparm_query=correlation_id=tb1/a2&sysparm_fields=correlation_id",
    )
    .await;
    assert_eq!(v["result"], json!([{"correlation_id": "tb1/a2"}]));
}

#[tokio::test]
async fn scenario_ignore_query_field_drops_only_its_conditions() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    two_correlated_incidents(&base).await;
    h.set_scenario(Scenario::IgnoreQueryField("correlation_id".into()));
    let q = |query: &str| {
        format!(
            "/api/now/table/incident?sysparm_fields=short_description,correlation_id&sysparm_query={query}"
        )
    };
    for user in [INTEGRATION_USER, "admin"] {
        // The condition on it is ignored, and the field is still returned.
        let (status, headers, v) =
            get_as(&base, user, &q("correlation_id=tb1/a^ORDERBYnumber")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-total-count"], "2");
        assert_eq!(
            v["result"],
            json!([
                {"short_description": "first", "correlation_id": "tb1/a"},
                {"short_description": "second", "correlation_id": "tb1/b"}
            ])
        );
        // The rest of the query still applies.
        let (_, _, v) = get_as(
            &base,
            user,
            &q("correlation_id=tb1/a^short_description=second"),
        )
        .await;
        assert_eq!(short_descriptions(&v), ["second"]);
        let (_, _, v) = get_as(
            &base,
            user,
            &q("short_description=first^ORcorrelation_id=tb1/b"),
        )
        .await;
        assert_eq!(short_descriptions(&v), ["first"]);
        let (_, _, v) = get_as(
            &base,
            user,
            &q("correlation_idINtb1/x,tb1/y^number=INC0010002"),
        )
        .await;
        assert_eq!(short_descriptions(&v), ["second"]);
        // Sorting by it still works (only conditions are ignored).
        let (_, _, v) = get_as(&base, user, &q("ORDERBYDESCcorrelation_id")).await;
        assert_eq!(short_descriptions(&v), ["second", "first"]);
    }
    // Other fields' conditions are untouched.
    let (_, _, v) = get_as(
        &base,
        INTEGRATION_USER,
        &q("correlation_display=Ticket Bridge^short_description=first"),
    )
    .await;
    assert_eq!(short_descriptions(&v), ["first"]);
    h.clear_scenario("ignore-query-field");
    let (_, _, v) = get_as(&base, INTEGRATION_USER, &q("correlation_id=tb1/a")).await;
    assert_eq!(short_descriptions(&v), ["first"]);
}

// --------------------------------------------------- Scenarios: bad sys_ids

#[tokio::test]
async fn scenario_bad_sys_ids_are_served_with_them_everywhere() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let before = post(&base, "incident", json!({"short_description": "before"})).await;
    let before_id = before["sys_id"].as_str().unwrap().to_string();
    h.set_scenario(Scenario::BadSysIds);
    let expected: [(&str, &str); 5] = [
        (
            "../../api/now/table/sys_user",
            "..%2F..%2Fapi%2Fnow%2Ftable%2Fsys_user",
        ),
        (
            "ABCDEF0123456789ABCDEF0123456789",
            "ABCDEF0123456789ABCDEF0123456789",
        ),
        ("a^b=c", "a%5Eb%3Dc"),
        (
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcde",
        ),
        (
            "0123456789abcdef 123456789abcdef",
            "0123456789abcdef%20123456789abcdef",
        ),
    ];
    for (i, (id, encoded)) in expected.iter().enumerate() {
        // Even a valid sys_id asked for in the body is not honoured.
        let resp = api(
            &base,
            reqwest::Method::POST,
            "/api/now/table/incident",
            INTEGRATION_USER,
            Some(json!({"short_description": format!("bad {i}"), "sys_id": "0".repeat(32)})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(
            resp.headers()[header::LOCATION],
            format!("{base}/api/now/table/incident/{encoded}").as_str()
        );
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["result"]["sys_id"], *id);
        assert_eq!(servicenow_sim::hostile_sys_id(i as u64), *id);
        // The percent-encoded value finds it (GET, on task too, PATCH).
        for table in ["incident", "task"] {
            let (status, _, v) = get_as(
                &base,
                INTEGRATION_USER,
                &format!("/api/now/table/{table}/{encoded}"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{table}/{encoded}");
            assert_eq!(v["result"]["sys_id"], *id);
            assert_eq!(v["result"]["short_description"], format!("bad {i}"));
        }
        let (status, _, body) = send_as(
            &base,
            reqwest::Method::PATCH,
            &format!("/api/now/table/incident/{encoded}"),
            INTEGRATION_USER,
            Some(json!({"state": "2"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(h.record("incident", id).unwrap()["state"], "2");
    }
    // The list shows them; the record made before keeps its sys_id.
    let (_, _, v) = get_json(
        &base,
        "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_fields=sys_id",
    )
    .await;
    let ids: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sys_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], before_id);
    assert_eq!(ids[1..], expected.map(|(id, _)| id));
    assert_eq!(
        h.record("incident", &before_id).unwrap()["sys_id"],
        before_id.as_str()
    );
    // A reference to one links to it percent-encoded, with the raw value.
    let (status, _, v) = send_as(
        &base,
        reqwest::Method::PATCH,
        &format!("/api/now/table/incident/{before_id}"),
        INTEGRATION_USER,
        Some(json!({"parent": expected[2].0})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&v).unwrap();
    assert_eq!(
        v["result"]["parent"],
        json!({"link": format!("{base}/api/now/table/task/a%5Eb%3Dc"), "value": "a^b=c"})
    );
    // Records created through the handle rotate on; DELETE finds them too.
    let sixth = h
        .insert_record("incident", json!({"short_description": "sixth"}))
        .unwrap();
    assert_eq!(sixth, "../../api/now/table/sys_user/1");
    let resp = api(
        &base,
        reqwest::Method::DELETE,
        "/api/now/table/incident/..%2F..%2Fapi%2Fnow%2Ftable%2Fsys_user%2F1",
        "admin",
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(h.record("incident", &sixth).is_none());
    // The unencoded traversal does not reach the record.
    let (status, _, _) = get_json(&base, "/api/now/table/incident/a^b=c%20").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Off again: 32 lowercase hex.
    h.clear_scenario("bad-sys-ids");
    let after = post(
        &base,
        "change_request",
        json!({"short_description": "after"}),
    )
    .await;
    let id = after["sys_id"].as_str().unwrap();
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
}

// -------------------------------------------------- Scenarios: rate limits

/// Seconds since the epoch of an IMF-fixdate, checking its exact shape.
fn imf_fixdate(s: &str) -> i64 {
    assert_eq!(s.len(), 29, "{s}");
    assert!(s.ends_with(" GMT") && s.as_bytes()[3] == b',', "{s}");
    let t = chrono::NaiveDateTime::parse_from_str(s, "%a, %d %b %Y %H:%M:%S GMT")
        .unwrap_or_else(|e| panic!("{s}: {e}"));
    t.and_utc().timestamp()
}

#[tokio::test]
async fn scenario_rate_limit_date_sends_an_http_date_from_the_sim_clock() {
    let sim = start(Seed::Empty, vec!["rate-limit-date=30".parse().unwrap()]).await;
    let base = sim.base_url();
    let h = sim.handle();
    for offset_days in [0i64, 400] {
        h.set_clock_offset(chrono::TimeDelta::days(offset_days));
        let now = h.now().timestamp();
        for path in ["/api/now/table/incident", "/api/now/ui/user/current_user"] {
            let (status, headers, body) =
                send_as(&base, reqwest::Method::GET, path, "admin", None).await;
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            let date = headers[header::RETRY_AFTER].to_str().unwrap();
            let at = imf_fixdate(date);
            assert!((now + 30..=now + 32).contains(&at), "{date} vs now {now}");
            assert_eq!(headers["x-ratelimit-reset"], at.to_string().as_str());
            assert_eq!(headers["x-ratelimit-limit"], "100");
            assert_eq!(
                serde_json::from_str::<Value>(&body).unwrap(),
                error_body(
                    "Rate limit exceeded",
                    Some("Rate limit of 100 requests per hour for Table API exceeded")
                )
            );
        }
    }
    // Pages and OAuth are not rate limited.
    assert_eq!(
        client()
            .get(format!("{base}/login.do"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Absurdly far: the last date an IMF-fixdate can show.
    h.set_scenario(Scenario::RateLimitDate {
        retry_after_secs: u64::MAX,
    });
    let (_, headers, _) = send_as(
        &base,
        reqwest::Method::GET,
        "/api/now/table/incident",
        "admin",
        None,
    )
    .await;
    assert_eq!(
        headers[header::RETRY_AFTER],
        "Fri, 31 Dec 9999 23:59:59 GMT"
    );
    assert_eq!(headers["x-ratelimit-reset"], "253402300799");
}

#[tokio::test]
async fn scenario_rate_limit_sends_absurd_seconds_verbatim() {
    let absurd = "18446744073709551615";
    let sim = start(
        Seed::Empty,
        vec![format!("rate-limit={absurd}").parse().unwrap()],
    )
    .await;
    let h = sim.handle();
    assert_eq!(
        h.scenarios(),
        vec![Scenario::RateLimit {
            retry_after_secs: u64::MAX
        }]
    );
    let before = i128::from(h.now().timestamp());
    let (status, headers, body) = send_as(
        &sim.base_url(),
        reqwest::Method::GET,
        "/api/now/table/incident",
        "admin",
        None,
    )
    .await;
    let after = i128::from(h.now().timestamp());
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], absurd);
    let reset: i128 = headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let max = i128::from(u64::MAX);
    assert!((before + max..=after + max).contains(&reset), "{reset}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"]["message"],
        "Rate limit exceeded"
    );
}

// ------------------------------------------------------ Scenarios: OAuth

#[tokio::test]
async fn scenario_revoke_fails_answers_500_and_revokes_nothing() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (access, refresh) = tokens(&sim).await;
    h.set_scenario(Scenario::RevokeFails);
    for token in [&access, &refresh] {
        let resp = client()
            .get(format!("{base}/oauth_revoke_token.do"))
            .query(&[("token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type(resp.headers()).starts_with("text/html"));
        let body = resp.text().await.unwrap();
        assert!(
            body.starts_with("<!DOCTYPE html>") && body.contains("id=\"error_message\""),
            "{body}"
        );
        assert!(h.is_token_active(token), "nothing was revoked");
    }
    // The access token still works, and so does the refresh token.
    let resp = client()
        .get(format!("{base}/api/now/table/incident"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = token_call(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Off again: revoke works.
    h.clear_scenario("revoke-fails");
    let resp = client()
        .get(format!("{base}/oauth_revoke_token.do"))
        .query(&[("token", &access)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (resp.status(), resp.text().await.unwrap()),
        (StatusCode::OK, String::new())
    );
    assert!(!h.is_token_active(&access));
}

#[tokio::test]
async fn scenario_refuse_refresh_keeps_issued_access_tokens_working() {
    let sim = start(Seed::Empty, vec![]).await;
    let base = sim.base_url();
    let h = sim.handle();
    let (access, refresh) = tokens(&sim).await;
    h.set_scenario("refuse-refresh".parse().unwrap());
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    let resp = client()
        .post(format!("{base}/oauth_token.do"))
        .form(&refresh_form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        content_type(resp.headers()),
        "application/json;charset=UTF-8"
    );
    assert_eq!(resp.text().await.unwrap(), FAILURE);
    assert_eq!(h.token_requests().get("refresh_token"), Some(&1));
    // The refresh token itself is untouched; the access token keeps working...
    assert!(h.is_token_active(&refresh) && h.is_token_active(&access));
    let call = |t: String| {
        let base = base.clone();
        async move {
            client()
                .get(format!("{base}/api/now/table/incident"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(call(access.clone()).await, StatusCode::OK);
    // ...and a new sign-in still gets tokens.
    let code = authorize(&base, INTEGRATION_USER, "").await;
    let (status, body) = exchange(&base, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // ...until it expires.
    h.advance_clock(Duration::from_secs(1800));
    assert_eq!(call(access.clone()).await, StatusCode::UNAUTHORIZED);
    let (status, body) = token_call(&base, &refresh_form).await;
    assert_eq!((status, body.as_str()), (StatusCode::UNAUTHORIZED, FAILURE));
    // Off again: the same refresh token works.
    h.clear_scenario("refuse-refresh");
    let (status, body) = token_call(&base, &refresh_form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        call(v["access_token"].as_str().unwrap().into()).await,
        StatusCode::OK
    );
}

// ------------------------------------------------------- Scenarios: chaos

/// What one request under chaos came back as, by the fault's name.
async fn chaos_outcome(
    result: Result<reqwest::Response, reqwest::Error>,
    started: Instant,
) -> &'static str {
    let resp = match result {
        Ok(r) => r,
        Err(_) => return "drop-after-write",
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let Ok(body) = resp.text().await else {
        return "drop-after-write";
    };
    match status {
        StatusCode::OK | StatusCode::CREATED => match serde_json::from_str::<Value>(&body) {
            Err(_) => {
                assert!(body.starts_with("{\"result\":"), "{body}");
                "malformed-json"
            }
            Ok(_) if started.elapsed() >= Duration::from_millis(200) => "slow",
            Ok(v) => panic!("percent=100 always faults, got a clean {status}: {v}"),
        },
        StatusCode::INTERNAL_SERVER_ERROR => {
            assert_eq!(
                serde_json::from_str::<Value>(&body).unwrap(),
                error_body("Internal Server Error", Some(SERVER_ERROR_DETAIL))
            );
            "500"
        }
        StatusCode::GATEWAY_TIMEOUT => {
            assert!(body.contains("504 Gateway Time-out"), "{body}");
            "gateway-timeout-after-write"
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let retry = headers[header::RETRY_AFTER].to_str().unwrap();
            if let Ok(secs) = retry.parse::<u64>() {
                assert!((1..=2).contains(&secs), "{retry}");
                "rate-limit"
            } else {
                let now = chrono::Utc::now().timestamp();
                let at = imf_fixdate(retry);
                assert!((now..=now + 3).contains(&at), "{retry}");
                "rate-limit-date"
            }
        }
        other => panic!("unexpected {other}: {body}"),
    }
}

/// POST `n` incidents under `chaos=seed:100`; the outcome of each, in order.
async fn chaos_posts(sim: &RunningSim, n: usize) -> Vec<(&'static str, String)> {
    let base = sim.base_url();
    let mut outcomes = Vec::new();
    for i in 0..n {
        let correlation = format!("tb1/chaos/{i}");
        let started = Instant::now();
        let result = client()
            .post(format!("{base}/api/now/table/incident"))
            .basic_auth(INTEGRATION_USER, Some(PASSWORD))
            .json(
                &json!({"short_description": format!("chaos {i}"), "correlation_id": correlation}),
            )
            .send()
            .await;
        outcomes.push((chaos_outcome(result, started).await, correlation));
    }
    outcomes
}

#[tokio::test]
async fn scenario_chaos_injects_every_fault_reproducibly_and_counts_them() {
    let n = 24;
    let chaos = "chaos=7:100".parse::<Scenario>().unwrap();
    assert_eq!(
        chaos,
        Scenario::Chaos {
            seed: 7,
            percent: 100
        }
    );
    let sim = start(Seed::Empty, vec![chaos.clone()]).await;
    let h = sim.handle();
    let outcomes = chaos_posts(&sim, n).await;
    let counts = h.chaos_counts();
    let names: Vec<&str> = servicenow_sim::CHAOS_FAULTS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(counts.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted
    });
    for name in &names {
        assert!(counts[*name] >= 1, "{name} never injected: {counts:?}");
    }
    assert_eq!(counts.values().sum::<u64>(), n as u64, "{counts:?}");
    // What the client saw matches the counts.
    let seen = |what: &str| outcomes.iter().filter(|(o, _)| *o == what).count() as u64;
    assert_eq!(
        seen("500"),
        counts["server-error"] + counts["error-after-write"]
    );
    for name in [
        "drop-after-write",
        "gateway-timeout-after-write",
        "rate-limit",
        "rate-limit-date",
        "malformed-json",
        "slow",
    ] {
        assert_eq!(seen(name), counts[name], "{name}");
    }
    // Exactly the writes that were persisted are visible with GET.
    h.clear_scenario("chaos");
    assert_eq!(h.chaos_counts(), counts, "counts stay readable");
    let (status, headers, v) = get_as(
        &sim.base_url(),
        INTEGRATION_USER,
        "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHtb1/chaos/&sysparm_fields=correlation_id",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stored: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["correlation_id"].as_str().unwrap())
        .collect();
    let persisted =
        n as u64 - counts["server-error"] - counts["rate-limit"] - counts["rate-limit-date"];
    assert_eq!(stored.len() as u64, persisted);
    assert_eq!(headers["x-total-count"], persisted.to_string().as_str());
    for (outcome, correlation) in &outcomes {
        let is_stored = stored.contains(&correlation.as_str());
        match *outcome {
            "rate-limit" | "rate-limit-date" => assert!(!is_stored, "{correlation}"),
            "500" => {}
            _ => assert!(is_stored, "{outcome}: {correlation}"),
        }
    }
    let stored_500s = outcomes
        .iter()
        .filter(|(o, c)| *o == "500" && stored.contains(&c.as_str()))
        .count() as u64;
    assert_eq!(stored_500s, counts["error-after-write"]);

    // The same seed gives the same faults in the same order; turning chaos
    // on again restarts it and zeroes the counts.
    h.set_scenario(chaos);
    assert!(h.chaos_counts().values().all(|c| *c == 0));
    let again = chaos_posts(&sim, n).await;
    let kinds = |o: &[(&'static str, String)]| o.iter().map(|(k, _)| *k).collect::<Vec<_>>();
    assert_eq!(kinds(&again), kinds(&outcomes));
    assert_eq!(h.chaos_counts(), counts);
}

#[tokio::test]
async fn scenario_chaos_gives_reads_only_read_faults() {
    let sim = start(
        Seed::Demo,
        vec![Scenario::Chaos {
            seed: 99,
            percent: 100,
        }],
    )
    .await;
    let base = sim.base_url();
    let h = sim.handle();
    let n = 30;
    for _ in 0..n {
        let started = Instant::now();
        let result = client()
            .get(format!("{base}/api/now/table/incident?sysparm_limit=2"))
            .basic_auth(INTEGRATION_USER, Some(PASSWORD))
            .send()
            .await;
        let outcome = chaos_outcome(result, started).await;
        assert!(
            [
                "500",
                "rate-limit",
                "rate-limit-date",
                "malformed-json",
                "slow"
            ]
            .contains(&outcome),
            "{outcome} on a read"
        );
    }
    let counts = h.chaos_counts();
    assert_eq!(counts.values().sum::<u64>(), n);
    for name in [
        "error-after-write",
        "drop-after-write",
        "gateway-timeout-after-write",
    ] {
        assert_eq!(counts[name], 0, "{name} on a read");
    }
    // Other endpoints are left alone, and percent=0 injects nothing.
    let resp = api(
        &base,
        reqwest::Method::GET,
        "/api/now/ui/user/current_user",
        INTEGRATION_USER,
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(h.chaos_counts().values().sum::<u64>(), n);
    h.set_scenario("chaos=99:0".parse().unwrap());
    for _ in 0..5 {
        let (status, _, v) = get_as(
            &base,
            INTEGRATION_USER,
            "/api/now/table/incident?sysparm_limit=1",
        )
        .await;
        assert_eq!(
            (status, v["result"].as_array().map(Vec::len)),
            (StatusCode::OK, Some(1))
        );
    }
    assert_eq!(h.chaos_counts().values().sum::<u64>(), 0);
}
