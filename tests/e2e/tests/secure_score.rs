//! Secure Score as an admin meets it: the Microsoft 365 card before the sign-in, the portal's
//! CSV export imported with a preview, the sign-in in the browser with the organisation's
//! consent, the tenant's own actions with their points, a task sent from one, and the score
//! confirming the fix once the fulfiller closed the ticket (a notification, a badge on the
//! actions page, the ticket list and the home card), then its regression. Screenshots of each screen, light and dark (after a
//! restart, which brings the sign-in back from the keychain).

use std::time::Duration;
use ticket_bridge_e2e::PATIENCE;
use ticket_bridge_e2e::steps::{microsoft_pages, start_connected};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_score_brings_the_tenants_actions_and_confirms_a_fix() {
    let mut h = start_connected("secure_score").await;
    let ms = h.microsoft.handle();

    // Home: the Microsoft 365 card asks for the sign-in, or the export.
    h.go("#/").await;
    h.wait_visible("#microsoft-card:not([aria-busy]) #microsoft-sign-in")
        .await;
    h.doc_shot("microsoft-card").await;

    // The actions page before anything: no points anywhere, three ways to get actions.
    h.go("#/actions").await;
    h.wait_visible("#actions-empty").await;
    h.wait_visible("#score-sign-in").await;

    // The portal's export, imported with a preview first.
    let export = h.out_dir.join("Secure Score export.csv");
    std::fs::write(&export, ms.portal_export_csv()).unwrap();
    h.click("#actions-import-open").await;
    let input = h.wait_visible("#csv-file").await;
    input
        .send_keys(export.to_str().unwrap())
        .await
        .expect("the file chooser takes a path");
    let live = ms
        .profiles()
        .iter()
        .filter(|p| p["deprecated"] != true)
        .count();
    h.wait_text(
        "#csv-preview-count",
        &format!("{live} actions in Secure Score export.csv"),
    )
    .await;
    h.doc_shot("csv-import").await;
    h.click("#csv-import").await;
    h.wait_text("#actions-count", &format!("{live} actions"))
        .await;
    h.wait_text("#csv-last", "Secure Score export.csv").await;

    // The sign-in page, pre-filled with the demo tenant; who should sign in is said first.
    h.click("#actions-sign-in").await;
    h.wait_visible("#ms-tenant").await;
    h.wait_text("#ms-who", "Security Reader").await;
    h.doc_shot("microsoft-sign-in").await;
    let n = h.opened_urls().len() + 1;
    h.click("#ms-sign-in").await;
    let url = h.wait_opened_url(n).await;
    assert!(url.starts_with(&h.microsoft.base_url()), "{url}");
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("state="),
        "{url}"
    );
    h.wait_visible("#ms-sign-in-progress").await;
    let browser = h.browser().await;
    browser.goto(&url).await.unwrap();
    microsoft_pages(browser, servicenow_sim::microsoft::MS_ADMIN, true).await;
    assert!(ms.has_admin_consent(servicenow_sim::microsoft::MS_CLIENT_ID));

    // The actions page: the tenant's score, its actions with their own points; the imported
    // rows of the same titles are not shown twice.
    let newest = ms.newest_snapshot().unwrap();
    let score = newest["currentScore"].as_f64().unwrap();
    h.wait_text("#score-value", "points").await;
    // Graph's actions replace the imported ones of the same titles: no title twice.
    let titles = h
        .app()
        .execute(
            "return [...document.querySelectorAll('#actions-table .action-title')].map(e => e.textContent)",
            vec![],
        )
        .await
        .unwrap();
    let titles: Vec<String> = serde_json::from_value(titles).unwrap();
    let unique: std::collections::HashSet<&String> = titles.iter().collect();
    assert_eq!(unique.len(), titles.len(), "a title is listed twice");
    // Every profile that is not deprecated, and the scores Graph gives without a profile.
    let graph_actions = live + servicenow_sim::microsoft::ORPHAN_CONTROLS.len();
    assert_eq!(titles.len(), graph_actions);
    h.wait_text("#actions-count", &format!("{graph_actions} actions"))
        .await;
    let shown = h.wait_text("#score-value", "of").await;
    let whole = format!("{}", score.trunc() as i64);
    assert!(shown.contains(&whole), "{shown} shows {score}");
    let row = h.wait_text("tr[data-action-id='AdminMFAV2']", "of").await;
    let max = ms.control_max("AdminMFAV2");
    assert!(row.contains(&format!("of {max}")), "{row}");
    h.doc_shot("actions-scored").await;

    // A score read that brings the same actions back leaves the rows where they are: a click
    // on one is not lost to a list drawn again under the pointer.
    let reads: String = serde_json::from_value(
        h.app()
            .execute(
                "document.querySelector(\"tr[data-action-id='AdminMFAV2']\").dataset.kept = 'yes';\
                 return document.querySelector('#actions-card .table-slot').dataset.reads;",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    let reads: u32 = reads.parse().unwrap();
    h.click("#score-refresh").await;
    h.wait_visible(&format!(
        "#actions-card .table-slot[data-reads='{}']",
        reads + 1
    ))
    .await;
    let kept = h
        .app()
        .execute(
            "return document.querySelector(\"tr[data-action-id='AdminMFAV2']\")?.dataset.kept ?? null",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!("yes"), "the rows were drawn again");

    // Search and filter.
    h.fill("actions-search", "legacy authentication").await;
    h.wait_text("#actions-table", "block legacy authentication")
        .await;
    let filtered = h.wait_text("#actions-count", " of ").await;
    assert!(!filtered.starts_with(&format!("{live} ")), "{filtered}");
    h.app()
        .execute(
            "const s = document.getElementById('actions-search'); s.value = ''; s.dispatchEvent(new Event('input'));",
            vec![],
        )
        .await
        .unwrap();
    h.wait_text("#actions-count", "actions").await;

    // A task from a Graph action: the remediation and the points go along.
    h.click("#share-AdminMFAV2").await;
    let description = h
        .wait_visible("#task-description")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        !description.trim().is_empty(),
        "the remediation comes along"
    );
    h.wait_text("#task-points", &format!("of {max}")).await;
    h.click("#task-kind-incident").await;
    h.click("#send-task").await;
    let sent = h.wait_visible("#task-sent").await.text().await.unwrap();
    assert!(sent.contains("INC0010001"), "{sent}");
    let incident = h.sim.handle().records("incident")[0].clone();
    let sys_id = incident["sys_id"].as_str().unwrap().to_owned();

    // The fulfiller closes it; the next day's score has the control at full points.
    assert!(h.sim.handle().update_record(
        "incident",
        &sys_id,
        serde_json::json!({"state": "7", "close_code": "Solved (Permanently)", "close_notes": "MFA on"})
    ));
    ms.advance_clock(Duration::from_secs(120));
    ms.new_snapshot();
    ms.set_control_score("AdminMFAV2", max);

    // The watcher sees the close; Refresh reads the score: Verified, told once.
    h.go("#/manage").await;
    h.click("#manage-tab-notifications").await;
    h.click("#watch-now").await;
    h.go("#/actions").await;
    h.click("#score-refresh").await;
    let n = h
        .notifications
        .wait_for(PATIENCE, |n| n.summary.contains("Secure Score confirms"))
        .await
        .expect("no notification for the verified fix");
    assert_eq!(n.summary, "Secure Score confirms the fix of INC0010001");
    h.wait_text("#verdict-AdminMFAV2", "Verified by Secure Score")
        .await;
    h.scroll_to("tr[data-action-id='AdminMFAV2']").await;
    h.doc_shot("actions-verified").await;

    // The control loses its points again: Regressed, told once, and the action can get a new
    // ticket.
    ms.advance_clock(Duration::from_secs(120));
    ms.new_snapshot();
    ms.set_control_score("AdminMFAV2", 0.0);
    h.click("#score-refresh").await;
    let n = h
        .notifications
        .wait_for(PATIENCE, |n| n.summary.contains("undone"))
        .await
        .expect("no notification for the regression");
    assert!(n.summary.contains("INC0010001"), "{}", n.summary);
    h.wait_text("#verdict-AdminMFAV2", "Regressed").await;
    h.scroll_to("tr[data-action-id='AdminMFAV2']").await;
    h.shot("actions-regressed").await;
    ms.advance_clock(Duration::from_secs(120));
    ms.new_snapshot();
    ms.set_control_score("AdminMFAV2", max);
    h.click("#score-refresh").await;
    h.wait_text("#verdict-AdminMFAV2", "Verified by Secure Score")
        .await;
    let told = h
        .notifications
        .received()
        .iter()
        .filter(|n| n.summary.contains("Secure Score confirms"))
        .count();
    assert_eq!(
        told, 2,
        "verified, regressed, verified again: each told once"
    );

    // The list and the home card say so too.
    h.go("#/tickets").await;
    h.wait_text("main", "Verified by Secure Score").await;
    h.go("#/").await;
    h.wait_text("#microsoft-card", "Megan Bowen").await;
    h.wait_text("#incident-card", "Verified by Secure Score")
        .await;
    h.doc_shot("home-verified").await;

    // After a restart (in the dark theme), the sign-in comes back from the keychain: the score
    // and the verdict are there without signing in again.
    h.options_mut().dark = true;
    h.restart_app().await;
    h.go("#/").await;
    h.wait_text("#microsoft-card", "Megan Bowen").await;
    h.wait_text("#incident-card", "Verified by Secure Score")
        .await;
    h.shot("home-verified-dark").await;
    h.go("#/actions").await;
    h.wait_text("#verdict-AdminMFAV2", "Verified by Secure Score")
        .await;
    h.doc_shot("actions-dark").await;

    // No Microsoft token anywhere on disk or in the logs: only the keychain has them.
    let tokens = ms.issued_tokens();
    assert!(
        tokens.len() >= 2,
        "an access and a refresh token were issued"
    );
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    h.assert_no_secrets(&refs);
    h.finish().await;
}
