//! Data files that cannot be read: each is moved aside and reported, the app opens with what
//! could be read, and nothing is overwritten.

mod common;

use std::fs;
use ticket_bridge_core::files::{Ctx, DamageReport};
use ticket_bridge_core::tickets::outbox::Outbox;
use ticket_bridge_core::workspace::{FileKv, SettingsKv};

/// An outbox with two tasks, as this version writes it.
fn outbox_with_two(dir: &std::path::Path) -> (std::path::PathBuf, Vec<String>) {
    let path = dir.join("outbox.json");
    let outbox = Outbox::open(&path).unwrap();
    let instance =
        ticket_bridge_core::servicenow::InstanceUrl::parse("http://127.0.0.1:9").unwrap();
    let today = chrono::Local::now().date_naive();
    let mut ids = Vec::new();
    for action in ["AdminMFAV2", "DLPEnabled"] {
        let input = common::incident_draft(action);
        let draft: ticket_bridge_core::tickets::draft::TaskDraft =
            serde_json::from_value(serde_json::json!({
                "actionId": input.action_id, "actionTitle": input.action_title,
                "name": input.name, "description": input.description, "priority": 3,
                "dueDate": input.due_date.to_string(), "source": "microsoft",
                "category": "Identity", "kind": "incident", "initiatingUser": "admin",
            }))
            .unwrap();
        ids.push(
            outbox
                .enqueue(draft, "local", &instance, None, today)
                .unwrap(),
        );
    }
    (path, ids)
}

#[test]
fn a_damaged_outbox_is_moved_aside_and_its_readable_tasks_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (path, ids) = outbox_with_two(dir.path());

    // One entry damaged (its state is not one this version knows), the other intact.
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    v["entries"][0]["state"] = serde_json::json!({"status": "from_the_future"});
    let damaged_bytes = serde_json::to_vec(&v).unwrap();
    fs::write(&path, &damaged_bytes).unwrap();

    let damage = DamageReport::default();
    let outbox = Outbox::open_reporting(&path, &damage, Some("w1")).unwrap();
    assert_eq!(
        outbox
            .list()
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[1].clone()],
        "the readable task is kept"
    );
    let d = &damage.list()[0];
    assert_eq!(
        (d.file, d.workspace.as_deref(), d.kept),
        ("outbox", Some("w1"), Some(1))
    );
    let moved = d.moved_to.clone().expect("moved aside");
    assert_eq!(
        fs::read(&moved).unwrap(),
        damaged_bytes,
        "the damaged file is kept as it was"
    );
    // The kept task is on disk again, in a file this version reads.
    let again = Outbox::open(&path).unwrap();
    assert_eq!(again.list().len(), 1);
}

#[test]
fn a_newer_or_unreadable_outbox_never_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = outbox_with_two(dir.path());
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    v["version"] = 99.into();
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let damage = DamageReport::default();
    let outbox = Outbox::open_reporting(&path, &damage, None).unwrap();
    assert_eq!(
        outbox.list().len(),
        2,
        "a newer version's tasks that still read are kept"
    );
    assert!(damage.list()[0].reason.contains("newer"));

    fs::write(&path, b"\x00\x01 not json at all").unwrap();
    let damage = DamageReport::default();
    let outbox = Outbox::open_reporting(&path, &damage, None).unwrap();
    assert!(outbox.list().is_empty());
    assert_eq!(damage.list()[0].kept, Some(0));
    assert!(damage.list()[0].moved_to.as_ref().unwrap().exists());
}

#[test]
fn every_data_file_of_a_workspace_and_the_settings() {
    common::mock_keychain();
    let dir = tempfile::tempdir().unwrap();
    for f in ["tickets.json", "watch.json", "typed-actions.json"] {
        fs::write(dir.path().join(f), b"{{{").unwrap();
    }
    let damage = DamageReport::default();
    let manager = std::sync::Arc::new(ticket_bridge_core::connection::ConnectionManager::new(
        "w1",
        std::sync::Arc::new(ticket_bridge_core::connection::MemorySettings::default()),
    ));
    let svc = ticket_bridge_core::tickets::service::TicketService::open_in(
        dir.path(),
        manager,
        vec![],
        &Ctx::new(&damage, Some("w1")),
    )
    .unwrap();
    assert!(svc.outbox_items().is_empty());
    let mut files: Vec<&str> = damage.list().iter().map(|d| d.file).collect();
    files.sort();
    assert_eq!(files, ["tickets", "typed_actions", "watch"]);
    assert!(
        damage
            .list()
            .iter()
            .all(|d| d.moved_to.as_ref().is_some_and(|p| p.exists()))
    );

    let settings = dir.path().join("settings.json");
    fs::write(&settings, b"[1, 2").unwrap();
    let kv = FileKv::open_reporting(&settings, &damage);
    assert_eq!(kv.get("workspaces"), None);
    assert!(damage.list().iter().any(|d| d.file == "settings"));
    assert!(!settings.exists() || fs::read(&settings).unwrap() != b"[1, 2");
}

mod fuzz {
    use proptest::prelude::*;
    use std::fs;
    use ticket_bridge_core::files::{Ctx, DamageReport};
    use ticket_bridge_core::tickets::outbox::Outbox;
    use ticket_bridge_core::workspace::{FileKv, SettingsKv};

    /// Bytes that look like our files often enough to reach past the first parse error.
    fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<Vec<u8>>(),
            "\\{\"version\":[0-9]{1,3},\"entries\":\\[.{0,80}\\]\\}".prop_map(String::into_bytes),
            "\\{\"tickets\":\\[\\{\"sysId\":\".{0,40}\"\\}\\].{0,20}\\}"
                .prop_map(String::into_bytes),
            "\\{\"workspaces\":.{0,60}\\}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// Whatever a data file holds, opening it never panics and never fails the start: it is
        /// read, or moved aside and reported.
        #[test]
        fn every_data_file_opens_whatever_it_holds(bytes in file_bytes()) {
            let dir = tempfile::tempdir().unwrap();
            let damage = DamageReport::default();
            let ctx = Ctx::new(&damage, Some("w1"));
            for f in ["outbox.json", "tickets.json", "watch.json", "typed-actions.json", "secure-score.json", "csv-actions.json", "settings.json"] {
                fs::write(dir.path().join(f), &bytes).unwrap();
            }
            prop_assert!(Outbox::open_reporting(dir.path().join("outbox.json"), &damage, Some("w1")).is_ok());
            let _ = ticket_bridge_core::tickets::board::Board::open_in(dir.path().join("tickets.json"), &ctx);
            let _ = ticket_bridge_core::secure_score::score::ScoreStore::open_in(dir.path().join("secure-score.json"), &ctx);
            let _ = ticket_bridge_core::secure_score::csv_source::CsvActions::open_in(dir.path().join("csv-actions.json"), &ctx);
            prop_assert!(ticket_bridge_core::secure_score::TypedActions::open_in(dir.path().join("typed-actions.json"), vec![], &ctx).is_ok());
            let kv = FileKv::open_reporting(dir.path().join("settings.json"), &damage);
            let _ = kv.get("workspaces");
            // Every file that was not read is still on disk, under its own name or set aside.
            for d in damage.list() {
                prop_assert!(d.moved_to.as_ref().is_some_and(|p| p.exists()) || d.path.exists());
            }
        }
    }
}
