//! Never lost, never doubled: the app killed (SIGKILL) while a task's answer was lost, its
//! outbox file damaged meanwhile, then started again. It opens normally, says which file it set
//! aside and that the task was kept, and the task becomes exactly one ticket.

use servicenow_sim::Scenario;
use std::time::Duration;
use ticket_bridge_e2e::steps::{sign_in_microsoft, start_connected};
use ticket_bridge_e2e::{Harness, PATIENCE};

fn mine(h: &Harness) -> Vec<serde_json::Value> {
    h.sim
        .handle()
        .records("incident")
        .into_iter()
        .filter(|r| r["correlation_display"] == "Ticket Bridge")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_send_with_a_damaged_outbox_the_task_is_sent_once() {
    let mut h = start_connected("reliability_kill").await;
    sign_in_microsoft(&mut h).await;

    // ServiceNow keeps the write but the answer never comes back.
    h.sim.handle().set_scenario(Scenario::DropAfterWrite);
    h.app()
        .execute("location.hash = '#/share/AdminMFAV2'", vec![])
        .await
        .unwrap();
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    h.wait_visible("#task-waiting").await;
    assert_eq!(mine(&h).len(), 1, "the write reached ServiceNow");

    // A crash before the next attempt; the outbox file gets a second entry this version cannot
    // read (as a newer version, or a disk error, could leave it).
    h.kill_app();
    let ws = h.workspaces()[0].0.clone();
    let path = h
        .app_data_dir()
        .join("workspaces")
        .join(&ws)
        .join("outbox.json");
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["entries"].as_array().unwrap().len(), 1);
    file["entries"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": "garbled", "state": {"status": "?"}}));
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    h.sim.handle().clear_scenario("drop-after-write");

    // Started again: the banner says what was set aside and what was kept; the task goes out
    // once (the lookup finds the record the lost answer had created).
    h.restart_app().await;
    h.wait_visible("#damaged-banner").await;
    let banner = h.wait_text("#damaged-banner", "moved to").await;
    assert!(banner.contains("The tasks waiting to be sent"), "{banner}");
    assert!(
        banner.contains("1 task could still be read and is kept"),
        "{banner}"
    );
    let moved: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("outbox.json.damaged-")
        })
        .collect();
    assert_eq!(
        moved.len(),
        1,
        "the damaged file is kept beside the new one"
    );
    h.doc_shot("damaged-banner").await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let outbox: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if outbox["entries"].as_array().is_some_and(|e| e.is_empty()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the task never left the outbox: {outbox}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mine(&h).len(), 1, "exactly one ticket");
    let posts = h
        .sim
        .handle()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/now/table/incident")
        .count();
    assert_eq!(posts, 1, "never posted again");

    h.click("#damaged-dismiss").await;
    let gone = h
        .app()
        .execute(
            "return document.getElementById('damaged-banner') === null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(gone, serde_json::json!(true));
    h.finish().await;
}

/// The answer lost and the instance hiding `correlation_id`: the outbox says it cannot tell,
/// looks again without posting, and offers the admin Send anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_proves_nothing_lets_the_admin_decide() {
    let mut h = start_connected("reliability_unproven").await;
    sign_in_microsoft(&mut h).await;
    let sim = h.sim.handle();
    sim.insert_record(
        "incident",
        serde_json::json!({"short_description": "someone else's", "correlation_id": "other/1"}),
    );
    sim.set_scenario(Scenario::DropAfterWrite);
    h.go("#/share/AdminMFAV2").await;
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    h.wait_visible("#task-waiting").await;
    sim.clear_scenario("drop-after-write");
    sim.set_scenario(Scenario::HideField("correlation_id".into()));

    h.go("#/outbox").await;
    h.click("[id^='retry-']").await;
    h.wait_text("#outbox-items", "cannot tell whether").await;
    h.wait_visible("[id^='send-anyway-']").await;
    let look_again = h.wait_text("[id^='retry-']", "Look again").await;
    assert_eq!(look_again.trim(), "Look again");
    let posts = || {
        sim.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/api/now/table/incident")
            .count()
    };
    assert_eq!(posts(), 1, "the lookup never posts again");
    h.shot("outbox-unproven").await;

    // The admin looked in ServiceNow and chose to send it: one more POST, on their word.
    h.click("[id^='send-anyway-']").await;
    h.wait_visible("#outbox-empty").await;
    assert_eq!(posts(), 2);
    h.finish().await;
}
