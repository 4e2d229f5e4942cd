//! The app starts in a real window, on the home page, with the ServiceNow connection card.

use servicenow_sim::SimConfig;
use ticket_bridge_e2e::{AppOptions, Harness};

fn is_png(path: &std::path::Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.len() > 1000 && bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_on_the_connection_card() {
    let mut h = Harness::start(
        "starts_on_the_connection_card",
        SimConfig::default(),
        AppOptions::default(),
    )
    .await;

    let card = h.wait_visible("#connection-card:not([aria-busy])").await;
    let text = card.text().await.unwrap();
    assert!(text.contains("Do you use ServiceNow?"), "card says: {text}");
    // The demo instance is named in a small banner above the cards, not in the card.
    let demo = h.wait_visible("#demo-instance").await.text().await.unwrap();
    assert!(
        demo.contains(&h.sim.base_url()),
        "the demo banner names the demo instance {}: {demo}",
        h.sim.base_url()
    );
    let title = h.app().title().await.unwrap();
    assert!(title.ends_with("Ticket Bridge"), "page title: {title}");
    let button = h.wait_visible("#connect-servicenow").await;
    assert_eq!(button.text().await.unwrap().trim(), "Connect to ServiceNow");

    let shot = h.doc_shot("home").await;
    assert!(is_png(&shot), "{} is not a screenshot", shot.display());

    // The page may call the app's own commands and nothing of the plugins behind them.
    let call = |cmd: &'static str| {
        let app = h.app().clone();
        async move {
            app.execute_async(
                "const [cmd, done] = arguments;\
                 window.__TAURI__.core.invoke(cmd, {}).then(() => done('allowed'), (e) => done(String(e)));",
                vec![serde_json::json!(cmd)],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
        }
    };
    assert_eq!(call("list_workspaces").await, "allowed");
    for denied in [
        "plugin:window|close",
        "plugin:tray|new",
        "plugin:path|resolve_directory",
        "plugin:opener|open_url",
        "plugin:notification|notify",
    ] {
        let answer = call(denied).await;
        assert!(answer.contains("not allowed"), "{denied}: {answer}");
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speaks_the_system_language() {
    let mut h = Harness::start(
        "speaks_the_system_language",
        SimConfig::default(),
        AppOptions {
            lang: "fr_FR.UTF-8".into(),
            ..AppOptions::default()
        },
    )
    .await;
    let card = h.wait_visible("#connection-card:not([aria-busy])").await;
    let text = card.text().await.unwrap();
    assert!(
        !text.contains("Do you use ServiceNow?"),
        "the card is still in English: {text}"
    );
    assert_eq!(
        h.app()
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap(),
        "fr"
    );
    h.shot("home-fr").await;
    h.finish().await;
}
