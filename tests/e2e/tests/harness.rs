//! The harness's own parts work: the notification server records what is sent on the session
//! bus, and headless Chromium reaches the simulator's sign-in page.

use servicenow_sim::SimConfig;
use std::time::Duration;
use ticket_bridge_e2e::Locator;
use ticket_bridge_e2e::notifications::NotificationServer;

#[tokio::test]
async fn notification_server_records_what_is_sent() {
    let server = NotificationServer::start()
        .await
        .expect("run through tests/e2e/run.sh (needs a session bus)");
    // Send one the way any client does: a method call on the session bus.
    let conn = zbus::Connection::session().await.unwrap();
    let hints: std::collections::HashMap<&str, zbus::zvariant::Value<'_>> = Default::default();
    let reply = conn
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "Ticket Bridge",
                0u32,
                "",
                "CHG0030001 is now Implement",
                "Enable MFA for admins",
                vec!["default", "Open"],
                hints,
                5000i32,
            ),
        )
        .await
        .unwrap();
    let id: u32 = reply.body().deserialize().unwrap();
    assert_eq!(id, 1);
    let n = server
        .wait_for(Duration::from_secs(5), |n| {
            n.summary.starts_with("CHG0030001")
        })
        .await
        .expect("the notification was not recorded");
    assert_eq!(n.body, "Enable MFA for admins");
    assert_eq!(n.app_name, "Ticket Bridge");
    assert!(
        server
            .wait_for(Duration::from_millis(200), |n| n.summary == "never sent")
            .await
            .is_none()
    );
}

#[tokio::test]
async fn chromium_reaches_the_simulator_login_page() {
    let sim = servicenow_sim::start(SimConfig::default()).await.unwrap();
    let out = ticket_bridge_e2e::output_dir("harness");
    let (client, mut guard) = ticket_bridge_e2e::chromium(&out).await;
    let pid = guard.id().unwrap();
    client
        .goto(&format!("{}/login.do", sim.base_url()))
        .await
        .unwrap();
    client.find(Locator::Id("user_name")).await.unwrap();
    client.find(Locator::Id("user_password")).await.unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(out.join("login-page.png"), png).unwrap();
    client.close().await.unwrap();
    guard.stop();
    // chromedriver is gone once stopped.
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    sim.shutdown().await;
}
