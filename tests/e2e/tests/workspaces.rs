//! Two ServiceNow instances in one app, as an admin keeps a production and a test instance:
//! each connected through the browser, each named, a task shared to each lands on its own
//! instance only; a fulfiller's change on the test instance gives a notification that names it,
//! and a click opens the ticket there; removing the test instance (a task still waiting there,
//! discarded on the admin's word) leaves production's cards, outbox and notifications as they
//! were. Screenshots of the switcher and the removal prompt.

use servicenow_sim::{CLIENT_ID, CLIENT_SECRET, INTEGRATION_USER, RunningSim, Scenario, SimConfig};
use std::time::Duration;
use ticket_bridge_e2e::steps::{
    allow, log_in, send_incident, sign_in_microsoft, start_connected, wait_all_checks_ok,
};
use ticket_bridge_e2e::{Harness, PATIENCE, is_watch_poll};

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Names the selected workspace on the manage page.
async fn name_workspace(h: &Harness, name: &str) {
    h.go("#/manage").await;
    h.fill("workspace-name", name).await;
    h.click("#save-workspace-name").await;
    h.wait_visible("#workspace-name-saved").await;
}

/// Manage → Add another ServiceNow instance → sign in to `sim` as the integration user.
async fn add_instance(h: &mut Harness, sim: &RunningSim, opened: usize) {
    h.go("#/manage").await;
    h.click("#add-instance").await;
    h.wait_visible("#client-id").await;
    let title = h
        .wait_visible("#connect-form-title")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(title, "Add another ServiceNow instance");
    h.fill("instance", &sim.base_url()).await;
    h.fill("client-id", CLIENT_ID).await;
    h.fill("client-secret", CLIENT_SECRET).await;
    h.fill("integration-user", INTEGRATION_USER).await;
    h.click("#start-sign-in").await;
    let url = h.wait_opened_url(opened).await;
    assert!(url.starts_with(&sim.base_url()), "{url}");
    let browser = h.browser().await;
    browser.goto(&url).await.unwrap();
    log_in(browser, INTEGRATION_USER).await;
    allow(browser).await;
    wait_all_checks_ok(h).await;
}

fn polls(sim: &RunningSim) -> usize {
    sim.handle()
        .requests()
        .iter()
        .filter(|r| is_watch_poll(r))
        .count()
}

/// Asks the selected workspace's watcher to look now and waits until it has.
async fn check_now(h: &Harness, sim: &RunningSim) {
    h.go("#/manage").await;
    let before = polls(sim);
    h.click("#manage-tab-notifications").await;
    h.click("#watch-now").await;
    until("the watcher never polled", || polls(sim) > before).await;
}

fn incidents(sim: &RunningSim) -> Vec<serde_json::Value> {
    sim.handle().records("incident")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_each_get_only_their_own_tickets() {
    // Production: the harness's simulator, connected as usual.
    let mut h = start_connected("workspaces").await;
    sign_in_microsoft(&mut h).await;
    let production = h.sim.base_url();
    name_workspace(&h, "Production").await;
    // No switcher with one instance.
    h.go("#/").await;
    h.wait_visible("#connection-card").await;
    let switcher = h
        .app()
        .execute(
            "return document.getElementById('workspace-switcher') !== null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        switcher,
        serde_json::json!(false),
        "one instance needs no switcher"
    );

    // Test: a second simulator.
    let test = servicenow_sim::start(SimConfig {
        seed: servicenow_sim::Seed::Empty,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let opened = h.opened_urls().len();
    add_instance(&mut h, &test, opened + 1).await;
    // Each instance is its own workspace, with its own Microsoft 365 sign-in.
    sign_in_microsoft(&mut h).await;
    name_workspace(&h, "Test").await;
    let ws_production = h.workspace_of(&production);
    let ws_test = h.workspace_of(&test.base_url());
    assert_ne!(ws_production, ws_test);

    // Home: the switcher names both, Test selected.
    h.go("#/").await;
    h.wait_visible("#workspace-switcher").await;
    h.wait_text("#workspace-switcher", "Production").await;
    h.wait_text("#workspace-switcher", "Test").await;
    h.wait_text("#workspace-switcher [aria-current='page']", "Test")
        .await;
    h.wait_text("#header-workspace", "Test").await;

    // A task shared while Test is selected goes to Test, and only there.
    let sent = send_incident(&h, "AdminMFAV2").await;
    assert!(sent.contains("INC0010001"), "{sent}");
    assert_eq!(incidents(&test).len(), 1);
    assert!(incidents(&h.sim).is_empty(), "nothing reached production");

    // Switch to Production: its own (empty) cards; a task shared now goes to production.
    h.go("#/").await;
    h.click(&format!("#workspace-{ws_production}")).await;
    h.wait_text("#header-workspace", "Production").await;
    h.wait_visible("#incident-card-empty").await;
    h.doc_shot("workspaces-switcher").await;
    let sent = send_incident(&h, "DLPEnabled").await;
    assert!(sent.contains("INC0010001"), "{sent}");
    assert_eq!(incidents(&h.sim).len(), 1);
    assert_eq!(incidents(&test).len(), 1, "Test got nothing more");

    // The watchers learn the new tickets (a ticket the app created is not news).
    check_now(&h, &h.sim).await;
    h.go("#/").await;
    h.click(&format!("#workspace-{ws_test}")).await;
    h.wait_text("#header-workspace", "Test").await;
    check_now(&h, &test).await;
    assert!(h.notifications.received().is_empty());

    // The fulfiller works the test ticket: the notification names the instance, and a click
    // opens the ticket on the test instance.
    let test_ticket = incidents(&test)[0]["sys_id"].as_str().unwrap().to_owned();
    assert!(test.handle().update_record(
        "incident",
        &test_ticket,
        serde_json::json!({"state": "2"})
    ));
    check_now(&h, &test).await;
    let n = h
        .notifications
        .wait_for(PATIENCE, |n| n.summary.contains("INC0010001"))
        .await
        .expect("no notification for the test instance's change");
    assert_eq!(n.summary, "Test: INC0010001 is now In Progress");
    let opened = h.opened_urls().len();
    h.notifications.click(n.id).await.unwrap();
    let url = h.wait_opened_url(opened + 1).await;
    assert!(url.starts_with(&test.base_url()), "{url}");
    assert!(url.contains(&test_ticket), "{url}");

    // Test goes down and a task waits there; removing Test names it and asks.
    test.handle().set_scenario(Scenario::ServerError);
    h.go("#/actions").await;
    h.click("#share-BlockLegacyAuthentication").await;
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    h.wait_visible("#task-waiting").await;
    h.go("#/manage").await;
    h.click("#remove-connection").await;
    h.wait_visible("#confirm-remove-tasks").await;
    h.wait_text("#confirm-remove-tasks", "block legacy authentication")
        .await;
    h.wait_visible("#confirm-remove-keep").await;
    h.doc_shot("remove-with-waiting-tasks").await;
    h.click("#confirm-remove-discard").await;
    // Back home: Production only, no switcher, its ticket still on its card.
    h.wait_text("#incident-card", "INC0010001").await;
    until("the Test workspace is still listed", || {
        h.workspaces().len() == 1
    })
    .await;
    assert_eq!(h.workspace_of(&production), ws_production);
    let switcher = h
        .app()
        .execute(
            "return document.getElementById('workspace-switcher') !== null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(switcher, serde_json::json!(false));
    assert!(
        !h.app_data_dir().join("workspaces").join(&ws_test).exists(),
        "Test's folder is gone"
    );
    test.handle().clear_scenario("server-error");
    assert_eq!(
        incidents(&test).len(),
        1,
        "the discarded task never went out"
    );
    h.shot("after-removal").await;

    // Production's watcher and notifications are as they were (and no longer name the
    // instance, now that there is one).
    let prod_ticket = incidents(&h.sim)[0]["sys_id"].as_str().unwrap().to_owned();
    assert!(h.sim.handle().update_record(
        "incident",
        &prod_ticket,
        serde_json::json!({"state": "2"})
    ));
    check_now(&h, &h.sim).await;
    h.notifications
        .wait_for(PATIENCE, |n| n.summary == "INC0010001 is now In Progress")
        .await
        .expect("no notification for production's change, without the instance's name");
    test.shutdown().await;
    h.finish().await;
}
