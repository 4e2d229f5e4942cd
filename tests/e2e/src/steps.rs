//! Steps on ServiceNow's pages in the browser (the simulator's login and approval pages).

use crate::Harness;
use crate::{Locator, PATIENCE};
use fantoccini::Client;
use servicenow_sim::{CLIENT_ID, CLIENT_SECRET, INTEGRATION_USER, PASSWORD};

pub async fn wait_for(browser: &Client, id: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} never appeared in the browser: {e}"))
}

/// Signs in on ServiceNow's login page shown in the browser.
pub async fn log_in(browser: &Client, user: &str) {
    wait_for(browser, "user_name")
        .await
        .send_keys(user)
        .await
        .unwrap();
    wait_for(browser, "user_password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    wait_for(browser, "sysverb_login")
        .await
        .click()
        .await
        .unwrap();
}

pub async fn signed_in_as(browser: &Client) -> String {
    wait_for(browser, "signed_in_user")
        .await
        .text()
        .await
        .unwrap()
}

/// Allow, then the browser lands on the app's loopback page.
pub async fn allow(browser: &Client) {
    wait_for(browser, "allow").await.click().await.unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        // While the browser moves from ServiceNow to the loopback page there may be no body.
        let text = match browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains("You can close this tab") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the callback page never showed: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Every line of the connection check is green.
pub async fn wait_all_checks_ok(h: &Harness) {
    for id in [
        "https",
        "oauth",
        "token",
        "identity",
        "incident_rights",
        "change_rights",
        "release",
    ] {
        let line = h
            .wait_visible(&format!("#doctor-{id}[data-status='ok']"))
            .await;
        assert!(!line.text().await.unwrap().is_empty(), "{id}");
    }
}

/// Fills the setup page and starts the sign-in; returns the URL the app opened.
pub async fn start_sign_in(h: &mut Harness, n: usize) -> String {
    h.click("#connect-servicenow").await;
    h.wait_visible("#client-id").await;
    h.fill("instance", &h.sim.base_url()).await;
    h.fill("client-id", CLIENT_ID).await;
    h.fill("client-secret", CLIENT_SECRET).await;
    h.fill("integration-user", INTEGRATION_USER).await;
    h.shot("setup-filled").await;
    h.click("#start-sign-in").await;
    let url = h.wait_opened_url(n).await;
    let shown = h.wait_visible("#authorize-url").await;
    let shown = shown
        .prop("value")
        .await
        .unwrap()
        .filter(|v| !v.is_empty())
        .or(shown.text().await.ok())
        .unwrap_or_default();
    assert_eq!(
        shown.trim(),
        url,
        "the link is shown in case no browser appears"
    );
    h.wait_visible("#sign-in-progress").await;
    h.shot("waiting-for-browser").await;
    url
}

/// Connects the app to the simulator as the integration user, through the setup page and the
/// browser, and waits for the connection check to pass.
pub async fn connect_integration_user(h: &mut Harness) {
    let url = start_sign_in(h, 1).await;
    let browser = h.browser().await;
    browser.goto(&url).await.unwrap();
    log_in(browser, INTEGRATION_USER).await;
    allow(browser).await;
    wait_all_checks_ok(h).await;
}

/// Starts the simulator (no tickets) and the app, and connects as the integration user.
pub async fn start_connected(name: &str) -> Harness {
    let mut h = Harness::start(
        name,
        servicenow_sim::SimConfig {
            seed: servicenow_sim::Seed::Empty,
            ..servicenow_sim::SimConfig::default()
        },
        crate::AppOptions::default(),
    )
    .await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    connect_integration_user(&mut h).await;
    h
}

/// Shares the improvement action `action` (a control of the demo tenant's Secure Score, after
/// [`sign_in_microsoft`]) as an incident, with the form as it
/// comes; returns what the app says it sent.
pub async fn send_incident(h: &Harness, action: &str) -> String {
    h.app()
        .execute("location.hash = '#/actions'", vec![])
        .await
        .unwrap();
    h.click_to(&format!("#share-{action}"), "#/share").await;
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    h.wait_visible("#task-sent").await.text().await.unwrap()
}

/// Goes through Microsoft's pages in the browser as `user` (the simulator's): the sign-in page
/// when it shows (a session already signed in skips it), then the consent page, accepted for
/// the organisation when `for_organisation`, until the browser lands on the app's loopback page.
pub async fn microsoft_pages(browser: &Client, user: &str, for_organisation: bool) {
    use servicenow_sim::microsoft::MS_PASSWORD;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut typed = false;
    let mut consented = false;
    loop {
        let text = match browser.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains("You can close this tab") {
            return;
        }
        if !typed && let Ok(email) = browser.find(Locator::Id("i0116")).await {
            email.send_keys(user).await.unwrap();
            wait_for(browser, "i0118")
                .await
                .send_keys(MS_PASSWORD)
                .await
                .unwrap();
            wait_for(browser, "idSIButton9")
                .await
                .click()
                .await
                .unwrap();
            typed = true;
        } else if !consented && let Ok(accept) = browser.find(Locator::Id("idBtn_Accept")).await {
            if for_organisation && let Ok(org) = browser.find(Locator::Id("consent-org")).await {
                org.click().await.unwrap();
            }
            accept.click().await.unwrap();
            consented = true;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the Microsoft sign-in never reached the app: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Signs the selected workspace in to Microsoft 365 (the demo tenant pre-filled) as its Global
/// Administrator, consenting for the organisation, and waits for the actions page to show the
/// tenant's score.
pub async fn sign_in_microsoft(h: &mut Harness) {
    let n = h.opened_urls().len() + 1;
    h.app()
        .execute("location.hash = '#/microsoft'", vec![])
        .await
        .unwrap();
    h.wait_visible("#ms-tenant").await;
    h.click("#ms-sign-in").await;
    let url = h.wait_opened_url(n).await;
    h.wait_visible("#ms-sign-in-progress").await;
    let browser = h.browser().await;
    browser.goto(&url).await.unwrap();
    microsoft_pages(browser, servicenow_sim::microsoft::MS_ADMIN, true).await;
    h.wait_visible("#score-card #score-when").await;
}
