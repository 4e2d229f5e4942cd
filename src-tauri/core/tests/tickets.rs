//! Tickets against the simulator over real HTTP: every kind and priority as ServiceNow stores
//! it, the duplicate check, and the outbox through each fault the simulator can produce, across
//! restarts, with the rule that every task submitted becomes exactly one ticket.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::world;
use serde_json::{Value, json};
use servicenow_sim::{Scenario, SimHandle};
use std::path::PathBuf;
use ticket_bridge_core::ErrorKind;
use ticket_bridge_core::servicenow::client::ServiceNow;
use ticket_bridge_core::tickets::dedup::open_ticket_for_action;
use ticket_bridge_core::tickets::outbox::EntryState;
use ticket_bridge_core::tickets::sync::{fetch_all, state_labels};
use ticket_bridge_core::tickets::{
    Category, Outbox, Priority, RecommendationSource, SendReport, TaskDraft, TicketKind,
};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// A folder of this test's own, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let n: u64 = rand::random();
        let p =
            std::env::temp_dir().join(format!("tb-tickets-{name}-{}-{n:x}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn outbox(&self) -> PathBuf {
        self.0.join("outbox.json")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn local_instance() -> ticket_bridge_core::servicenow::InstanceUrl {
    ticket_bridge_core::servicenow::InstanceUrl::parse("contoso").unwrap()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn draft(kind: TicketKind, priority: Priority, action: &str) -> TaskDraft {
    TaskDraft {
        action_id: action.into(),
        action_title: format!("Title of {action}"),
        name: format!("Fix {action}"),
        description: format!("Do what {action} recommends."),
        priority,
        due_date: today() + Duration::days(14),
        source: RecommendationSource::Microsoft,
        category: Category::Identity,
        kind,
        initiating_user: "Ada Admin".into(),
    }
}

/// Records in either table carrying this correlation id.
fn created(sim: &SimHandle, correlation: &str) -> Vec<Value> {
    ["incident", "change_request"]
        .into_iter()
        .flat_map(|t| sim.records(t))
        .filter(|r| r["correlation_id"] == correlation)
        .collect()
}

fn table_posts(sim: &SimHandle) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/api/now/table/"))
        .count()
}

fn api_requests(sim: &SimHandle) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count()
}

async fn connected(name: &str) -> (common::World, ServiceNow) {
    let w = world(name, vec![], false).await;
    w.connect_direct().await;
    let api = w.manager.api().unwrap();
    (w, api)
}

fn only_waiting(r: &SendReport) -> &ticket_bridge_core::tickets::outbox::NotSent {
    assert!(r.sent.is_empty() && r.blocked.is_empty(), "{r:?}");
    assert_eq!(r.waiting.len(), 1, "{r:?}");
    &r.waiting[0]
}

#[tokio::test]
async fn each_kind_and_priority_is_stored_with_its_impact_and_urgency() {
    let (w, api) = connected("tk-roundtrip").await;
    let sim = w.sim.handle();
    let dir = Dir::new("roundtrip");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let mut queued = Vec::new();
    for kind in TicketKind::ALL {
        for p in Priority::ALL {
            let id = outbox
                .enqueue(
                    draft(kind, p, "AdminMFAV2"),
                    TENANT,
                    api.instance(),
                    Some("Security"),
                    today(),
                )
                .unwrap();
            queued.push((id, kind, p));
        }
    }
    let report = outbox.send_due(&api, Utc::now()).await;
    assert_eq!(report.sent.len(), 10, "{report:?}");
    assert!(report.waiting.is_empty() && report.blocked.is_empty());
    assert!(outbox.list().is_empty());
    for (id, kind, p) in queued {
        let sent = report.sent.iter().find(|s| s.id == id).unwrap();
        assert!(sent.warnings.is_empty(), "{:?}", sent.warnings);
        assert!(!sent.found_existing);
        let rec = sim.record(kind.table(), &sent.sys_id).expect("stored");
        let (i, u) = p.impact_urgency();
        assert_eq!(rec["impact"], i.to_string());
        assert_eq!(rec["urgency"], u.to_string());
        assert_eq!(rec["priority"], p.value().to_string(), "{kind:?} {p:?}");
        assert_eq!(rec["number"], sent.number.as_str());
        let prefix = if kind == TicketKind::Incident {
            "INC"
        } else {
            "CHG"
        };
        assert!(sent.number.starts_with(prefix), "{}", sent.number);
        assert_eq!(rec["correlation_display"], "Ticket Bridge");
        assert_eq!(rec["correlation_id"], sent.correlation_id.to_string());
        assert_eq!(rec["category"], "Security");
        assert_eq!(
            rec["due_date"],
            format!("{} 23:59:59", today() + Duration::days(14))
        );
        assert_eq!(rec["short_description"], "Fix AdminMFAV2");
        let d = rec["description"].as_str().unwrap();
        assert!(
            d.contains("Source: Microsoft recommendation")
                && d.contains("Created by Ticket Bridge for Ada Admin"),
            "{d}"
        );
        if kind == TicketKind::ChangeRequest {
            assert_eq!(rec["type"], "normal");
        }
    }
    assert_eq!(outbox.recently_sent().len(), 10);
}

#[tokio::test]
async fn a_value_servicenow_leaves_unset_is_sent_with_a_warning() {
    let (w, api) = connected("tk-warn").await;
    let dir = Dir::new("warn");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    // An entry whose record carries an impact the instance has no choice for, as a
    // customized instance would leave it.
    outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Critical, "Warn"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let path = dir.outbox();
    drop(outbox);
    let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    file["entries"][0]["record"]["impact"] = json!("0");
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    let outbox = Outbox::open(&path).unwrap();
    let r = outbox.send_due(&api, Utc::now()).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let fields: Vec<_> = r.sent[0]
        .warnings
        .iter()
        .map(|w| w.field.as_str())
        .collect();
    assert_eq!(fields, ["impact", "priority"], "{:?}", r.sent[0].warnings);
    // The simulator, like an instance with a default, keeps the default instead.
    let impact = &r.sent[0].warnings[0];
    assert_eq!((impact.sent.as_str(), impact.stored.as_str()), ("0", "3"));
    assert!(impact.message.contains("impact"), "{}", impact.message);
    assert_eq!(
        created(&w.sim.handle(), &r.sent[0].correlation_id.to_string()).len(),
        1
    );
}

#[tokio::test]
async fn the_duplicate_check_finds_the_open_ticket_and_not_a_closed_one() {
    let (w, api) = connected("tk-dedup").await;
    let sim = w.sim.handle();
    let dir = Dir::new("dedup");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    assert_eq!(
        open_ticket_for_action(&api, TENANT, "AdminMFAV2")
            .await
            .unwrap(),
        None
    );
    outbox
        .enqueue(
            draft(TicketKind::ChangeRequest, Priority::High, "AdminMFAV2"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Low, "AdminMFAV"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let r = outbox.send_due(&api, Utc::now()).await;
    assert_eq!(r.sent.len(), 2);
    let chg = &r.sent[0];

    let found = open_ticket_for_action(&api, TENANT, "AdminMFAV2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.number.as_deref(), Some(chg.number.as_str()));
    assert_eq!(found.kind, Some(TicketKind::ChangeRequest));
    assert_eq!(found.priority, Some(Priority::High));
    assert_eq!(found.active, Some(true));
    // Same action in another tenant: nothing.
    assert_eq!(
        open_ticket_for_action(&api, "other-tenant", "AdminMFAV2")
            .await
            .unwrap(),
        None
    );

    // Closed in ServiceNow by the fulfiller: no longer a duplicate.
    assert!(sim.update_record("change_request", &chg.sys_id, json!({"state": "3"})));
    assert_eq!(
        open_ticket_for_action(&api, TENANT, "AdminMFAV2")
            .await
            .unwrap(),
        None
    );
    // The other action's incident is still found, and only for its own action.
    let inc = open_ticket_for_action(&api, TENANT, "AdminMFAV")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inc.number.as_deref(), Some(r.sent[1].number.as_str()));

    // Sync reads both, closed or not, and the state labels name them.
    let all = fetch_all(&api, TENANT).await.unwrap();
    assert_eq!(all.len(), 2);
    let labels = state_labels(&api).await.unwrap();
    let closed = all.iter().find(|t| t.sys_id == chg.sys_id).unwrap();
    assert_eq!(
        labels.label(TicketKind::ChangeRequest, closed.state.as_deref().unwrap()),
        "Closed"
    );
    assert_eq!(
        labels.get(TicketKind::Incident, "2").map(String::as_str),
        Some("In Progress")
    );
    assert_eq!(labels.for_kind(TicketKind::ChangeRequest).unwrap().len(), 8);
}

#[tokio::test]
async fn fetch_all_pages_until_an_empty_page() {
    let (w, api) = connected("tk-pages").await;
    let sim = w.sim.handle();
    for i in 0..205 {
        let table = if i % 2 == 0 {
            "incident"
        } else {
            "change_request"
        };
        sim.insert_record(
            table,
            json!({"short_description": format!("t{i}"), "correlation_id": format!("tb1/{TENANT}/A{i}/0000{i:04x}")}),
        )
        .unwrap();
    }
    sim.clear_requests();
    let all = fetch_all(&api, TENANT).await.unwrap();
    assert_eq!(all.len(), 205);
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/api/now/table/task")
        .count();
    assert_eq!(pages, 4, "three pages and the empty one that ends it");
}

/// A first sync reads the pages the count promises a few at a time (at most four in flight),
/// each page once, and the empty page that ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_all_reads_each_page_once_a_few_at_a_time() {
    let (w, api) = connected("tk-window").await;
    let sim = w.sim.handle();
    for i in 0..1050 {
        sim.insert_record(
            if i % 2 == 0 { "incident" } else { "change_request" },
            json!({"short_description": format!("t{i}"), "correlation_id": format!("tb1/{TENANT}/A{i}/{i:08x}")}),
        )
        .unwrap();
    }
    // Every answer late, as a real instance's: pages asked together are answered together.
    sim.set_scenario(Scenario::Slow(std::time::Duration::from_millis(200)));
    sim.clear_requests();
    let all = fetch_all(&api, TENANT).await.unwrap();
    assert_eq!(
        sim.max_table_requests_in_flight(),
        ticket_bridge_core::tickets::sync::IN_FLIGHT,
        "never more than four pages in flight, and four while there are pages to read"
    );
    assert_eq!(all.len(), 1050);
    let names: std::collections::HashSet<_> =
        all.iter().map(|t| t.short_description.clone()).collect();
    assert_eq!(names.len(), 1050, "each ticket once");
    let offsets: Vec<usize> = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/api/now/table/task")
        .filter_map(|r| {
            r.query.as_deref().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "sysparm_offset")
                    .and_then(|(_, v)| v.parse().ok())
            })
        })
        .collect();
    let mut sorted = offsets.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        offsets.len(),
        "no page read twice: {offsets:?}"
    );
    assert_eq!(sorted, (0..=11).map(|p| p * 100).collect::<Vec<_>>());
}

/// After the first full read, a refresh reads only what changed since the newest change it
/// has (one request when nothing did), merges it, and keeps every other ticket; a day after the
/// last full read it reads everything again, so a ticket gone from the instance leaves the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_reads_only_what_changed_and_everything_once_a_day() {
    use ticket_bridge_core::tickets::board::{Board, FULL_SYNC_EVERY};
    let (w, api) = connected("tk-incremental").await;
    let sim = w.sim.handle();
    let mut ids = Vec::new();
    for i in 0..250 {
        // The newest second read is read again (a ticket changed later in that same second is
        // not missed): only the last ticket carries it here, as in life.
        if i == 249 {
            sim.advance_clock(std::time::Duration::from_secs(2));
        }
        ids.push(
            sim.insert_record(
                if i % 2 == 0 { "incident" } else { "change_request" },
                json!({"short_description": format!("t{i}"), "correlation_id": format!("tb1/{TENANT}/A{i}/{i:08x}")}),
            )
            .unwrap(),
        );
    }
    let dir = Dir::new("incremental");
    let board = Board::open(dir.0.join("board.json"));
    let t0 = Utc::now();
    let task_reads = |sim: &SimHandle| -> Vec<String> {
        sim.requests()
            .iter()
            .filter(|r| r.path == "/api/now/table/task")
            .map(|r| r.query.clone().unwrap_or_default())
            .collect()
    };

    sim.clear_requests();
    board.refresh_at(&api, TENANT, t0).await.unwrap();
    let list = board.cached(api.instance());
    assert_eq!(list.tickets.len(), 250);
    let full = task_reads(&sim);
    assert_eq!(full.len(), 4, "three pages and the empty one: {full:?}");
    assert!(
        full.iter().all(|q| !q.contains("sys_updated_on%3E%3D")),
        "{full:?}"
    );

    // Nothing changed: the newest second again and the empty page that ends it; the cache
    // file is not written again.
    let saved = std::fs::metadata(dir.0.join("board.json"))
        .unwrap()
        .modified()
        .unwrap();
    let bytes_before = std::fs::read(dir.0.join("board.json")).unwrap();
    sim.advance_clock(std::time::Duration::from_secs(5));
    sim.clear_requests();
    board
        .refresh_at(&api, TENANT, t0 + Duration::minutes(1))
        .await
        .unwrap();
    let list = board.cached(api.instance());
    assert_eq!(list.tickets.len(), 250);
    let reads = task_reads(&sim);
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(
        reads.iter().all(|q| q.contains("sys_updated_on%3E%3D")),
        "{reads:?}"
    );
    let rows: usize = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/api/now/table/task")
        .map(|r| r.bytes_out as usize)
        .sum();
    assert!(rows < 2_000, "one ticket read again, not 250: {rows} bytes");
    assert_eq!(
        std::fs::metadata(dir.0.join("board.json"))
            .unwrap()
            .modified()
            .unwrap(),
        saved,
        "nothing new, nothing written"
    );
    assert_eq!(
        std::fs::read(dir.0.join("board.json")).unwrap(),
        bytes_before
    );

    // One ticket changes and one is created: the refresh reads those two, and keeps the rest.
    sim.advance_clock(std::time::Duration::from_secs(5));
    assert!(sim.update_record("incident", &ids[0], json!({"state": "2"})));
    sim.insert_record(
        "incident",
        json!({"short_description": "new", "correlation_id": format!("tb1/{TENANT}/New/0000beef")}),
    )
    .unwrap();
    sim.clear_requests();
    board
        .refresh_at(&api, TENANT, t0 + Duration::minutes(2))
        .await
        .unwrap();
    let list = board.cached(api.instance());
    assert_eq!(list.tickets.len(), 251);
    let changed = list.tickets.iter().find(|t| t.sys_id == ids[0]).unwrap();
    assert_eq!(changed.state, "2");
    assert!(list.tickets.iter().any(|t| t.name == "new"));
    let bytes: u64 = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/api/now/table/task")
        .map(|r| r.bytes_out)
        .sum();
    assert_eq!(task_reads(&sim).len(), 2);
    assert!(
        bytes < 4_000,
        "only the changed tickets were read: {bytes} bytes"
    );

    // The cache read again from disk keeps its mark: the next refresh is incremental too.
    let reopened = Board::open(dir.0.join("board.json"));
    sim.clear_requests();
    reopened
        .refresh_at(&api, TENANT, t0 + Duration::minutes(3))
        .await
        .unwrap();
    assert!(
        task_reads(&sim)
            .iter()
            .all(|q| q.contains("sys_updated_on%3E%3D")),
        "incremental after a restart"
    );

    // A day on, a ticket deleted on the instance leaves the list with the full read.
    sim.clear_requests();
    assert!(sim.delete_record("change_request", &ids[1]));
    reopened
        .refresh_at(&api, TENANT, t0 + FULL_SYNC_EVERY + Duration::minutes(1))
        .await
        .unwrap();
    let list = reopened.cached(api.instance());
    assert_eq!(list.tickets.len(), 250);
    assert!(list.tickets.iter().all(|t| t.sys_id != ids[1]));
    assert_eq!(task_reads(&sim).len(), 4, "everything read again");
}

#[tokio::test]
async fn a_server_error_waits_with_backoff_and_sends_once() {
    let (w, api) = connected("tk-500").await;
    let sim = w.sim.handle();
    let dir = Dir::new("500");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let id = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Moderate, "A500"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr = outbox.get(&id).unwrap().correlation_id.to_string();
    let t0 = Utc::now();
    sim.set_scenario(Scenario::ServerError);
    let r = outbox.send_due(&api, t0).await;
    let w1 = only_waiting(&r);
    assert_eq!(w1.error.status, Some(500));
    assert_eq!(w1.next_attempt_at, Some(t0 + Duration::seconds(30)));
    assert_eq!(outbox.get(&id).unwrap().attempts, 1);
    assert!(created(&sim, &corr).is_empty());
    sim.clear_scenario("server-error");
    // Not due yet: nothing is sent.
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::seconds(29)).await;
    assert_eq!((r.sent.len(), r.deferred), (0, 1));
    assert_eq!(api_requests(&sim), 0);
    let r = outbox.send_due(&api, t0 + Duration::seconds(30)).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert!(!r.sent[0].found_existing);
    assert_eq!(created(&sim, &corr).len(), 1);
    assert!(outbox.list().is_empty());
}

#[tokio::test]
async fn a_rate_limit_waits_for_retry_after() {
    let (w, api) = connected("tk-429").await;
    let sim = w.sim.handle();
    let dir = Dir::new("429");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let a = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Low, "A429"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    outbox
        .enqueue(
            draft(TicketKind::ChangeRequest, Priority::Low, "B429"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let t0 = Utc::now();
    sim.set_scenario(Scenario::RateLimit {
        retry_after_secs: 7,
    });
    sim.clear_requests();
    let r = outbox.send_due(&api, t0).await;
    let nw = only_waiting(&r);
    assert_eq!(nw.id, a);
    assert_eq!(nw.error.kind, ErrorKind::RateLimited);
    assert_eq!(nw.error.retry_after_secs, Some(7));
    assert_eq!(nw.next_attempt_at, Some(t0 + Duration::seconds(7)));
    assert_eq!(
        outbox.get(&a).unwrap().next_attempt_at,
        t0 + Duration::seconds(7)
    );
    // The round stopped at the first 429: the second task was not tried.
    assert_eq!(r.deferred, 1);
    assert_eq!(api_requests(&sim), 1);
    sim.clear_scenario("rate-limit");
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::seconds(6)).await;
    // B is due, A is not.
    assert_eq!(r.sent.len(), 1);
    assert_eq!(r.deferred, 1);
    let r = outbox.send_due(&api, t0 + Duration::seconds(7)).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert_eq!(r.sent[0].id, a);
    assert_eq!(
        created(&sim, &r.sent[0].correlation_id.to_string()).len(),
        1
    );
}

#[tokio::test]
async fn a_lost_answer_is_found_by_correlation_id_and_not_posted_again() {
    let (w, api) = connected("tk-drop").await;
    let sim = w.sim.handle();
    let dir = Dir::new("drop");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let id = outbox
        .enqueue(
            draft(TicketKind::ChangeRequest, Priority::Critical, "ADrop"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr = outbox.get(&id).unwrap().correlation_id.to_string();
    let t0 = Utc::now();
    sim.set_scenario(Scenario::DropAfterWrite);
    let r = outbox.send_due(&api, t0).await;
    let nw = only_waiting(&r);
    assert_eq!(nw.error.kind, ErrorKind::InstanceUnreachable);
    // ServiceNow has it; Ticket Bridge does not know yet.
    let stored = created(&sim, &corr);
    assert_eq!(stored.len(), 1);
    sim.clear_scenario("drop-after-write");
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::minutes(15)).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert!(r.sent[0].found_existing);
    assert!(r.sent[0].warnings.is_empty(), "{:?}", r.sent[0].warnings);
    assert_eq!(r.sent[0].sys_id, stored[0]["sys_id"].as_str().unwrap());
    assert_eq!(table_posts(&sim), 0, "looked up, not posted again");
    assert_eq!(created(&sim, &corr).len(), 1);
}

#[tokio::test]
async fn an_unreadable_answer_is_an_unknown_outcome() {
    let (w, api) = connected("tk-json").await;
    let sim = w.sim.handle();
    let dir = Dir::new("json");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let id = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::High, "AJson"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr = outbox.get(&id).unwrap().correlation_id.to_string();
    let t0 = Utc::now();
    sim.set_scenario(Scenario::MalformedJson);
    let r = outbox.send_due(&api, t0).await;
    assert_eq!(only_waiting(&r).error.kind, ErrorKind::ServiceNow);
    assert_eq!(created(&sim, &corr).len(), 1);
    // Still unreadable: the lookup fails, and nothing is posted blindly.
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::minutes(15)).await;
    only_waiting(&r);
    assert_eq!(table_posts(&sim), 0);
    assert_eq!(outbox.get(&id).unwrap().attempts, 2);
    sim.clear_scenario("malformed-json");
    let r = outbox.send_due(&api, t0 + Duration::minutes(30)).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert!(r.sent[0].found_existing);
    assert_eq!(created(&sim, &corr).len(), 1);
}

#[tokio::test]
async fn an_access_token_that_ends_mid_send_is_renewed_once() {
    let (w, api) = connected("tk-expired").await;
    let sim = w.sim.handle();
    let dir = Dir::new("expired");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::High, "AExp"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    sim.advance_clock(std::time::Duration::from_secs(31 * 60));
    let r = outbox.send_due(&api, Utc::now()).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert_eq!(api.session().refresh_count(), 1);
    assert_eq!(sim.token_requests().get("refresh_token"), Some(&1));
    let statuses: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|q| q.method == "POST" && q.path.starts_with("/api/now/table/"))
        .map(|q| q.status)
        .collect();
    assert_eq!(statuses, [401, 201]);
    assert_eq!(
        created(&sim, &r.sent[0].correlation_id.to_string()).len(),
        1
    );
}

#[tokio::test]
async fn an_acl_refusal_blocks_with_servicenows_words_until_retry() {
    let (w, api) = connected("tk-acl").await;
    let sim = w.sim.handle();
    let dir = Dir::new("acl");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let id = outbox
        .enqueue(
            draft(TicketKind::ChangeRequest, Priority::Moderate, "AAcl"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr = outbox.get(&id).unwrap().correlation_id.to_string();
    let t0 = Utc::now();
    sim.set_scenario(Scenario::AclDenyInsert);
    let r = outbox.send_due(&api, t0).await;
    assert!(r.sent.is_empty() && r.waiting.is_empty());
    let b = &r.blocked[0];
    assert_eq!(b.error.kind, ErrorKind::AclDenied);
    assert!(
        b.error
            .message
            .contains("ACL Exception Insert Failed due to security constraints"),
        "{}",
        b.error.message
    );
    assert!(b.error.message.contains("create the change request"));
    assert!(
        b.error.hint.contains("itil") && b.error.hint.contains("Retry"),
        "{}",
        b.error.hint
    );
    assert!(matches!(
        outbox.get(&id).unwrap().state,
        EntryState::Blocked { .. }
    ));
    sim.clear_scenario("acl-deny-insert");
    // Blocked stays blocked, whatever the time, until the admin retries.
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::days(1)).await;
    assert_eq!(r, SendReport::default());
    assert_eq!(api_requests(&sim), 0);
    outbox.retry_now(&id).unwrap();
    let r = outbox.send_due(&api, t0 + Duration::days(1)).await;
    assert_eq!(r.sent.len(), 1, "{r:?}");
    assert_eq!(created(&sim, &corr).len(), 1);
    assert!(outbox.retry_now(&id).is_err(), "sent entries are gone");
}

#[tokio::test]
async fn a_restart_between_enqueue_and_send_loses_nothing() {
    let (w, api) = connected("tk-restart1").await;
    let sim = w.sim.handle();
    let dir = Dir::new("restart1");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let id = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Planning, "ARestart"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let before = outbox.get(&id).unwrap();
    drop(outbox);
    let outbox = Outbox::open(dir.outbox()).unwrap();
    assert_eq!(outbox.list(), vec![before.clone()]);
    let r = outbox.send_due(&api, Utc::now()).await;
    assert_eq!(r.sent.len(), 1);
    assert_eq!(created(&sim, &before.correlation_id.to_string()).len(), 1);
    drop(outbox);
    let outbox = Outbox::open(dir.outbox()).unwrap();
    assert!(outbox.list().is_empty());
    assert_eq!(outbox.recently_sent().len(), 1);
    // No stray temporary files, no secret in the file.
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["outbox.json"]);
    let text = std::fs::read_to_string(dir.outbox()).unwrap();
    let tokens = w.manager.api().unwrap().session().tokens().await;
    assert!(!text.contains(tokens.access_token.expose()));
    assert!(!text.contains(common::SECRET));
}

#[tokio::test]
async fn a_restart_between_attempts_keeps_exactly_once() {
    let (w, api) = connected("tk-restart2").await;
    let sim = w.sim.handle();
    let dir = Dir::new("restart2");
    // 1. The answer was lost, then the app stopped.
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let a = outbox
        .enqueue(
            draft(TicketKind::ChangeRequest, Priority::High, "ALost"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr_a = outbox.get(&a).unwrap().correlation_id.to_string();
    sim.set_scenario(Scenario::DropAfterWrite);
    let t0 = Utc::now();
    only_waiting(&outbox.send_due(&api, t0).await);
    sim.clear_scenario("drop-after-write");
    drop(outbox);
    // 2. The app stopped after counting an attempt, before the POST left.
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let b = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::High, "ACrash"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    let corr_b = outbox.get(&b).unwrap().correlation_id.to_string();
    drop(outbox);
    let mut file: Value = serde_json::from_slice(&std::fs::read(dir.outbox()).unwrap()).unwrap();
    for e in file["entries"].as_array_mut().unwrap() {
        if e["id"] == b.as_str() {
            e["attempts"] = json!(1);
        }
    }
    std::fs::write(dir.outbox(), serde_json::to_vec(&file).unwrap()).unwrap();

    let outbox = Outbox::open(dir.outbox()).unwrap();
    sim.clear_requests();
    let r = outbox.send_due(&api, t0 + Duration::minutes(15)).await;
    assert_eq!(r.sent.len(), 2, "{r:?}");
    let sa = r.sent.iter().find(|s| s.id == a).unwrap();
    let sb = r.sent.iter().find(|s| s.id == b).unwrap();
    assert!(sa.found_existing, "A reached ServiceNow before the restart");
    assert!(!sb.found_existing, "B never left");
    assert_eq!(table_posts(&sim), 1, "only B is posted");
    assert_eq!(created(&sim, &corr_a).len(), 1);
    assert_eq!(created(&sim, &corr_b).len(), 1);
}

#[tokio::test]
async fn invalid_drafts_and_unknown_entries_are_refused() {
    let dir = Dir::new("invalid");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let bad = TaskDraft {
        name: String::new(),
        due_date: today() - Duration::days(1),
        ..draft(TicketKind::Incident, Priority::Low, "A")
    };
    let e = outbox
        .enqueue(bad, TENANT, &local_instance(), None, today())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("1 more problems"), "{}", e.message);
    let e = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Low, "A"),
            " ",
            &local_instance(),
            None,
            today(),
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(outbox.list().is_empty());
    assert!(
        !dir.outbox().exists(),
        "nothing written for a refused draft"
    );
    assert!(outbox.discard("nope").is_err());
    let id = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::Low, "A"),
            TENANT,
            &local_instance(),
            None,
            today(),
        )
        .unwrap();
    assert!(outbox.pending_for_action(TENANT, "A").is_some());
    assert!(outbox.pending_for_action(TENANT, "B").is_none());
    assert_eq!(outbox.discard(&id).unwrap().id, id);
    assert!(Outbox::open(dir.outbox()).unwrap().list().is_empty());
    // A damaged file is moved aside and reported, never overwritten; the outbox opens empty.
    std::fs::write(dir.outbox(), b"{not json").unwrap();
    let damage = ticket_bridge_core::files::DamageReport::default();
    let reopened = Outbox::open_reporting(dir.outbox(), &damage, None).unwrap();
    assert!(reopened.list().is_empty());
    let moved = damage.list()[0].moved_to.clone().unwrap();
    assert_eq!(std::fs::read(moved).unwrap(), b"{not json");
}

/// Every task submitted becomes exactly one ticket, through every fault and restarts.
#[tokio::test]
async fn a_batch_through_faults_creates_one_ticket_per_task() {
    let (w, api) = connected("tk-batch").await;
    let sim = w.sim.handle();
    let dir = Dir::new("batch");
    let mut outbox = Outbox::open(dir.outbox()).unwrap();
    let faults = [
        Some(Scenario::DropAfterWrite),
        Some(Scenario::MalformedJson),
        Some(Scenario::ServerError),
        None,
        Some(Scenario::RateLimit {
            retry_after_secs: 5,
        }),
        Some(Scenario::AclDenyInsert),
        Some(Scenario::DropAfterWrite),
        None,
    ];
    let per_round = 4;
    let fault_rounds = 16;
    let mut submitted: Vec<(String, String)> = Vec::new(); // (entry id, correlation id)
    let mut sent = Vec::new();
    let mut now: DateTime<Utc> = Utc::now();
    let mut round = 0;
    loop {
        if round < fault_rounds {
            for _ in 0..per_round {
                let n = submitted.len();
                let kind = TicketKind::ALL[n % 2];
                let p = Priority::ALL[n % 5];
                let id = outbox
                    .enqueue(
                        draft(kind, p, &format!("Batch{}", n % 7)),
                        TENANT,
                        api.instance(),
                        None,
                        today(),
                    )
                    .unwrap();
                let c = outbox.get(&id).unwrap().correlation_id.to_string();
                submitted.push((id, c));
            }
        }
        let fault = if round < fault_rounds {
            faults[round % faults.len()].clone()
        } else {
            None
        };
        if let Some(f) = &fault {
            sim.set_scenario(f.clone());
        }
        let r = outbox.send_due(&api, now).await;
        if let Some(f) = &fault {
            sim.clear_scenario(f.key());
        }
        assert!(r.storage_error.is_none());
        sent.extend(r.sent);
        for e in outbox.list() {
            if matches!(e.state, EntryState::Blocked { .. }) {
                outbox.retry_now(&e.id).unwrap();
            }
        }
        // Time passes (past the longest backoff); the access token ends now and then.
        now += Duration::minutes(16);
        sim.advance_clock(std::time::Duration::from_secs(16 * 60));
        if round % 5 == 4 {
            drop(outbox);
            outbox = Outbox::open(dir.outbox()).unwrap();
        }
        round += 1;
        if round >= fault_rounds && outbox.list().is_empty() {
            break;
        }
        assert!(
            round < fault_rounds + 20,
            "the outbox does not drain: {:?}",
            outbox.list()
        );
    }
    let tickets: Vec<Value> = ["incident", "change_request"]
        .into_iter()
        .flat_map(|t| sim.records(t))
        .filter(|r| {
            r["correlation_id"]
                .as_str()
                .is_some_and(|c| c.starts_with(&format!("tb1/{TENANT}/Batch")))
        })
        .collect();
    println!(
        "batch: tasks submitted = {}, tickets created = {}, reported sent = {} ({} found after an unknown outcome), rounds = {round}, refreshes = {}",
        submitted.len(),
        tickets.len(),
        sent.len(),
        sent.iter().filter(|s| s.found_existing).count(),
        api.session().refresh_count()
    );
    assert_eq!(tickets.len(), submitted.len(), "submitted == created");
    for (id, corr) in &submitted {
        assert_eq!(
            created(&sim, corr).len(),
            1,
            "{corr}: none lost, none doubled"
        );
        assert_eq!(
            sent.iter().filter(|s| &s.id == id).count(),
            1,
            "{id} reported once"
        );
    }
    assert!(
        sent.iter().any(|s| s.found_existing),
        "some answers were lost"
    );
    assert!(api.session().refresh_count() >= 1);
}

/// After an unknown outcome, a lookup that cannot prove absence (the correlation id hidden by
/// a read ACL, or the condition ignored) never leads to a second POST: the task looks again,
/// then waits for the admin, who looks again once the instance is fixed, or sends it anyway.
#[tokio::test]
async fn a_lookup_that_cannot_prove_absence_never_posts_again() {
    let (w, api) = connected("tk-unproven").await;
    let sim = w.sim.handle();
    let dir = Dir::new("unproven");
    let outbox = Outbox::open(dir.outbox()).unwrap();
    let posts = || {
        sim.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/api/now/table/"))
            .count()
    };
    let mine = |sim: &servicenow_sim::SimHandle| {
        sim.records("incident")
            .into_iter()
            .filter(|r| {
                r["correlation_id"]
                    .as_str()
                    .is_some_and(|c| c.contains("/Unproven/"))
            })
            .count()
    };
    // Another app's ticket, so that an ignored condition returns rows.
    sim.insert_record(
        "incident",
        serde_json::json!({"short_description": "not ours", "correlation_id": "other/1"}),
    );

    // The write is kept, the answer lost.
    let id = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::High, "Unproven"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    sim.set_scenario(Scenario::DropAfterWrite);
    let mut now = Utc::now();
    assert!(outbox.send_due(&api, now).await.sent.is_empty());
    sim.clear_scenario("drop-after-write");
    assert_eq!(mine(&sim), 1);

    // The instance ignores the search: three lookups, no POST, then the admin decides.
    sim.set_scenario(Scenario::IgnoreQueryField("correlation_id".into()));
    let before = posts();
    for round in 1..=ticket_bridge_core::tickets::outbox::UNPROVEN_LOOKUPS_MAX {
        now += chrono::Duration::hours(1);
        let r = outbox.send_due(&api, now).await;
        assert!(r.sent.is_empty(), "round {round}");
        let e = outbox.get(&id).unwrap();
        assert_eq!(
            e.last_error.as_ref().and_then(|e| e.reason.as_deref()),
            Some("lookup_condition_ignored")
        );
        let blocked = matches!(e.state, EntryState::Blocked { .. });
        assert_eq!(
            blocked,
            round == ticket_bridge_core::tickets::outbox::UNPROVEN_LOOKUPS_MAX,
            "round {round}"
        );
    }
    assert_eq!(posts(), before, "no second POST");
    // Blocked, it stays put.
    now += chrono::Duration::hours(1);
    assert!(outbox.send_due(&api, now).await.sent.is_empty());
    assert_eq!(posts(), before);

    // The field hidden instead: the same, with its own reason.
    sim.clear_scenario("ignore-query-field");
    sim.set_scenario(Scenario::HideField("correlation_id".into()));
    outbox.retry_now(&id).unwrap();
    now += chrono::Duration::hours(1);
    outbox.send_due(&api, now).await;
    let e = outbox.get(&id).unwrap();
    assert_eq!(
        e.last_error.as_ref().and_then(|e| e.reason.as_deref()),
        Some("lookup_field_hidden")
    );
    assert_eq!(posts(), before);

    // Fixed: Look again finds the ticket, once.
    sim.clear_scenario("hide-field");
    outbox.retry_now(&id).unwrap();
    now += chrono::Duration::hours(1);
    let r = outbox.send_due(&api, now).await;
    assert_eq!(r.sent.len(), 1);
    assert!(r.sent[0].found_existing);
    assert_eq!(posts(), before);
    assert_eq!(mine(&sim), 1, "exactly one ticket");

    // Send anyway: the admin's choice, after looking; it posts without a lookup.
    let other = outbox
        .enqueue(
            draft(TicketKind::Incident, Priority::High, "Unproven"),
            TENANT,
            api.instance(),
            None,
            today(),
        )
        .unwrap();
    sim.set_scenario(Scenario::ServerError);
    now += chrono::Duration::hours(1);
    outbox.send_due(&api, now).await;
    sim.clear_scenario("server-error");
    sim.set_scenario(Scenario::HideField("correlation_id".into()));
    for _ in 0..ticket_bridge_core::tickets::outbox::UNPROVEN_LOOKUPS_MAX {
        now += chrono::Duration::hours(1);
        outbox.send_due(&api, now).await;
    }
    assert!(matches!(
        outbox.get(&other).unwrap().state,
        EntryState::Blocked { .. }
    ));
    assert_eq!(mine(&sim), 1, "the 500 came before the write");
    outbox.send_anyway(&other).unwrap();
    now += chrono::Duration::hours(1);
    let r = outbox.send_due(&api, now).await;
    assert_eq!(r.sent.len(), 1);
    sim.clear_scenario("hide-field");
    assert_eq!(mine(&sim), 2);
}
