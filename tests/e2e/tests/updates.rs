//! Updates and the organisation's policy, in the real app against a local update server
//! (`ticket_bridge_e2e::update_server`: a signed manifest and its file over HTTP on 127.0.0.1).
//!
//! - The app looks for an update by itself at start and offers it: "Version 9.0.0 is
//!   available" with its notes, installed only when the admin selects Install and restart.
//! - A download signed by another key is refused with the signature's words, and nothing is
//!   installed; the same download signed by the key the app trusts passes the signature check
//!   and only then fails to install (it is not an installer), which shows the check is real.
//! - With the policy's `DisableUpdates` the app makes no update request at all, Settings says
//!   the organisation manages updates and offers no button; the locked presets fill the setup
//!   form read-only, "Set by your organisation", and Rust refuses another value over IPC.

use servicenow_sim::SimConfig;
use std::time::Duration;
use ticket_bridge_e2e::update_server::{NOTES, OFFERED_VERSION, Signed, UpdateServer};
use ticket_bridge_e2e::{AppOptions, Harness, PATIENCE};

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_is_offered_and_a_download_signed_by_another_key_is_refused() {
    let server = UpdateServer::start(Signed::ByAnotherKey).await;
    let mut h = Harness::start(
        "an_update_is_offered",
        SimConfig::default(),
        AppOptions {
            env: server.app_env(),
            ..AppOptions::default()
        },
    )
    .await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    // The daily check runs at start, by itself.
    until("the app never asked for the manifest", || {
        server.requests().iter().any(|p| p == "/latest.json")
    })
    .await;
    h.go("#/settings").await;
    let status = h
        .wait_text(
            "#updates-status",
            &format!("Version {OFFERED_VERSION} is available"),
        )
        .await;
    assert_eq!(status, format!("Version {OFFERED_VERSION} is available"));
    // The notes as text, their line break kept; nothing installed without the admin.
    h.wait_text("#updates-notes", "Ticket cards load faster.")
        .await;
    let notes = h
        .app()
        .execute(
            "const e = document.getElementById('updates-notes'); return [e.textContent, getComputedStyle(e).whiteSpace, e.innerText];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(notes[0], NOTES, "{notes}");
    assert_eq!(notes[1], "pre-line", "{notes}");
    h.wait_text("#updates-published", "2026").await;
    assert!(
        !server.requests().iter().any(|p| p == "/payload.bin"),
        "the update was downloaded before the admin asked: {:?}",
        server.requests()
    );
    h.scroll_to("#install-update").await;
    h.doc_shot("settings-update-available").await;

    // Signed by another key: refused, with the words that say so.
    h.click("#install-update").await;
    let refused = h
        .wait_text(
            "#updates-error",
            "not signed by the Ticket Bridge developers",
        )
        .await;
    assert!(refused.contains("Nothing was installed"), "{refused}");
    assert!(server.requests().iter().any(|p| p == "/payload.bin"));
    let log = h.app_output();
    assert!(
        log.contains("update: Signature"),
        "the refusal is not in the log"
    );
    h.shot("update-refused").await;

    // Signed by the trusted key: the signature check passes; the file is no installer, so it
    // fails only at the installing step.
    server.sign(Signed::ByTestKey);
    h.click("#check-updates").await;
    h.wait_text(
        "#updates-status",
        &format!("Version {OFFERED_VERSION} is available"),
    )
    .await;
    h.click("#install-update").await;
    let failed = h
        .wait_text("#updates-error", "The update could not be installed.")
        .await;
    assert!(!failed.contains("not signed"), "{failed}");
    assert!(h.app_output().contains("update: Install"));
    // The app still runs, as it was.
    h.wait_visible("#updates-card").await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organisations_policy_turns_updates_off_and_locks_the_setup_form() {
    let server = UpdateServer::start(Signed::ByTestKey).await;
    let dir = ticket_bridge_e2e::output_dir("policy-file");
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        serde_json::json!({
            "DisableUpdates": true,
            "ServiceNowInstance": "contoso.service-now.com",
            "ServiceNowInstanceLocked": true,
            "ServiceNowClientId": "8f2b6c1d9e0a4b7c8d3e5f6a7b8c9d0e",
            "IntegrationUser": "svc_ticketbridge",
            "IntegrationUserLocked": true,
            "NotificationIntervalSeconds": 300,
            "NotificationIntervalSecondsLocked": true,
            "UpdateChannel": "beta"
        })
        .to_string(),
    )
    .unwrap();
    let mut env = server.app_env();
    env.push((
        "TICKET_BRIDGE_POLICY_FILE".into(),
        policy.display().to_string(),
    ));
    let mut h = Harness::start(
        "the_organisations_policy",
        SimConfig::default(),
        AppOptions {
            env,
            ..AppOptions::default()
        },
    )
    .await;
    h.wait_visible("#connection-card:not([aria-busy])").await;
    let log = h.app_output();
    assert!(log.contains("updates are off (Policy)"), "{log}");
    assert!(
        log.contains("ignoring UpdateChannel: not a setting Ticket Bridge knows"),
        "an unknown policy key is not in the log"
    );

    h.go("#/settings").await;
    let status = h
        .wait_text("#updates-status", "Your organisation manages updates")
        .await;
    assert!(status.contains("Ask your IT department"), "{status}");
    h.wait_text("#updates-managed", "Set by your organisation")
        .await;
    let buttons = h
        .app()
        .execute(
            "return document.querySelectorAll('#check-updates, #install-update').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(buttons, serde_json::json!(0));
    h.shot("settings-updates-managed").await;

    // The setup form: the locked instance and user read-only, the client ID only filled.
    h.go("#/connect").await;
    h.wait_visible("#client-id").await;
    let fields = h
        .app()
        .execute(
            "const f = (id) => { const e = document.getElementById(id); return [e.value, e.readOnly]; };\
             return [f('instance'), f('client-id'), f('integration-user'), !!document.getElementById('instance-managed')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fields,
        serde_json::json!([
            ["https://contoso.service-now.com", true],
            ["8f2b6c1d9e0a4b7c8d3e5f6a7b8c9d0e", false],
            ["svc_ticketbridge", true],
            true
        ])
    );
    h.wait_text("label[for=instance]", "Set by your organisation")
        .await;
    h.doc_shot("connect-policy-locked").await;

    // Rust enforces it too: another instance over IPC is refused with the policy's reason.
    let refused = h
        .app()
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI__.core.invoke('connect', { instance: 'https://fabrikam.service-now.com', clientId: 'x', clientSecret: 'y', integrationUser: 'svc_ticketbridge', port: null })\
               .then(() => done(null), (e) => done(e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(refused["reason"], "policy_locked", "{refused}");
    assert_eq!(refused["params"]["setting"], "servicenowInstance");

    // No update request at all, from start to here.
    assert_eq!(server.requests(), Vec::<String>::new());
    h.finish().await;
}
