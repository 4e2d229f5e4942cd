//! ticket-load-bench: figures for loading Ticket Bridge's tickets, never a pass/fail on time.
//!
//! Starts the simulator in-process (empty seed), inserts 10,000 Ticket Bridge tickets (mixed
//! incidents and change requests), connects as the integration user the way core's tests do
//! (an OAuth app for a loopback port, the scripted browser signs in), then measures, each
//! [`RUNS`] times:
//!
//! 1. `tickets::sync::fetch_all(&api, "local")`: wall time, requests, bytes the simulator sent;
//! 2. the floor: the same paged GETs with reqwest and a Bearer token, bodies read, not parsed;
//! 3. a fresh `Board::open` of a saved cache with the 10,000 tickets until `cached()` returns;
//! 4. `Board::refresh` after a full one when nothing changed (the incremental read).
//!
//! Prints a table and writes JSON to `target/bench/ticket-load.json` (or `--out PATH`).
//!
//! `--serve`: insert the tickets, print `SIM_BASE_URL=...` and serve until Ctrl-C or SIGTERM
//! (for the pysnow comparison in `pysnow_load.py`).
//!
//! `--latency MS`: the simulator answers every request MS milliseconds late (its `slow`
//! scenario, slept per request, so requests in flight together wait together, as on an
//! instance's several nodes). The simulator alone answers a page of 100 in a few milliseconds of
//! CPU, which on this 2-core machine leaves nothing for pages in flight to overlap; a real
//! instance takes a few hundred milliseconds for the same page, and that wait is what keeping
//! pages in flight saves. `scripts/bench-tickets.sh` runs both.

use servicenow_sim::browser::Browser;
use servicenow_sim::{INTEGRATION_USER, OAuthApp, PASSWORD, RunningSim, Scenario, Seed, SimConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ticket_bridge_core::connection::{
    ConnectOutcome, ConnectRequest, ConnectionManager, MemorySettings,
};
use ticket_bridge_core::servicenow::client::ServiceNow;
use ticket_bridge_core::tickets::board::Board;
use ticket_bridge_core::tickets::model::TICKET_FIELDS;
use ticket_bridge_core::tickets::sync::{self, PAGE};

const TICKETS: usize = 10_000;
const RUNS: usize = 5;
const TENANT: &str = "local";
const CLIENT_ID: &str = "tb-bench-ticket-load";
const SECRET: &str = "bench-secret-change-me";
const ACTIONS: &[&str] = &[
    "DLPEnabled",
    "AdminMFAV2",
    "BlockLegacyAuthentication",
    "PWAgePolicyNew",
    "SelfServicePasswordReset",
    "OneAdmin",
    "IntegratedApps",
    "MailboxAuditingOn",
];

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ticket-load-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> AnyResult<()> {
    let mut serve = false;
    let mut latency_ms: u64 = 0;
    let mut out = PathBuf::from("target/bench/ticket-load.json");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--serve" => serve = true,
            "--out" => out = args.next().ok_or("--out needs a path")?.into(),
            "--latency" => {
                latency_ms = args
                    .next()
                    .ok_or("--latency needs milliseconds")?
                    .parse()
                    .map_err(|_| "--latency needs a whole number of milliseconds")?;
            }
            "-h" | "--help" => {
                println!("usage: ticket-load-bench [--latency MS] [--out PATH | --serve]");
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}'").into()),
        }
    }

    let sim = servicenow_sim::start(SimConfig {
        seed: Seed::Empty,
        scenarios: if latency_ms > 0 {
            vec![Scenario::Slow(Duration::from_millis(latency_ms))]
        } else {
            Vec::new()
        },
        ..SimConfig::default()
    })
    .await?;
    let started = Instant::now();
    insert_tickets(&sim)?;
    let insert_ms = ms(started.elapsed());

    if serve {
        println!("SIM_BASE_URL={}", sim.base_url());
        println!("TICKETS={TICKETS} (inserted in {insert_ms:.0} ms; latency {latency_ms} ms)");
        servicenow_sim::wait_for_stop().await;
        sim.shutdown().await;
        return Ok(());
    }

    println!(
        "ticket-load-bench: {TICKETS} tickets inserted in {insert_ms:.0} ms; {RUNS} runs each, page size {PAGE}, \
         every answer {latency_ms} ms late"
    );
    let api = connect(&sim).await?;
    let handle = sim.handle();

    // (1) fetch_all.
    let mut fetch = Figures::default();
    let mut fetched = 0;
    for _ in 0..RUNS {
        handle.clear_requests();
        let t = Instant::now();
        let tickets = sync::fetch_all(&api, TENANT).await?;
        fetch.times.push(ms(t.elapsed()));
        fetched = tickets.len();
        let reqs = handle.requests();
        fetch.requests = reqs.len();
        fetch.bytes = reqs.iter().map(|r| r.bytes_out).sum();
    }
    if fetched != TICKETS {
        eprintln!("note: fetch_all returned {fetched} tickets, {TICKETS} inserted");
    }

    // (2) the floor: the same pages with reqwest, a Bearer token, bodies read as bytes.
    let token = api.session().access_token().await?;
    let http = reqwest::Client::new();
    let mut floor = Figures::default();
    for _ in 0..RUNS {
        handle.clear_requests();
        let t = Instant::now();
        raw_pages(&http, &sim.base_url(), token.expose()).await?;
        floor.times.push(ms(t.elapsed()));
        let reqs = handle.requests();
        floor.requests = reqs.len();
        floor.bytes = reqs.iter().map(|r| r.bytes_out).sum();
    }

    // (3) the cards: a fresh Board::open of the saved cache until cached() returns.
    let dir = out
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
        .join("ticket-load-cache");
    std::fs::create_dir_all(&dir)?;
    let cache = dir.join("board.json");
    let _ = std::fs::remove_file(&cache);
    let synced = Board::open(&cache);
    synced.refresh(&api, TENANT).await?;

    // (4) a refresh after it, when nothing changed: incremental, the newest second only.
    let mut incremental = Figures::default();
    for _ in 0..RUNS {
        handle.clear_requests();
        let t = Instant::now();
        synced.refresh(&api, TENANT).await?;
        incremental.times.push(ms(t.elapsed()));
        let list = synced.cached(api.instance());
        let reqs = handle.requests();
        incremental.requests = reqs
            .iter()
            .filter(|r| r.path.starts_with("/api/now/table/"))
            .count();
        incremental.bytes = reqs.iter().map(|r| r.bytes_out).sum();
        if list.tickets.len() != TICKETS {
            eprintln!("note: the refreshed board listed {}", list.tickets.len());
        }
    }
    drop(synced);
    let cache_bytes = std::fs::metadata(&cache)?.len();
    let instance = api.instance().clone();
    let mut board = Figures {
        bytes: cache_bytes,
        ..Figures::default()
    };
    let mut listed = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let b = Board::open(&cache);
        let list = b.cached(&instance);
        board.times.push(ms(t.elapsed()));
        listed = list.tickets.len();
    }
    if listed != TICKETS {
        eprintln!("note: the cached board listed {listed} tickets, {TICKETS} inserted");
    }

    println!();
    println!(
        "{:<38} {:>12} {:>10} {:>9} {:>9}",
        "measure", "median ms", "min ms", "requests", "MiB"
    );
    for (name, f) in [
        ("fetch_all (tickets::sync)", &fetch),
        ("raw paged GETs (reqwest, floor)", &floor),
        ("Board::open + cached() (cache file)", &board),
        ("Board::refresh, nothing changed", &incremental),
    ] {
        println!(
            "{:<38} {:>12.1} {:>10.1} {:>9} {:>9.2}",
            name,
            f.median(),
            f.min(),
            f.requests,
            mib(f.bytes)
        );
    }
    println!();
    println!(
        "(requests and MiB: what the simulator answered per run; for the board, the cache file size)"
    );

    let json = serde_json::json!({
        "tickets": TICKETS,
        "runs": RUNS,
        "page_size": PAGE,
        "latency_ms": latency_ms,
        "in_flight": sync::IN_FLIGHT,
        "insert_ms": insert_ms,
        "fetch_all": fetch.json(Some(fetched)),
        "raw_paged_gets": floor.json(None),
        "refresh_nothing_changed": incremental.json(None),
        "board_open_cached": {
            "median_ms": board.median(),
            "min_ms": board.min(),
            "times_ms": board.times,
            "cache_file_bytes": cache_bytes,
            "cache_file_mib": mib(cache_bytes),
            "tickets_listed": listed,
        },
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&json)?)?;
    println!("wrote {}", out.display());
    sim.shutdown().await;
    Ok(())
}

#[derive(Default)]
struct Figures {
    times: Vec<f64>,
    requests: usize,
    bytes: u64,
}

impl Figures {
    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        match t.len() {
            0 => 0.0,
            n if n % 2 == 1 => t[n / 2],
            n => (t[n / 2 - 1] + t[n / 2]) / 2.0,
        }
    }

    fn min(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn json(&self, tickets: Option<usize>) -> serde_json::Value {
        let mut v = serde_json::json!({
            "median_ms": self.median(),
            "min_ms": self.min(),
            "times_ms": self.times,
            "requests": self.requests,
            "bytes_out": self.bytes,
            "mib_out": mib(self.bytes),
        });
        if let Some(n) = tickets {
            v["tickets_returned"] = n.into();
        }
        v
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A fixed, well-mixed 32-bit value per index (splitmix64's finaliser), for the draft part.
fn mix(i: u64) -> u32 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u32
}

fn insert_tickets(sim: &RunningSim) -> AnyResult<()> {
    let handle = sim.handle();
    for i in 0..TICKETS {
        // Ten tickets a second, as if raised over the hours before: an incremental refresh
        // then reads again only the newest second's.
        if i > 0 && i % 10 == 0 {
            handle.advance_clock(Duration::from_secs(1));
        }
        let action = ACTIONS[i % ACTIONS.len()];
        let table = if i % 3 == 0 {
            "change_request"
        } else {
            "incident"
        };
        let fields = serde_json::json!({
            "short_description": format!("{action}: bench ticket {i}"),
            "description": "Inserted by ticket-load-bench.",
            "impact": (["1", "2", "3"][i % 3]),
            "urgency": (["2", "3", "1"][i % 3]),
            "category": "Security",
            "correlation_id": format!("tb1/{TENANT}/{action}/{:08x}", mix(i as u64)),
            "correlation_display": "Ticket Bridge",
        });
        handle
            .insert_record(table, fields)
            .ok_or_else(|| format!("the simulator has no table {table}"))?;
    }
    Ok(())
}

/// Registers an OAuth app for a free loopback port and signs in as the integration user with
/// the scripted browser, as core's integration tests do; tokens go to keyring-core's mock store.
async fn connect(sim: &RunningSim) -> AnyResult<ServiceNow> {
    keyring_core::set_default_store(keyring_core::mock::Store::new()?);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    sim.handle().add_oauth_app(OAuthApp {
        name: "Ticket Bridge".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SECRET.into()),
        redirect_urls: vec![format!("http://127.0.0.1:{port}/callback")],
        pkce_required: false,
        issue_refresh_token: true,
    });
    let manager = Arc::new(
        ConnectionManager::new("ws-bench000", Arc::new(MemorySettings::default()))
            .with_callback_timeout(Duration::from_secs(30)),
    );
    let url = manager
        .begin(ConnectRequest {
            instance: sim.base_url(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(SECRET.into()),
            integration_user: INTEGRATION_USER.into(),
            port: Some(port),
        })
        .await?;
    let finish = {
        let m = manager.clone();
        tokio::spawn(async move { m.finish().await })
    };
    let mut browser = Browser::new(&sim.base_url());
    let callback = browser
        .authorize_as(&url, INTEGRATION_USER, PASSWORD, true)
        .await;
    reqwest::get(&callback).await?.error_for_status()?;
    match finish.await?? {
        ConnectOutcome::Connected { .. } => Ok(manager.api()?),
        other => Err(format!("the sign-in did not connect: {other:?}").into()),
    }
}

/// The pages `fetch_all` reads (same query, fields and page size), with plain GETs: until a
/// page has no rows, checked on the bytes (`"result":[]`) without parsing the JSON.
async fn raw_pages(http: &reqwest::Client, base: &str, token: &str) -> AnyResult<()> {
    let query = format!(
        "sys_class_nameINchange_request,incident^correlation_idSTARTSWITHtb1/{TENANT}/^ORDERBYsys_created_on^ORDERBYsys_id"
    );
    let limit = PAGE.to_string();
    let fields = TICKET_FIELDS.join(",");
    let url = format!("{base}/api/now/table/task");
    for page in 0..1000 {
        let offset = (page * PAGE).to_string();
        let body = http
            .get(&url)
            .bearer_auth(token)
            .header("Accept", "application/json")
            .query(&[
                ("sysparm_query", query.as_str()),
                ("sysparm_fields", fields.as_str()),
                ("sysparm_exclude_reference_link", "true"),
                ("sysparm_limit", limit.as_str()),
                ("sysparm_offset", offset.as_str()),
            ])
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        if empty_page(&body) {
            break;
        }
    }
    Ok(())
}

fn empty_page(body: &[u8]) -> bool {
    body.len() < 64
        && body
            .windows(b"\"result\":[]".len())
            .any(|w| w == b"\"result\":[]")
}
