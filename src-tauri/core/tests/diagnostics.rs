//! The diagnostics bundle after a real run: a workspace connected to the simulator through the
//! browser sign-in (secrets in the real keychain: the Secret Service of tests/e2e/session.sh),
//! a task shared and one left waiting, the watcher run once, the connection check run, every log
//! line of the run written to a log file as the app's log plugin would (same level). Then the
//! bundle is saved and every byte of it, the zip as written and each file inflated, is scanned
//! for the client secret, the access token and the refresh token (and the Basic header made of
//! the client secret): none may appear. The expected files must be there, with what they say.

mod common;

use base64::Engine;
use servicenow_sim::{INTEGRATION_USER, Scenario};
use std::io::{Read, Write};
use std::sync::Mutex;
use ticket_bridge_core::diagnostics::{self, Request};
use ticket_bridge_core::secrets::{self, Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::workspace::WaitingChoice;

use common::SECRET;
use common::app::{instance, open_in, until};

/// The log as tauri-plugin-log writes it: every record at Info and above, one line each.
struct FileLog(Mutex<std::fs::File>);

impl log::Log for FileLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Info
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            let mut f = self.0.lock().unwrap();
            let _ = writeln!(
                f,
                "[{}][{}][{}] {}",
                chrono::Local::now().format("%Y-%m-%d][%H:%M:%S"),
                r.target(),
                r.level(),
                r.args()
            );
        }
    }
    fn flush(&self) {
        let _ = self.0.lock().unwrap().flush();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The secrets found in `bytes`, by name.
fn leaks<'a>(bytes: &[u8], needles: &'a [(&'a str, Vec<u8>)]) -> Vec<&'a str> {
    needles
        .iter()
        .filter(|(_, n)| find(bytes, n))
        .map(|(name, _)| *name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_after_a_connect_share_watch_run_holds_no_secret() {
    let inst = instance("diagnostics").await;
    // The real keychain when the test session gives one (CI always does).
    if common::keychain_session() {
        secrets::use_platform_store().expect("the Secret Service is reachable");
    } else {
        eprintln!("no D-Bus session: keyring-core's mock store instead of the Secret Service");
    }
    let log_dir = tempfile::tempdir().unwrap();
    let log_file = std::fs::File::create(log_dir.path().join("Ticket Bridge.log")).unwrap();
    log::set_logger(Box::leak(Box::new(FileLog(Mutex::new(log_file))))).unwrap();
    log::set_max_level(log::LevelFilter::Info);

    let mut app = open_in(tempfile::tempdir().unwrap());
    let id = app.connect(None, &inst).await;
    let ws = app.registry.get(&id).unwrap();

    // A task shared, and one waiting while the instance fails.
    let shared = ws
        .submit(common::incident_draft("AdminMFAV2"))
        .await
        .unwrap();
    assert!(shared.sent.is_some(), "{shared:?}");
    inst.sim.handle().set_scenario(Scenario::ServerError);
    let waiting = ws
        .submit(common::incident_draft("DLPEnabled"))
        .await
        .unwrap();
    assert!(waiting.sent.is_none(), "the instance fails: the task waits");
    inst.sim.handle().clear_scenario("server-error");

    // The watcher, once; the connection check.
    app.registry.watch_now(Some(&id)).unwrap();
    until("the watcher polled", || {
        ws.watch_control().status().last_poll_at.is_some()
    })
    .await;
    let report = ws.check().await.unwrap();
    assert!(!report.checks.is_empty());

    let out = tempfile::tempdir().unwrap();
    let path = diagnostics::save(
        &app.registry,
        &Request {
            app_version: "0.1.0-diagnostics-test".into(),
            log_dir: Some(log_dir.path().to_owned()),
            updates: None,
        },
        out.path().to_owned(),
    )
    .await
    .unwrap();
    log::logger().flush();

    // The secrets of this run, from the keychain where the sign-in filed them.
    let kc = Keychain::for_workspace(
        &id,
        &InstanceUrl::parse(&inst.sim.base_url()).unwrap(),
        &inst.client_id,
    );
    let get = |kind| {
        kc.get(kind)
            .unwrap()
            .unwrap_or_else(|| panic!("{kind:?} is in the keychain"))
            .expose()
            .to_owned()
    };
    let (secret, access, refresh) = (
        get(SecretKind::ClientSecret),
        get(SecretKind::AccessToken),
        get(SecretKind::RefreshToken),
    );
    assert_eq!(secret, SECRET);
    assert!(access.len() >= 16 && refresh.len() >= 16, "real tokens");
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", inst.client_id));
    let needles: Vec<(&str, Vec<u8>)> = vec![
        ("client secret", secret.clone().into_bytes()),
        ("access token", access.clone().into_bytes()),
        ("refresh token", refresh.clone().into_bytes()),
        ("Basic header", basic.into_bytes()),
    ];
    // The scan finds what it looks for.
    assert_eq!(
        leaks(format!("x{access}y").as_bytes(), &needles),
        ["access token"]
    );

    let raw = std::fs::read(&path).unwrap();
    assert!(raw.starts_with(b"PK\x03\x04"), "a zip");
    assert_eq!(
        leaks(&raw, &needles),
        Vec::<&str>::new(),
        "the zip as written"
    );

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&raw)).unwrap();
    let mut files = std::collections::BTreeMap::new();
    let mut inflated = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        assert_eq!(leaks(&bytes, &needles), Vec::<&str>::new(), "{name}");
        assert_eq!(
            leaks(name.as_bytes(), &needles),
            Vec::<&str>::new(),
            "a file name"
        );
        inflated.extend_from_slice(&bytes);
        files.insert(name, bytes);
    }
    assert_eq!(
        leaks(&inflated, &needles),
        Vec::<&str>::new(),
        "across files"
    );

    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let dir = format!("workspaces/{id}");
    let mut expected = vec![
        "README.txt".to_owned(),
        "about.json".into(),
        "damaged.json".into(),
        "logs/Ticket Bridge.log".into(),
        "policy.json".into(),
        "settings.json".into(),
        "updates.json".into(),
        format!("{dir}/check.json"),
        format!("{dir}/outbox.json"),
        format!("{dir}/watcher.json"),
    ];
    expected.sort();
    assert_eq!(names, expected);

    let json = |name: &str| -> serde_json::Value { serde_json::from_slice(&files[name]).unwrap() };
    let about = json("about.json");
    assert_eq!(about["version"], "0.1.0-diagnostics-test");
    assert_eq!(about["os"]["family"], std::env::consts::OS);
    assert!(
        about["os"]["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    let settings = json("settings.json");
    let w = &settings["workspaces"][0];
    assert_eq!(w["id"], id.as_str());
    assert_eq!(w["servicenow"]["clientId"], inst.client_id.as_str());
    assert_eq!(w["servicenow"]["integrationUser"], INTEGRATION_USER);
    assert_eq!(w["servicenow"]["hasRefreshToken"], true);
    assert_eq!(settings["notifications"]["intervalSecs"], 60);
    let check = json(&format!("{dir}/check.json"));
    assert_eq!(check["ran"], true);
    assert_eq!(
        check["report"]["checks"].as_array().unwrap().len(),
        report.checks.len()
    );
    let outbox = json(&format!("{dir}/outbox.json"));
    assert!(
        outbox
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == waiting.outbox_id.as_str()),
        "{outbox}"
    );
    let watcher = json(&format!("{dir}/watcher.json"));
    assert!(watcher["lastPollAt"].is_string(), "{watcher}");
    let log_text = String::from_utf8_lossy(&files["logs/Ticket Bridge.log"]);
    assert!(
        log_text.lines().count() >= 3 && log_text.contains(&inst.sim.base_url()),
        "the run's log is in: {log_text}"
    );

    // The keychain entries go with the workspace.
    app.registry
        .remove(&id, Some(WaitingChoice::Discard))
        .await
        .unwrap();
}
