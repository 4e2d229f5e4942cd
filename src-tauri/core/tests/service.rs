//! The tickets side as the app's commands use it: the TicketService against the simulator.

mod common;

use common::world;
use ticket_bridge_core::tickets::TicketKind;
use ticket_bridge_core::tickets::service::{DraftInput, TicketService};

fn draft(action: &str, name: &str, kind: TicketKind) -> DraftInput {
    serde_json::from_value(serde_json::json!({
        "actionId": action,
        "actionTitle": "Create Data Loss Prevention (DLP) policies",
        "name": name,
        "description": "Create DLP policies for finance data.",
        "priority": 2,
        "dueDate": (chrono::Local::now().date_naive() + chrono::Days::new(14)).to_string(),
        "source": "microsoft",
        "category": "Data",
        "kind": match kind { TicketKind::ChangeRequest => "change_request", TicketKind::Incident => "incident" },
    }))
    .expect("the UI's draft shape")
}

#[tokio::test]
async fn submit_track_dedup_rename_export() {
    let w = world("service", vec![], false).await;
    w.connect_direct().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();

    let actions = svc.actions().unwrap();
    let dlp = actions
        .iter()
        .find(|a| a.action.id == "DLPEnabled")
        .expect("built-in action");
    assert!(dlp.ticket.is_none() && !dlp.queued);

    // The preview names what is wrong, field by field, and shows the record otherwise.
    let bad = svc.preview(draft("DLPEnabled", "  ", TicketKind::ChangeRequest));
    assert!(bad.errors.iter().any(|e| e.field == "name"));
    let good = svc.preview(draft(
        "DLPEnabled",
        "Create DLP policies",
        TicketKind::ChangeRequest,
    ));
    assert!(good.errors.is_empty());
    assert_eq!(good.table, "change_request");
    assert_eq!(good.record["impact"], "1");
    assert_eq!(good.record["urgency"], "2");

    let out = svc
        .submit(draft(
            "DLPEnabled",
            "Create DLP policies",
            TicketKind::ChangeRequest,
        ))
        .await
        .unwrap();
    let sent = out.sent.expect("sent at once");
    assert!(sent.number.starts_with("CHG"));
    assert!(sent.url.contains(&sent.sys_id));
    assert!(svc.outbox_items().is_empty());

    // The list (refreshed after the send) and the actions page know the ticket.
    let list = svc.cached_tickets().unwrap();
    let t = list
        .tickets
        .iter()
        .find(|t| t.number == sent.number)
        .expect("listed");
    assert_eq!(t.state_label, "New");
    assert_eq!(t.action_id.as_deref(), Some("DLPEnabled"));
    let dlp = svc
        .actions()
        .unwrap()
        .into_iter()
        .find(|a| a.action.id == "DLPEnabled")
        .unwrap();
    assert_eq!(dlp.ticket.unwrap().number, sent.number);
    let open = svc
        .open_ticket_for_action("DLPEnabled")
        .await
        .unwrap()
        .expect("already open");
    assert_eq!(open.number, sent.number);

    // A custom state name shows in the list and survives a reopen.
    svc.set_state_name(TicketKind::ChangeRequest, "-5", Some("Triage"))
        .await
        .unwrap();
    let again = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();
    let t = again
        .cached_tickets()
        .unwrap()
        .tickets
        .into_iter()
        .find(|t| t.number == sent.number)
        .unwrap();
    assert_eq!(t.state_label, "Triage");
    assert!(again.csv(None, "en").unwrap().contains(&sent.number));
    assert!(again.is_instance_url(&sent.url));
    assert!(!again.is_instance_url("https://evil.example/x"));

    // Typed actions are kept.
    let typed = again
        .add_action(
            "Turn on MFA for the help desk",
            ticket_bridge_core::tickets::Category::Identity,
            "",
        )
        .await
        .unwrap();
    assert!(
        again
            .actions()
            .unwrap()
            .iter()
            .any(|a| a.action.id == typed.action.id)
    );
}

#[tokio::test]
async fn a_task_waits_while_servicenow_fails_then_goes_out_once() {
    let w = world("service-wait", vec![], false).await;
    w.connect_direct().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = TicketService::open(dir.path(), w.manager.clone(), common::actions()).unwrap();
    w.sim
        .handle()
        .set_scenario(servicenow_sim::Scenario::ServerError);
    let out = svc
        .submit(draft(
            "AdminMFAV2",
            "Require MFA for admins",
            TicketKind::Incident,
        ))
        .await
        .unwrap();
    assert!(out.sent.is_none());
    let waiting = out.waiting.expect("waiting");
    assert_eq!(waiting.state, "waiting");
    assert!(waiting.error.is_some());
    assert!(
        svc.actions()
            .unwrap()
            .iter()
            .any(|a| a.action.id == "AdminMFAV2" && a.queued)
    );
    w.sim.handle().clear_scenario("server-error");
    svc.retry(&waiting.id).await.unwrap();
    let sent = svc.send_due().await;
    assert_eq!(sent.len(), 1);
    assert!(svc.send_due().await.is_empty());
    let created = w
        .sim
        .handle()
        .records("incident")
        .into_iter()
        .filter(|r| {
            r["correlation_id"]
                .as_str()
                .is_some_and(|c| c.starts_with("tb1/local/AdminMFAV2/"))
        })
        .count();
    assert_eq!(created, 1);
}
