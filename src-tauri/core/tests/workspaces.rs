//! Workspaces against two simulated instances at once, over real HTTP: every task goes to the
//! instance it was made for and nowhere else, whatever the admin connects or removes
//! meanwhile; and an earlier version's single connection (its settings file, its data files and
//! its keychain entries, as that version wrote them) becomes the first workspace without a
//! sign-in.

mod common;

use servicenow_sim::{INTEGRATION_USER, Scenario};
use ticket_bridge_core::Secret;
use ticket_bridge_core::secrets::{Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::workspace::{Event, WaitingChoice};

use common::app::{instance, open_in, until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_goes_to_its_own_instance_whatever_else_is_connected() {
    let a = instance("a").await;
    let b = instance("b").await;
    let mut app = open_in(tempfile::tempdir().unwrap());
    assert!(
        app.registry.list().is_empty(),
        "a first start has no workspace"
    );

    // A is connected, then goes down; a task for A waits.
    let ws_a = app.connect(None, &a).await;
    let wa = app.registry.get(&ws_a).unwrap();
    a.sim.handle().set_scenario(Scenario::ServerError);
    let waiting = wa
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap();
    assert!(waiting.sent.is_none(), "A is down: the task waits");

    // B is connected beside it: a second workspace, selected now.
    let ws_b = app.connect(None, &b).await;
    assert_ne!(ws_a, ws_b);
    assert_eq!(app.registry.selected().as_deref(), Some(ws_b.as_str()));
    let wb = app.registry.get(&ws_b).unwrap();
    // B's sender goes through its own outbox: nothing of A's is there.
    assert!(wb.tickets().outbox_items().is_empty());
    assert!(wb.tickets().send_due().await.is_empty());
    let summaries = app.registry.summaries().await;
    assert_eq!(summaries.len(), 2);
    let sa = summaries.iter().find(|s| s.id == ws_a).unwrap();
    assert_eq!(sa.waiting, 1);
    assert_eq!(sa.instance.as_deref(), Some(a.sim.base_url().as_str()));

    // A comes back: the task goes to A, once; B never saw a POST.
    a.sim.handle().clear_scenario("server-error");
    wa.retry(&waiting.outbox_id).await.unwrap();
    until("the task reached A", || a.created().len() == 1).await;
    until("A's outbox emptied", || {
        wa.tickets().outbox_items().is_empty()
    })
    .await;
    assert_eq!(b.table_posts(), 0, "nothing of A's was sent to B");
    assert!(b.created().is_empty());
    // A task for B goes to B.
    let sent = wb
        .submit(common::incident_draft("DLPEnabled"))
        .await
        .unwrap();
    assert!(sent.sent.is_some());
    assert_eq!(b.created().len(), 1);
    assert_eq!(a.created().len(), 1, "and not to A");
    // The tray lists both instances' tickets, each named, each opening on its own instance.
    let tray = app.registry.tray();
    assert!(tray.recent.iter().any(|r| r.workspace == ws_a));
    assert!(tray.recent.iter().any(|r| r.workspace == ws_b));
    for r in &tray.recent {
        assert!(r.instance_name.is_some(), "{r:?}");
        let base = if r.workspace == ws_a {
            a.sim.base_url()
        } else {
            b.sim.base_url()
        };
        let url = app
            .registry
            .recent_url(&r.workspace, &r.ticket.sys_id)
            .unwrap();
        assert!(url.starts_with(&base), "{url}");
    }

    // Removing A with a task waiting needs the admin's word.
    a.sim.handle().set_scenario(Scenario::ServerError);
    let second = wa
        .submit(common::incident_draft("BlockLegacyAuthentication"))
        .await
        .unwrap();
    assert!(second.sent.is_none());
    let refused = app.registry.remove(&ws_a, None).await.unwrap_err();
    assert_eq!(refused.kind, ticket_bridge_core::ErrorKind::InvalidInput);
    assert!(refused.message.contains("1 task"), "{}", refused.message);
    assert!(wa.connection().settings().is_some(), "nothing was removed");

    // Keep: the connection goes, the task and the workspace stay, still bound to A.
    let kept = app
        .registry
        .remove(&ws_a, Some(WaitingChoice::Keep))
        .await
        .unwrap();
    assert!(kept.kept);
    assert!(wa.connection().settings().is_none());
    assert_eq!(wa.tickets().outbox_items().len(), 1);
    let ka = Keychain::for_workspace(
        &ws_a,
        &InstanceUrl::parse(&a.sim.base_url()).unwrap(),
        &a.client_id,
    );
    for kind in SecretKind::ALL {
        assert_eq!(ka.get(kind).unwrap(), None, "{kind:?} left in the keychain");
    }
    // Signing in to A's workspace with B's instance is refused: a workspace keeps its instance.
    let e = app
        .registry
        .connect(Some(&ws_a), b.request())
        .await
        .unwrap_err();
    assert!(e.message.contains(&a.sim.base_url()), "{}", e.message);
    // B goes on working; A's kept task never reaches it.
    a.sim.handle().clear_scenario("server-error");
    assert!(wb.tickets().send_due().await.is_empty());
    assert_eq!(b.created().len(), 1);

    // A connected again (its instance, its form): the kept task goes to A, once.
    assert_eq!(app.connect(Some(&ws_a), &a).await, ws_a);
    until("the kept task reached A", || a.created().len() == 2).await;
    until("A's outbox emptied again", || {
        wa.tickets().outbox_items().is_empty()
    })
    .await;
    assert_eq!(b.created().len(), 1);
    let mut ids: Vec<String> = a
        .created()
        .iter()
        .map(|r| r["correlation_id"].as_str().unwrap().to_owned())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 2, "each task once");

    // Removing A for good, with nothing waiting: the workspace and its folder go; B stays.
    let dir_a = wa.dir().to_owned();
    let gone = app.registry.remove(&ws_a, None).await.unwrap();
    assert!(!gone.kept);
    assert_eq!(gone.selected.as_deref(), Some(ws_b.as_str()));
    assert!(app.registry.get(&ws_a).is_err());
    assert!(!dir_a.exists(), "A's folder is deleted");
    assert!(wb.connection().settings().is_some(), "B is untouched");
    let events = app.host.events.lock().unwrap();
    assert!(events.iter().any(|e| matches!(e,
        Event::ConnectionChanged { workspace, connection: None } if *workspace == ws_a)));
    assert!(
        !events.iter().any(|e| matches!(e,
        Event::ConnectionChanged { workspace, connection: None } if *workspace == ws_b)),
        "B was never told it lost its connection"
    );
}

/// The files version 0.1.0 (one connection, no workspaces) wrote, field for field.
mod v010 {
    use serde_json::{Value, json};

    pub fn connection(instance: &str, client_id: &str, port: u16) -> Value {
        json!({
            "instance": instance,
            "clientId": client_id,
            "integrationUser": "svc_ticket_bridge",
            "port": port,
            "publicClient": false,
            "signedIn": {"sysId": "6816f79cc0a8016401c5a33be04be441",
                         "userName": "svc_ticket_bridge",
                         "displayName": "Ticket Bridge Integration"},
            "release": "Zurich",
            "accessTokenExpiresAt": "2030-01-01T00:00:00Z"
        })
    }

    pub fn settings(instance: &str, client_id: &str, port: u16) -> Value {
        json!({
            "connection": connection(instance, client_id, port),
            "watch": {"intervalSecs": 30,
                      "notify": {"state": true, "assigned": true, "priority": false,
                                 "due": true, "comments": true, "closed": true},
                      "autostart": false}
        })
    }

    /// One task waiting (it never reached ServiceNow), as the outbox kept it.
    pub fn outbox(due: &str) -> Value {
        let correlation = "tb1/local/AdminMFAV2/0a1b2c3d";
        json!({
            "version": 1,
            "entries": [{
                "id": "0a1b2c3d",
                "draft": {"actionId": "AdminMFAV2", "actionTitle": "MFA for admins",
                          "name": "Require MFA for admins", "description": "Do it.",
                          "priority": 2, "dueDate": due, "source": "microsoft",
                          "category": "Identity", "kind": "incident",
                          "initiatingUser": "ada"},
                "tenant": "local",
                "correlationId": correlation,
                "record": {"short_description": "Require MFA for admins",
                           "description": "Do it.", "impact": "1", "urgency": "2",
                           "due_date": format!("{due} 23:59:59"),
                           "correlation_id": correlation,
                           "correlation_display": "Ticket Bridge"},
                "kind": "incident",
                "attempts": 0,
                "state": {"status": "waiting"},
                "nextAttemptAt": "1970-01-01T00:00:00Z",
                "queuedAt": "2026-11-30T09:00:00Z",
                "lastError": null
            }],
            "recentlySent": []
        })
    }

    pub fn board() -> Value {
        json!({
            "version": 1,
            "fetchedAt": "2026-11-30T09:00:00Z",
            "tickets": [],
            "labels": {"changeRequest": {"-5": "New"}, "incident": {"1": "New", "2": "In Progress"}},
            "customNames": {"changeRequest": {}, "incident": {"2": "Being fixed"}},
            "userActions": [{"id": "user-0a0b0c0d", "title": "Turn on MFA for the help desk",
                             "category": "Identity", "source": "user", "points": null,
                             "maxPoints": null, "remediation": "Use CA."}],
            "categoryMapping": {"Identity": "security"}
        })
    }

    pub fn watch(instance: &str) -> Value {
        json!({"instance": instance, "mark": {"updatedOn": null, "tickets": {}}})
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_versions_connection_becomes_the_first_workspace_without_a_sign_in() {
    let a = instance("upgrade").await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let base = a.sim.base_url();
    let write = |name: &str, v: serde_json::Value| {
        std::fs::write(root.join(name), serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    };
    let due = (chrono::Local::now().date_naive() + chrono::Days::new(7)).to_string();
    write("settings.json", v010::settings(&base, &a.client_id, a.port));
    write("outbox.json", v010::outbox(&due));
    write("tickets.json", v010::board());
    write("watch.json", v010::watch(&base));
    // Its secrets, where that version filed them.
    let (access, refresh) = a
        .sim
        .handle()
        .issue_tokens(INTEGRATION_USER, &a.client_id)
        .unwrap();
    let instance = InstanceUrl::parse(&base).unwrap();
    let legacy = Keychain::legacy(&instance, &a.client_id);
    legacy
        .set(SecretKind::ClientSecret, &Secret::new(common::SECRET))
        .unwrap();
    legacy
        .set(SecretKind::AccessToken, &Secret::new(access))
        .unwrap();
    legacy
        .set(SecretKind::RefreshToken, &Secret::new(refresh))
        .unwrap();

    let app = open_in(dir);
    let root = app._dir.path();
    let list = app.registry.list();
    assert_eq!(list.len(), 1, "one workspace");
    let ws = list[0].clone();
    assert_eq!(app.registry.selected().as_deref(), Some(ws.id()));
    assert_eq!(ws.instance(), Some(instance.clone()));
    // The files moved into the workspace's folder.
    for f in ["outbox.json", "tickets.json", "watch.json"] {
        assert!(!root.join(f).exists(), "{f} left behind");
        assert!(ws.dir().join(f).exists(), "{f} not in the workspace");
    }
    assert!(ws.dir().starts_with(root.join("workspaces")));
    // The settings: no single connection any more; the notification settings carried over.
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("settings.json")).unwrap()).unwrap();
    assert!(settings.get("connection").is_none());
    assert_eq!(settings["workspaces"]["list"][0]["id"], ws.id());
    assert_eq!(app.registry.notification_settings().prefs.interval_secs, 30);
    // Names, mapping and typed actions came along.
    assert_eq!(
        ws.tickets()
            .state_label(Some(ticket_bridge_core::tickets::TicketKind::Incident), "2"),
        "Being fixed"
    );
    assert_eq!(
        ws.tickets().category_mapping()["Identity"],
        "security".to_owned()
    );

    // In the background: the keychain entries move and the connection comes back, with no
    // browser; the waiting task goes out to its instance, once.
    until("the connection was restored", || {
        ws.connection().settings().is_some() && ws.connection().api().is_ok()
    })
    .await;
    let new = Keychain::for_workspace(ws.id(), &instance, &a.client_id);
    until("the secrets moved", || {
        new.get(SecretKind::RefreshToken).unwrap().is_some()
            && legacy.get(SecretKind::RefreshToken).unwrap().is_none()
    })
    .await;
    until("the waiting task was sent", || a.created().len() == 1).await;
    assert_eq!(
        a.created()[0]["short_description"],
        "Require MFA for admins"
    );
    assert!(
        ws.tickets()
            .actions()
            .unwrap()
            .iter()
            .any(|x| x.action.id == "user-0a0b0c0d"),
        "the typed action is listed"
    );
    let token_grants = a.sim.handle().token_requests();
    assert_eq!(
        token_grants.get("authorization_code"),
        None,
        "no sign-in happened"
    );

    // A second start finds the workspace as it is, and migrates nothing again.
    drop(app.registry);
}

/// Each install has its own correlation segment: its tickets carry it, a ticket someone else's
/// install (or anyone who can create a task) made is neither listed nor told, and tickets made
/// before installs had their own (`tb1/local/`) stay this install's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_recognises_its_own_tickets_only() {
    let a = instance("owner").await;
    let mut app = open_in(tempfile::tempdir().unwrap());
    let id = app.connect(None, &a).await;
    let ws = app.registry.get(&id).unwrap();
    let sent = ws
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap()
        .sent
        .expect("sent");
    let created = a.created();
    let correlation = created[0]["correlation_id"].as_str().unwrap().to_owned();
    let segment = correlation.split('/').nth(1).unwrap().to_owned();
    assert!(
        segment.starts_with('i') && segment.len() == 11,
        "{correlation}"
    );

    // Someone else's install, and a ticket from before installs had their own.
    let h = a.sim.handle();
    h.insert_record(
        "incident",
        serde_json::json!({"short_description": "planted",
            "correlation_id": "tb1/i0000000000/AdminMFAV2/12345678", "correlation_display": "Ticket Bridge"}),
    );
    h.insert_record(
        "incident",
        serde_json::json!({"short_description": "from 0.1",
            "correlation_id": "tb1/local/DLPEnabled/87654321", "correlation_display": "Ticket Bridge"}),
    );
    let list = ws.refresh_tickets().await.unwrap();
    let names: Vec<_> = list.tickets.iter().map(|t| t.name.clone()).collect();
    assert!(names.iter().any(|n| n == "from 0.1"), "{names:?}");
    assert!(!names.iter().any(|n| n == "planted"), "{names:?}");
    assert!(list.tickets.iter().any(|t| t.sys_id == sent.sys_id));

    // A change to the planted ticket is never told; one to ours is.
    ws.tickets().watch_poll().await.unwrap();
    let planted = h
        .records("incident")
        .into_iter()
        .find(|r| r["short_description"] == "planted")
        .unwrap();
    assert!(h.update_record(
        "incident",
        planted["sys_id"].as_str().unwrap(),
        serde_json::json!({"state": "2"})
    ));
    assert!(h.update_record("incident", &sent.sys_id, serde_json::json!({"state": "2"})));
    let report = ws.tickets().watch_poll().await.unwrap();
    let told: Vec<_> = report.changes.iter().map(|c| c.sys_id.clone()).collect();
    assert_eq!(told, vec![sent.sys_id.clone()]);

    // The segment survives a restart of the app.
    drop(ws);
    let dir = app._dir;
    let again = open_in(dir);
    let ws = again.registry.get(&id).unwrap();
    until("the connection was restored", || {
        ws.connection().api().is_ok()
    })
    .await;
    ws.submit(common::incident_draft("DLPEnabled"))
        .await
        .unwrap();
    assert!(
        a.created()
            .iter()
            .filter(|r| r["correlation_id"]
                .as_str()
                .is_some_and(|c| c.starts_with(&format!("tb1/{segment}/"))))
            .count()
            == 2
    );
}

/// At start the home page asks for the connection while the registry restores it in the
/// background (keychain): the answer waits for that, so a connected workspace is drawn
/// connected from its cache and never first as not connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_home_page_finds_the_saved_connection_at_once() {
    let a = instance("restart").await;
    let mut app = open_in(tempfile::tempdir().unwrap());
    let id = app.connect(None, &a).await;
    let ws = app.registry.get(&id).unwrap();
    let first = ws
        .connection_status()
        .await
        .expect("a new workspace is connected");
    drop(ws);
    let dir = app._dir;
    let again = open_in(dir);
    let info = again.registry.get(&id).unwrap().connection_status().await;
    assert_eq!(info.map(|i| i.instance), Some(first.instance));
}
