//! The connection, end to end at the HTTP level: the app's ConnectionManager against the
//! simulator over real HTTP on 127.0.0.1, with a scripted browser on ServiceNow's pages and a
//! real GET on the loopback listener. Secrets go to keyring-core's mock store here; the real
//! Secret Service is exercised in `keychain.rs`.

mod common;

use common::{SECRET, free_port, world};
use servicenow_sim::browser::Browser;
use servicenow_sim::{INTEGRATION_USER, PASSWORD, PERSONAL_USER};
use std::sync::Arc;
use std::time::Duration;
use ticket_bridge_core::ErrorKind;
use ticket_bridge_core::connection::{ConnectOutcome, ConnectionManager, SettingsStore};
use ticket_bridge_core::secrets::SecretKind;

#[tokio::test]
async fn integration_user_connects_and_everything_is_stored_in_its_place() {
    let w = world("happy", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    assert!(url.starts_with(&format!("{}/oauth_auth.do?", w.sim.base_url())));
    let mut browser = Browser::new(&w.sim.base_url());
    let outcome = w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    let ConnectOutcome::Connected { connection } = outcome else {
        panic!("expected connected, got {outcome:?}");
    };
    assert_eq!(connection.signed_in.user_name, INTEGRATION_USER);
    assert_eq!(connection.release.as_deref(), Some("Zurich"));
    assert!(connection.has_refresh_token);
    assert!(!connection.needs_reconnect);

    // Secrets in the keychain, the rest in settings, and no secret in the settings.
    let kc = w.keychain();
    let access = kc
        .get(SecretKind::AccessToken)
        .unwrap()
        .expect("access token");
    let refresh = kc
        .get(SecretKind::RefreshToken)
        .unwrap()
        .expect("refresh token");
    assert_eq!(
        kc.get(SecretKind::ClientSecret).unwrap().unwrap().expose(),
        SECRET
    );
    assert!(w.sim.handle().is_token_active(access.expose()));
    let saved = serde_json::to_string(&w.settings.load().unwrap().unwrap()).unwrap();
    for secret in [access.expose(), refresh.expose(), SECRET] {
        assert!(!saved.contains(secret), "a secret reached the settings");
    }

    // A restart restores the connection without the browser.
    let again = ConnectionManager::new(common::WORKSPACE, w.settings.clone());
    let restored = again.restore().await.unwrap().expect("restored");
    assert_eq!(restored.signed_in.user_name, INTEGRATION_USER);
    let me = again.api().unwrap().current_user().await.unwrap();
    assert_eq!(me.user_name, INTEGRATION_USER);

    // The token request used the form body, with the secret and the PKCE verifier.
    assert_eq!(
        w.sim.handle().token_requests().get("authorization_code"),
        Some(&1)
    );
}

#[tokio::test]
async fn personal_account_is_caught_then_not_you_fixes_it() {
    let w = world("wronguser", vec![], false).await;
    let mut browser = Browser::new(&w.sim.base_url());
    // The admin's browser is already signed in to ServiceNow as themselves.
    browser.sign_in(PERSONAL_USER, PASSWORD).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let outcome = w.sign_in(&mut browser, &url, PERSONAL_USER).await;
    let ConnectOutcome::WrongUser {
        signed_in,
        expected,
    } = outcome
    else {
        panic!("expected wrong_user, got {outcome:?}");
    };
    assert_eq!(signed_in.user_name, PERSONAL_USER);
    assert_eq!(signed_in.display_name, "Jane Doe");
    assert_eq!(expected, INTEGRATION_USER);
    assert!(
        w.settings.load().unwrap().is_none(),
        "nothing saved before the admin decides"
    );
    assert!(w.keychain().get(SecretKind::AccessToken).unwrap().is_none());
    let active_before: Vec<_> = w.sim.handle().requests();
    assert!(!active_before.is_empty());

    // Sign in again: the personal account's tokens are revoked, the browser goes back to the
    // same kind of request, Not You? is used, the integration user allows.
    let url = w.manager.begin_sign_in_again().await.unwrap();
    let revokes = w
        .sim
        .handle()
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth_revoke_token.do")
        .count();
    assert_eq!(
        revokes, 2,
        "the personal account's access and refresh tokens are revoked"
    );
    let outcome = w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    assert!(
        matches!(outcome, ConnectOutcome::Connected { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        w.settings.load().unwrap().unwrap().signed_in.user_name,
        INTEGRATION_USER
    );
}

#[tokio::test]
async fn keeping_the_personal_account_is_the_admins_choice() {
    let w = world("keep", vec![], false).await;
    let mut browser = Browser::new(&w.sim.base_url());
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let outcome = w.sign_in(&mut browser, &url, PERSONAL_USER).await;
    assert!(matches!(outcome, ConnectOutcome::WrongUser { .. }));
    let info = w.manager.keep_account().await.unwrap();
    assert_eq!(info.signed_in.user_name, PERSONAL_USER);
    assert_eq!(info.integration_user, INTEGRATION_USER);
    assert!(w.keychain().get(SecretKind::AccessToken).unwrap().is_some());
    // Nothing left to keep.
    assert_eq!(
        w.manager.keep_account().await.unwrap_err().kind,
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn concurrent_callers_after_a_401_share_one_refresh() {
    let w = world("refresh401", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    let api = w.manager.api().unwrap();
    // ServiceNow's clock moves past the access token's end (the refresh token lives on):
    // every caller gets a 401 at once.
    w.sim.handle().advance_clock(Duration::from_secs(3600));
    let calls: Vec<_> = (0..24)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.current_user().await })
        })
        .collect();
    for c in calls {
        assert_eq!(c.await.unwrap().unwrap().user_name, INTEGRATION_USER);
    }
    assert_eq!(
        w.sim.handle().token_requests().get("refresh_token"),
        Some(&1)
    );
    assert_eq!(api.session().refresh_count(), 1);
    // The renewed access token reached the keychain.
    let stored = w.keychain().get(SecretKind::AccessToken).unwrap().unwrap();
    assert!(w.sim.handle().is_token_active(stored.expose()));
}

#[tokio::test]
async fn a_token_about_to_end_is_renewed_before_the_call() {
    let w = world("proactive", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    // Restart with the saved expiry set to 30 s from now: inside the renewal margin.
    let mut saved = w.settings.load().unwrap().unwrap();
    saved.access_token_expires_at = chrono::Utc::now() + chrono::TimeDelta::seconds(30);
    w.settings.save(&saved).unwrap();
    let restarted = ConnectionManager::new(common::WORKSPACE, w.settings.clone());
    restarted.restore().await.unwrap();
    w.sim.handle().clear_requests();
    let api = restarted.api().unwrap();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.current_user().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let requests = w.sim.handle().requests();
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path == "/oauth_token.do")
            .count(),
        1
    );
    assert!(
        requests.iter().all(|r| r.status != 401),
        "renewed before, not after, a 401"
    );
    assert!(
        restarted.status().await.unwrap().access_token_expires_at > saved.access_token_expires_at
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_to_reconnect_once() {
    let w = world("revoked", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    let api = w.manager.api().unwrap();
    w.sim.handle().revoke_all_tokens();
    let e = api.current_user().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::AuthExpired);
    assert!(e.hint.contains("Re-authorize"));
    let token_calls = w
        .sim
        .handle()
        .token_requests()
        .get("refresh_token")
        .copied();
    assert_eq!(token_calls, Some(1));
    // Every later call fails at once, without asking ServiceNow again.
    let requests = w.sim.handle().requests().len();
    for _ in 0..5 {
        assert_eq!(
            api.current_user().await.unwrap_err().kind,
            ErrorKind::AuthExpired
        );
    }
    assert_eq!(w.sim.handle().requests().len(), requests);
    assert!(w.manager.status().await.unwrap().needs_reconnect);
}

#[tokio::test]
async fn public_client_without_refresh_token_says_so() {
    let w = world("public", vec![], true).await;
    let url = w.manager.begin(w.request(None)).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    let ConnectOutcome::Connected { connection } =
        w.sign_in(&mut browser, &url, INTEGRATION_USER).await
    else {
        panic!("not connected");
    };
    assert!(connection.public_client);
    assert!(!connection.has_refresh_token);
    assert!(
        w.keychain()
            .get(SecretKind::ClientSecret)
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn remove_revokes_at_the_instance_and_deletes_every_secret() {
    let w = world("remove", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let mut browser = Browser::new(&w.sim.base_url());
    w.sign_in(&mut browser, &url, INTEGRATION_USER).await;
    let kc = w.keychain();
    let access = kc.get(SecretKind::AccessToken).unwrap().unwrap();
    let refresh = kc.get(SecretKind::RefreshToken).unwrap().unwrap();
    w.manager.remove().await.unwrap();
    assert!(!w.sim.handle().is_token_active(access.expose()));
    assert!(!w.sim.handle().is_token_active(refresh.expose()));
    for k in SecretKind::ALL {
        assert!(kc.get(k).unwrap().is_none(), "{k:?} left in the keychain");
    }
    assert!(w.settings.load().unwrap().is_none());
    assert!(w.manager.status().await.is_none());
    assert_eq!(w.manager.api().err().unwrap().kind, ErrorKind::NotConnected);
}

#[tokio::test]
async fn deny_and_wrong_secret_give_clear_errors() {
    let w = world("deny", vec![], false).await;
    let url = w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let manager = w.manager.clone();
    let finish = tokio::spawn(async move { manager.finish().await });
    let mut browser = Browser::new(&w.sim.base_url());
    let callback = browser
        .authorize_as(&url, INTEGRATION_USER, PASSWORD, false)
        .await;
    assert!(callback.contains("error=access_denied"));
    reqwest::get(&callback).await.unwrap();
    let e = finish.await.unwrap().unwrap_err();
    assert!(e.message.contains("access_denied"), "{}", e.message);
    assert!(e.hint.contains("Allow"));

    let url = w
        .manager
        .begin(w.request(Some("not-the-secret")))
        .await
        .unwrap();
    let manager = w.manager.clone();
    let finish = tokio::spawn(async move { manager.finish().await });
    let callback = browser
        .authorize_as(&url, INTEGRATION_USER, PASSWORD, true)
        .await;
    reqwest::get(&callback).await.unwrap();
    let e = finish.await.unwrap().unwrap_err();
    assert_eq!(e.status, Some(401));
    assert!(
        e.hint.contains("client secret")
            && e.hint.contains("client ID")
            && e.hint.contains("redirect URL")
    );
    assert!(w.settings.load().unwrap().is_none());
}

#[tokio::test]
async fn an_unregistered_redirect_url_times_out_naming_the_url() {
    let w = world("unregistered", vec![], false).await;
    // The admin registered another port: ServiceNow silently uses the first registered URL,
    // so the code goes elsewhere and never reaches Ticket Bridge.
    let other = free_port();
    let manager = ConnectionManager::new(common::WORKSPACE, w.settings.clone())
        .with_callback_timeout(Duration::from_millis(1500));
    let mut req = w.request(Some(SECRET));
    req.port = Some(other);
    let url = manager.begin(req).await.unwrap();
    let manager = Arc::new(manager);
    let m = manager.clone();
    let finish = tokio::spawn(async move { m.finish().await });
    let mut browser = Browser::new(&w.sim.base_url());
    let callback = browser
        .authorize_as(&url, INTEGRATION_USER, PASSWORD, true)
        .await;
    assert!(callback.starts_with(&format!("http://127.0.0.1:{}/callback", w.port)));
    let e = finish.await.unwrap().unwrap_err();
    assert!(e.message.contains("never sent the sign-in back"));
    assert!(
        e.hint
            .contains(&format!("http://127.0.0.1:{other}/callback"))
    );
}

#[tokio::test]
async fn cancel_stops_the_wait_and_frees_the_port() {
    let w = world("cancel", vec![], false).await;
    w.manager.begin(w.request(Some(SECRET))).await.unwrap();
    let manager = w.manager.clone();
    let finish = tokio::spawn(async move { manager.finish().await });
    // Cancel only once the wait has started (the port is being listened on).
    while tokio::net::TcpStream::connect(("127.0.0.1", w.port))
        .await
        .is_err()
    {
        tokio::task::yield_now().await;
    }
    loop {
        w.manager.cancel();
        if finish.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let e = finish.await.unwrap().unwrap_err();
    assert!(e.message.contains("cancelled"));
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", w.port))
            .await
            .is_err()
    );
    // The port can be used again at once.
    w.manager.begin(w.request(Some(SECRET))).await.unwrap();
}

#[tokio::test]
async fn the_port_in_use_is_named() {
    let w = world("busy", vec![], false).await;
    let _busy = std::net::TcpListener::bind(("127.0.0.1", w.port)).unwrap();
    let e = w.manager.begin(w.request(Some(SECRET))).await.unwrap_err();
    assert!(e.message.contains(&w.port.to_string()));
}

#[tokio::test]
async fn a_tls_failure_says_the_connection_is_not_secure() {
    // Something answers on the port, but not with TLS: the handshake fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
                .await;
        }
    });
    let e = refresh_at(&format!("https://localhost:{port}")).await;
    assert_eq!(e.kind, ErrorKind::InstanceUnreachable);
    assert!(e.message.contains("secure connection"), "{e:?}");
    assert!(e.hint.contains("certificate"));
}

#[tokio::test]
async fn an_unreachable_instance_fails_fast_with_a_plain_message() {
    let port = free_port(); // nobody listens there
    let e = refresh_at(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(e.kind, ErrorKind::InstanceUnreachable);
    assert!(e.message.contains("could not reach"), "{}", e.message);
}

/// A refresh against `instance`, expected to fail before ServiceNow could answer.
async fn refresh_at(instance: &str) -> ticket_bridge_core::Error {
    let instance = ticket_bridge_core::servicenow::InstanceUrl::parse(instance).unwrap();
    let oauth = ticket_bridge_core::oauth::servicenow::ServiceNowOAuth::new(
        ticket_bridge_core::servicenow::http::client_for(&instance).unwrap(),
        ticket_bridge_core::oauth::servicenow::OAuthApp {
            instance,
            client_id: "x".into(),
            client_secret: None,
        },
    );
    oauth
        .refresh(&ticket_bridge_core::Secret::new("r"))
        .await
        .unwrap_err()
}

/// The organisation's policy holds for every sign-in, Re-authorize included: a connection saved
/// before IT locked another instance is not signed in to again, and one that matches the lock is.
#[tokio::test]
async fn reauthorize_follows_the_organisations_locked_values() {
    use ticket_bridge_core::policy::{Policy, values_from_json};
    let w = world("policy-reauth", vec![], false).await;
    w.connect_direct().await;
    let policy = |json: String| Arc::new(Policy::from_values(&values_from_json(&json).unwrap()).0);
    let locked_elsewhere = policy(
        r#"{"ServiceNowInstance": "https://contoso.service-now.com", "ServiceNowInstanceLocked": true}"#
            .into(),
    );
    let manager = ConnectionManager::new(common::WORKSPACE, w.settings.clone())
        .with_callback_timeout(Duration::from_secs(30))
        .with_policy(locked_elsewhere);
    let e = manager.begin_reauthorize().await.unwrap_err();
    assert_eq!(e.reason.as_deref(), Some("policy_locked"), "{e:?}");
    assert_eq!(
        e.params.get("setting").map(String::as_str),
        Some("servicenowInstance")
    );

    let locked_here = policy(format!(
        r#"{{"ServiceNowInstance": "{}", "ServiceNowInstanceLocked": true,
             "IntegrationUser": "{INTEGRATION_USER}", "IntegrationUserLocked": true}}"#,
        w.sim.base_url()
    ));
    let manager = ConnectionManager::new(common::WORKSPACE, w.settings.clone())
        .with_callback_timeout(Duration::from_secs(30))
        .with_policy(locked_here);
    let url = manager.begin_reauthorize().await.unwrap();
    assert!(url.starts_with(&w.sim.base_url()), "{url}");
    manager.cancel();
}
