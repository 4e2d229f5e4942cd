//! Living in the tray: the watcher in the real app, with the test notification server on the
//! session bus. A fulfiller moves a ticket the admin sent; the notification arrives with the
//! admin's own state name within one poll interval plus a second; a click on it opens the
//! ticket; the home card follows without a reload. Start at login writes (and removes) the XDG
//! autostart entry in the session's HOME. Screenshots.

use std::time::{Duration, Instant};
use ticket_bridge_e2e::steps::{send_incident, sign_in_microsoft, start_connected};
use ticket_bridge_e2e::{Harness, PATIENCE};

/// Waits until `selector`'s text contains `needle`.
async fn wait_text(h: &Harness, selector: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let text = h.wait_visible(selector).await.text().await.unwrap();
        if text.contains(needle) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{selector} never said {needle:?}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `done()` holds; fails with `what` after PATIENCE.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn set_select(h: &Harness, id: &str, value: &str) {
    h.app()
        .execute(
            &format!(
                "const s = document.getElementById('{id}'); s.value = '{value}'; s.dispatchEvent(new Event('change', {{bubbles: true}}));"
            ),
            vec![],
        )
        .await
        .unwrap();
}

fn autostart_entries() -> Vec<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".config/autostart");
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// The interval saved in the app's settings file.
fn saved_interval(h: &Harness) -> Option<u64> {
    h.settings()["watch"]["intervalSecs"].as_u64()
}

/// The fulfiller sets the incident's state over the Table API.
fn fulfiller_sets_state(h: &Harness, sys_id: &str, state: &str) {
    assert!(h.sim.handle().update_record(
        "incident",
        sys_id,
        serde_json::json!({ "state": state })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fulfillers_change_notifies_with_the_admins_state_name() {
    let mut h = start_connected("watch_notify").await;
    sign_in_microsoft(&mut h).await;

    // Manage: call the incident state "In Progress" (2) "Being fixed", check every 15 s.
    h.app()
        .execute("location.hash = '#/manage'", vec![])
        .await
        .unwrap();
    h.click("#manage-tab-states").await;
    h.fill("state-name-incident-2", "Being fixed").await;
    h.click("#save-state-names").await;
    h.wait_visible("#state-names-saved").await;
    h.click("#manage-tab-notifications").await;
    h.wait_visible("#watch-interval").await;
    set_select(&h, "watch-interval", "15").await;
    until("the interval was not saved", || {
        saved_interval(&h) == Some(15)
    })
    .await;

    // Start at login: the XDG autostart entry appears, starting the app in the tray.
    assert!(autostart_entries().is_empty());
    h.click("#watch-autostart").await;
    until("no autostart entry", || !autostart_entries().is_empty()).await;
    let entry = std::fs::read_to_string(&autostart_entries()[0]).unwrap();
    assert!(entry.contains("--minimized"), "{entry}");
    h.scroll_to("#notifications-card").await;
    h.doc_shot("notifications-settings").await;
    h.click("#watch-autostart").await;
    until("the autostart entry stayed", || {
        autostart_entries().is_empty()
    })
    .await;

    // Send an incident for an action.
    let sent = send_incident(&h, "AdminMFAV2").await;
    assert!(sent.contains("INC0010001"), "{sent}");
    let sys_id = h
        .sim
        .handle()
        .records("incident")
        .into_iter()
        .find(|r| r["number"] == "INC0010001")
        .unwrap()["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Home, then wait for a poll that has seen the new ticket (it is learned, not told).
    h.app()
        .execute("location.hash = '#/'", vec![])
        .await
        .unwrap();
    wait_text(&h, "#incident-card", "INC0010001").await;
    let seen = h.watch_polls();
    until("the watcher never polled", || h.watch_polls() > seen).await;
    assert!(
        h.notifications.received().is_empty(),
        "a ticket the app created itself is not news: {:?}",
        h.notifications.received()
    );

    // The fulfiller takes the ticket over the Table API (and puts markup in its title).
    assert!(h.sim.handle().update_record(
        "incident",
        &sys_id,
        serde_json::json!({"short_description": "MFA <b>now</b> & <a href=\"https://x.example\">here</a>"})
    ));
    let seen = h.watch_polls();
    until("the watcher never polled", || h.watch_polls() > seen).await;
    let _ = h
        .notifications
        .wait_for(Duration::from_secs(20), |n| {
            n.summary.contains("INC0010001")
        })
        .await;
    h.notifications.clear();
    let changed = Instant::now();
    fulfiller_sets_state(&h, &sys_id, "2");
    let n = h
        .notifications
        .wait_for(Duration::from_secs(15 + 1), |n| {
            n.summary.contains("INC0010001")
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "no notification within the 15 s interval plus a second: {:?}",
                h.notifications.received()
            )
        });
    let latency = changed.elapsed();
    assert_eq!(n.summary, "INC0010001 is now Being fixed");
    // The server reads the body as markup: ServiceNow's text arrives escaped, shown as written.
    assert_eq!(
        n.body,
        "MFA &lt;b&gt;now&lt;/b&gt; &amp; &lt;a href=&quot;https://x.example&quot;&gt;here&lt;/a&gt;"
    );
    assert!(n.actions.iter().any(|a| a == "default"), "{:?}", n.actions);
    eprintln!("change to notification: {} ms", latency.as_millis());

    // The card follows the watcher's event, no reload.
    wait_text(&h, "#incident-card", "Being fixed").await;
    h.shot("home-after-change").await;

    // A click on the notification opens the ticket in the browser.
    let opened_before = h.opened_urls().len();
    h.notifications.click(n.id).await.unwrap();
    let url = h.wait_opened_url(opened_before + 1).await;
    assert!(
        url.contains(&format!("incident.do%3Fsys_id%3D{sys_id}")),
        "{url}"
    );

    // Exactly one notification for the one change.
    assert_eq!(h.notifications.received().len(), 1);

    // The tray (drawn by an XEmbed tray on this display): the ticket heads the recent list;
    // picking it opens the ticket. Items: 1 Open, 2 the ticket, 3 Refresh now, 4 Pause, 5 Settings…, 6 Quit.
    h.tray_menu_doc_shot("tray-menu").await;
    let opened_before = h.opened_urls().len();
    h.tray.as_ref().unwrap().choose(2);
    let url = h.wait_opened_url(opened_before + 1).await;
    assert!(url.contains(&sys_id), "{url}");

    // Pause notifications for an hour from the tray: the next change is seen, not told; the
    // card says so.
    h.tray.as_ref().unwrap().open_menu(PATIENCE).await.unwrap();
    h.tray.as_ref().unwrap().choose(4);
    h.app()
        .execute("location.hash = '#/manage'", vec![])
        .await
        .unwrap();
    h.click("#manage-tab-notifications").await;
    h.wait_visible("#watch-resume").await;
    fulfiller_sets_state(&h, &sys_id, "3");
    let log = h
        .out_dir
        .join("app-home/data/com.ticketbridge.desktop/logs/Ticket Bridge.log");
    until("the paused change was not seen", || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("notifications are paused until")
    })
    .await;
    assert_eq!(h.notifications.received().len(), 1, "told while paused");

    // Resume from the card; the next change is told again.
    h.click("#watch-resume").await;
    h.wait_visible("#watch-pause").await;
    fulfiller_sets_state(&h, &sys_id, "2");
    let n = h
        .notifications
        .wait_for(Duration::from_secs(16), |n| n.id != 1)
        .await
        .expect("no notification after resuming");
    assert_eq!(n.summary, "INC0010001 is now Being fixed");

    // The tray's Settings… (5) shows the window on the Settings screen.
    h.tray.as_ref().unwrap().open_menu(PATIENCE).await.unwrap();
    h.tray.as_ref().unwrap().choose(5);
    h.wait_visible("#language-select").await;
    assert_eq!(
        h.app()
            .execute("return location.hash", vec![])
            .await
            .unwrap(),
        "#/settings"
    );

    // ServiceNow stops accepting the sign-in: one "sign-in needed" notification, and the home card
    // offers Re-authorize.
    h.app()
        .execute("location.hash = '#/'", vec![])
        .await
        .unwrap();
    h.sim.handle().revoke_all_tokens();
    let told = h.notifications.received().len();
    let n = h
        .notifications
        .wait_for(Duration::from_secs(16), |n| {
            n.summary == "ServiceNow sign-in needed"
        })
        .await
        .expect("no sign-in needed notification");
    assert!(n.body.contains("Re-authorize"), "{}", n.body);
    h.wait_visible("#reconnect").await;
    h.shot("home-reconnect").await;
    assert_eq!(h.notifications.received().len(), told + 1);
    h.finish().await;
}
