//! Connecting to ServiceNow as a person would: the setup page in the app, ServiceNow's pages in
//! headless Chromium (opened at the URL the app gave the system browser), the personal account
//! caught, Not You?, the integration user connected; then the connection removed, with no
//! keychain entry left and the tokens revoked at the instance. Screenshots of every step.

use servicenow_sim::{CLIENT_ID, CLIENT_SECRET, INTEGRATION_USER, PERSONAL_USER, SimConfig};
use ticket_bridge_core::secrets::{Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_e2e::steps::{
    allow, log_in, signed_in_as, start_sign_in, wait_all_checks_ok, wait_for,
};
use ticket_bridge_e2e::{AppOptions, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_account_is_caught_and_not_you_connects_the_integration_user() {
    let mut h = Harness::start(
        "connect_not_you",
        SimConfig::default(),
        AppOptions::default(),
    )
    .await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    // The admin's browser is already signed in to ServiceNow as themselves.
    let base = h.sim.base_url();
    {
        let browser = h.browser().await;
        browser.goto(&format!("{base}/login.do")).await.unwrap();
        log_in(browser, PERSONAL_USER).await;
    }
    let url = start_sign_in(&mut h, 1).await;
    let note = h
        .wait_visible("#integration-user-note")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        note.contains(INTEGRATION_USER) && note.contains("Not You?"),
        "{note}"
    );

    h.browser().await.goto(&url).await.unwrap();
    assert_eq!(signed_in_as(h.browser().await).await, "Jane Doe");
    h.browser_shot("approval-as-jane").await;
    allow(h.browser().await).await;
    h.browser_shot("callback-page").await;

    let warning = h.wait_visible("#wrong-user").await.text().await.unwrap();
    assert!(
        warning.contains("Jane Doe") && warning.contains(PERSONAL_USER),
        "{warning}"
    );
    assert!(warning.contains(INTEGRATION_USER), "{warning}");
    h.doc_shot("wrong-user").await;

    h.click("#sign-in-again").await;
    let again = h.wait_opened_url(2).await;
    h.shot("waiting-again").await;
    let browser = h.browser().await;
    browser.goto(&again).await.unwrap();
    assert_eq!(signed_in_as(browser).await, "Jane Doe");
    wait_for(browser, "not_you").await.click().await.unwrap();
    log_in(browser, INTEGRATION_USER).await;
    assert_eq!(signed_in_as(browser).await, "Ticket Bridge Integration");
    h.browser_shot("approval-as-integration-user").await;
    allow(h.browser().await).await;

    // Connected: the manage page runs the connection check by itself.
    wait_all_checks_ok(&h).await;
    h.shot("connected-checked").await;
    h.click("#breadcrumb-home").await;
    let user = h
        .wait_visible("#connection-user")
        .await
        .text()
        .await
        .unwrap();
    assert!(user.contains(INTEGRATION_USER), "{user}");
    let instance = h
        .wait_visible("#connection-instance")
        .await
        .text()
        .await
        .unwrap();
    assert!(instance.contains(&base), "{instance}");
    h.wait_visible("#change_request-card").await;
    h.wait_visible("#incident-card").await;
    h.doc_shot("connected").await;

    // Jane's tokens were revoked when the admin chose to sign in again; the integration user's
    // are in the keychain, and nowhere else.
    ticket_bridge_core::secrets::use_platform_store().unwrap();
    let kc = Keychain::for_workspace(
        &h.workspace_of(&base),
        &InstanceUrl::parse(&base).unwrap(),
        CLIENT_ID,
    );
    let access = kc
        .get(SecretKind::AccessToken)
        .unwrap()
        .expect("access token in the keychain");
    let refresh = kc
        .get(SecretKind::RefreshToken)
        .unwrap()
        .expect("refresh token in the keychain");
    assert_eq!(
        kc.get(SecretKind::ClientSecret).unwrap().unwrap().expose(),
        CLIENT_SECRET
    );
    assert!(h.sim.handle().is_token_active(access.expose()));
    h.assert_no_secrets(&[access.expose(), refresh.expose(), CLIENT_SECRET]);
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_connection_revokes_the_tokens_and_empties_the_keychain() {
    let mut h = Harness::start(
        "remove_connection",
        SimConfig::default(),
        AppOptions::default(),
    )
    .await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    let base = h.sim.base_url();
    let url = start_sign_in(&mut h, 1).await;
    let browser = h.browser().await;
    browser.goto(&url).await.unwrap();
    log_in(browser, INTEGRATION_USER).await;
    allow(browser).await;
    wait_all_checks_ok(&h).await;

    ticket_bridge_core::secrets::use_platform_store().unwrap();
    let kc = Keychain::for_workspace(
        &h.workspace_of(&base),
        &InstanceUrl::parse(&base).unwrap(),
        CLIENT_ID,
    );
    let access = kc
        .get(SecretKind::AccessToken)
        .unwrap()
        .expect("access token");
    let refresh = kc
        .get(SecretKind::RefreshToken)
        .unwrap()
        .expect("refresh token");

    // On demand too: from home, Manage ServiceNow configuration, Check connection.
    h.click("#breadcrumb-home").await;
    h.click("#manage-servicenow").await;
    h.click("#check-connection").await;
    wait_all_checks_ok(&h).await;
    // The README shows the page from its top: the tabs, the connection and the check.
    h.app()
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    h.doc_shot("manage").await;
    h.click("#remove-connection").await;
    h.wait_visible("#confirm-remove").await;
    h.shot("confirm-remove").await;
    h.click("#confirm-remove-yes").await;
    let card = h.wait_visible("#connection-card:not([aria-busy])").await;
    h.wait_visible("#connect-servicenow").await;
    assert!(
        card.text()
            .await
            .unwrap()
            .contains("Do you use ServiceNow?")
    );
    h.shot("removed").await;

    assert!(
        !h.sim.handle().is_token_active(access.expose()),
        "access token still active"
    );
    assert!(
        !h.sim.handle().is_token_active(refresh.expose()),
        "refresh token still active"
    );
    for kind in SecretKind::ALL {
        assert!(
            kc.get(kind).unwrap().is_none(),
            "{kind:?} is still in the keychain"
        );
    }
    h.assert_no_secrets(&[access.expose(), refresh.expose(), CLIENT_SECRET]);
    h.finish().await;
}
