//! The watcher against the simulator: changes made by the fulfiller over the Table API (basic
//! auth), as a real agent would, are each reported once; same-second changes; a restart
//! between two polls; one request per poll; a rate limit leaves the watermark where it was.

mod common;

use common::world;
use servicenow_sim::Scenario;
use std::time::Duration;
use ticket_bridge_core::tickets::TicketKind;
use ticket_bridge_core::tickets::service::TicketService;
use ticket_bridge_core::tickets::watch::{self, Change, Watermark};

#[tokio::test]
async fn fulfiller_changes_are_reported_once_across_a_restart() {
    let w = world("watch", vec![], false).await;
    w.connect_direct().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();
    let a = svc
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap()
        .sent
        .unwrap();
    let b = svc
        .submit(common::incident_draft("DLPEnabled"))
        .await
        .unwrap()
        .sent
        .unwrap();
    let api = w.manager.api().unwrap();
    let h = w.sim.handle();

    let mut mark = Watermark::default();
    assert!(
        watch::poll(&api, "local", &mut mark)
            .await
            .unwrap()
            .is_empty(),
        "the first poll learns"
    );

    // Nothing changed: one request, nothing reported.
    h.clear_requests();
    assert!(
        watch::poll(&api, "local", &mut mark)
            .await
            .unwrap()
            .is_empty()
    );
    let polls: Vec<_> = h
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    assert_eq!(polls.len(), 1, "one poll is one request");
    assert!(
        polls[0]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("sysparm_no_count=true")
    );

    // The fulfiller moves one ticket to In Progress and assigns it, in the same second as a
    // comment on the other one.
    assert!(h.update_record(
        "incident",
        &a.sys_id,
        serde_json::json!({"state": "2", "assigned_to": h.user_sys_id("beth.agent").unwrap()})
    ));
    assert!(h.update_record(
        "incident",
        &b.sys_id,
        serde_json::json!({"comments": "Looking at it"})
    ));
    let changes = watch::poll(&api, "local", &mut mark).await.unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let ca = changes.iter().find(|c| c.sys_id == a.sys_id).unwrap();
    assert!(ca.changes.contains(&Change::StateChanged {
        from: "1".into(),
        to: "2".into()
    }));
    assert!(ca.changes.iter().any(
        |c| matches!(c, Change::Assigned { to: Some(_), name: Some(n) } if n == "Beth Agent")
    ));
    assert_eq!(
        changes
            .iter()
            .find(|c| c.sys_id == b.sys_id)
            .unwrap()
            .changes,
        vec![Change::Commented {
            work_note: false,
            by: Some("beth.agent".into()),
            text: "Looking at it".into()
        }]
    );
    assert_eq!(ca.kind, Some(TicketKind::Incident));

    // Polling again in the same second reports nothing twice.
    assert!(
        watch::poll(&api, "local", &mut mark)
            .await
            .unwrap()
            .is_empty()
    );

    // Restart: the watermark comes back from disk; a change made while the app was closed is
    // reported once, the old ones are not.
    let saved = serde_json::to_string(&mark).unwrap();
    drop(mark);
    assert!(h.update_record("incident", &a.sys_id, serde_json::json!({"state": "6"})));
    let mut mark: Watermark = serde_json::from_str(&saved).unwrap();
    let changes = watch::poll(&api, "local", &mut mark).await.unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].sys_id, a.sys_id);

    // A rate limit is an error the caller backs off on; the watermark does not move.
    h.advance_clock(Duration::from_secs(2));
    assert!(h.update_record("incident", &b.sys_id, serde_json::json!({"state": "3"})));
    h.set_scenario(Scenario::RateLimit {
        retry_after_secs: 9,
    });
    let before = mark.clone();
    let e = watch::poll(&api, "local", &mut mark).await.unwrap_err();
    assert_eq!(e.retry_after_secs, Some(9));
    assert_eq!(mark, before);
    h.clear_scenario("rate-limit");
    let changes = watch::poll(&api, "local", &mut mark).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].sys_id, b.sys_id);
}

/// A fulfiller who picks the ticket up before the first poll is told: the watcher knows each
/// ticket from ServiceNow's answer to its creation, not from its first sighting.
#[tokio::test]
async fn a_change_before_the_first_poll_is_told() {
    let w = world("watch-early", vec![], false).await;
    w.connect_direct().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();
    let sent = svc
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap()
        .sent
        .unwrap();
    // Right after creation, before the watcher ever polled.
    let h = w.sim.handle();
    assert!(h.update_record("incident", &sent.sys_id, serde_json::json!({"state": "2"})));
    let report = svc.watch_poll().await.unwrap();
    assert_eq!(report.changes.len(), 1, "{:?}", report.changes);
    assert!(matches!(
        &report.changes[0].changes[..],
        [Change::StateChanged { from, to }] if from == "1" && to == "2"
    ));
    // Told once.
    assert!(svc.watch_poll().await.unwrap().changes.is_empty());
    // After a restart too: the creation sighting was on disk.
    let again = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();
    assert!(again.watch_poll().await.unwrap().changes.is_empty());
}
