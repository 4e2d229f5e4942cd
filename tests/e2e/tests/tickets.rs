//! Tickets as an admin makes them: share an improvement action, edit the task, send it, see it
//! on the change card and in the list; the same action again is caught; a state renamed shows
//! everywhere; a task that cannot be sent waits, visibly and across a restart, and goes out
//! once. Screenshots.

use servicenow_sim::Scenario;
use ticket_bridge_e2e::Harness;
use ticket_bridge_e2e::steps::{sign_in_microsoft, start_connected};

fn created_for(h: &Harness, table: &str, action: &str) -> usize {
    h.sim
        .handle()
        .records(table)
        .iter()
        .filter(|r| {
            r["correlation_id"]
                .as_str()
                // tb1/<this install's segment>/<action>/<draft>
                .is_some_and(|c| {
                    let parts: Vec<&str> = c.split('/').collect();
                    parts.len() == 4 && parts[0] == "tb1" && parts[2] == action
                })
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_an_action_track_it_and_rename_its_state() {
    let mut h = start_connected("tickets_share_track_rename").await;
    // The tenant's own actions come from its Secure Score.
    sign_in_microsoft(&mut h).await;
    h.app()
        .execute("location.hash = '#/manage'", vec![])
        .await
        .unwrap();

    // On the manage page, map Secure Score's Data category to the instance's "security".
    h.click("#manage-tab-categories").await;
    h.fill("category-map-Data", "security").await;
    h.click("#save-category-mapping").await;
    let deadline = tokio::time::Instant::now() + ticket_bridge_e2e::PATIENCE;
    while h
        .app()
        .execute(
            "return document.getElementById('save-category-mapping').disabled",
            vec![],
        )
        .await
        .unwrap()
        == serde_json::json!(true)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "saving the mapping never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    h.shot("manage-mappings").await;

    // Home → Create ticket → the improvement actions → Share → ServiceNow.
    h.click("#breadcrumb-home").await;
    h.click("#change_request-card-create").await;
    h.wait_visible("#share-DLPEnabled").await;
    h.shot("actions").await;
    h.click("#share-DLPEnabled").await;
    let name = h.wait_visible("#task-name").await;
    assert!(
        name.prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("Data Loss Prevention")
    );
    h.fill("task-name", "Create DLP policies for finance data")
        .await;
    h.app()
        .execute(
            "const s = document.getElementById('task-priority'); s.value = '2'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    h.click("#task-kind-change_request").await;
    h.doc_shot("task-form").await;
    h.click("#send-task").await;
    let sent = h.wait_visible("#task-sent").await.text().await.unwrap();
    assert!(sent.contains("CHG0030001"), "{sent}");
    h.shot("task-sent").await;

    // ServiceNow has exactly one change request for the action, with priority 2 from impact
    // and urgency.
    assert_eq!(created_for(&h, "change_request", "DLPEnabled"), 1);
    let rec = h
        .sim
        .handle()
        .records("change_request")
        .into_iter()
        .find(|r| r["number"] == "CHG0030001")
        .unwrap();
    assert_eq!(
        rec["short_description"],
        "Create DLP policies for finance data"
    );
    assert_eq!(rec["priority"], "2");
    assert_eq!(rec["correlation_display"], "Ticket Bridge");
    assert_eq!(rec["category"], "security", "the admin's category mapping");

    // The change card shows it.
    h.app()
        .execute("location.hash = '#/'", vec![])
        .await
        .unwrap();
    let card = h.wait_visible("#change_request-card").await;
    h.wait_visible("#change_request-card-states").await;
    let deadline = tokio::time::Instant::now() + ticket_bridge_e2e::PATIENCE;
    while !card.text().await.unwrap().contains("CHG0030001") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the card never showed CHG0030001"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(card.text().await.unwrap().contains("New"));
    h.doc_shot("cards").await;

    // The same action again: the open ticket is shown first.
    h.click("#change_request-card-create").await;
    h.click("#share-DLPEnabled").await;
    let notice = h.wait_visible("#already-open").await.text().await.unwrap();
    assert!(notice.contains("CHG0030001"), "{notice}");
    h.shot("already-open").await;

    // Rename the change request state "New" (-5) to "Triage": the card and the list say so.
    h.app()
        .execute("location.hash = '#/manage'", vec![])
        .await
        .unwrap();
    h.click("#manage-tab-states").await;
    h.fill("state-name-change_request--5", "Triage").await;
    h.click("#save-state-names").await;
    h.app()
        .execute("location.hash = '#/tickets'", vec![])
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + ticket_bridge_e2e::PATIENCE;
    loop {
        let text = h.wait_visible("main").await.text().await.unwrap();
        if text.contains("Triage") && text.contains("CHG0030001") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the list never showed Triage: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    h.doc_shot("all-tickets").await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_cannot_be_sent_waits_and_goes_out_once() {
    let mut h = start_connected("tickets_wait_then_send").await;
    sign_in_microsoft(&mut h).await;

    // ServiceNow is down.
    h.sim.handle().set_scenario(Scenario::ServerError);
    h.app()
        .execute("location.hash = '#/actions'", vec![])
        .await
        .unwrap();
    h.click("#share-AdminMFAV2").await;
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    let waiting = h.wait_visible("#task-waiting").await.text().await.unwrap();
    assert!(!waiting.is_empty());
    h.shot("task-waiting").await;
    assert_eq!(created_for(&h, "incident", "AdminMFAV2"), 0);

    // Quit and start again while ServiceNow still fails: the task is still there.
    h.restart_app().await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    h.wait_visible("#outbox-banner").await;
    h.shot("outbox-banner-after-restart").await;
    assert_eq!(created_for(&h, "incident", "AdminMFAV2"), 0);

    // Back online: Review → the outbox → Retry now; it goes out once.
    h.sim.handle().clear_scenario("server-error");
    h.click("#outbox-review").await;
    h.click("#outbox [id^='retry-']").await;
    let deadline = tokio::time::Instant::now() + ticket_bridge_e2e::PATIENCE;
    while created_for(&h, "incident", "AdminMFAV2") == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the waiting task was never sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    h.shot("outbox-after-retry").await;
    // Exactly once, also after the sender's next rounds.
    h.app()
        .execute("location.hash = '#/'", vec![])
        .await
        .unwrap();
    h.wait_visible("#incident-card").await;
    assert_eq!(created_for(&h, "incident", "AdminMFAV2"), 1);
    h.finish().await;
}
