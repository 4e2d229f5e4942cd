//! secure-score-bench: figures for reading a tenant's Secure Score, never a pass/fail on time.
//!
//! Starts the Microsoft simulator in-process with the demo tenant (about 240 control profiles,
//! 90 daily snapshots, served in Graph's pages), signs in the way the app does (the loopback
//! listener, the scripted browser through the sign-in and consent pages), then measures, each
//! [`RUNS`] times:
//!
//! 1. `Graph::read_all`: wall time, Graph requests and pages, the most requests in flight at
//!    once; with no latency, and with 40 ms added to every Graph answer (a remote service);
//! 2. `graph_data::join` of what was read into scored actions;
//! 3. `ScoreStore::replace` (the atomic write of the cache) and a fresh `ScoreStore::open`;
//! 4. the actions list as it crosses IPC: `serde_json` of every action, its size in bytes.
//!
//! Prints a table and writes JSON to `target/bench/secure-score.json` (or `--out PATH`).

use servicenow_sim::microsoft::browser::{Consent, MsBrowser};
use servicenow_sim::microsoft::{
    self as ms, MS_ADMIN, MS_CLIENT_ID, MS_PASSWORD, MS_TENANT_DOMAIN, MsConfig,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ticket_bridge_core::secure_score::graph_data;
use ticket_bridge_core::secure_score::score::ScoreStore;
use ticket_bridge_core::secure_score::signin::{
    MicrosoftForm, MicrosoftSettings, MicrosoftSignIn, MicrosoftStore,
};
use ticket_bridge_core::secure_score::{Action, ActionSource};

const RUNS: usize = 5;
const LATENCY: Duration = Duration::from_millis(40);

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Default)]
struct Memory(Mutex<Option<MicrosoftSettings>>);

impl MicrosoftStore for Memory {
    fn load(&self) -> ticket_bridge_core::Result<Option<MicrosoftSettings>> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn save(&self, s: &MicrosoftSettings) -> ticket_bridge_core::Result<()> {
        *self.0.lock().unwrap() = Some(s.clone());
        Ok(())
    }
    fn clear(&self) -> ticket_bridge_core::Result<()> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("secure-score-bench: {e}");
        std::process::exit(1);
    }
}

fn ms_of(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run() -> AnyResult<()> {
    let mut out = PathBuf::from("target/bench/secure-score.json");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().ok_or("--out needs a path")?.into(),
            "-h" | "--help" => {
                println!("usage: secure-score-bench [--out PATH]");
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}'").into()),
        }
    }
    keyring_core::set_default_store(keyring_core::mock::Store::new()?);
    let sim = ms::start(MsConfig::default()).await?;
    let handle = sim.handle();

    // The sign-in, as the app does it.
    let signin = Arc::new(MicrosoftSignIn::new("bench", Arc::new(Memory::default())));
    let form: MicrosoftForm = serde_json::from_value(serde_json::json!({
        "tenant": MS_TENANT_DOMAIN, "clientId": MS_CLIENT_ID,
        "authority": sim.base_url(), "graph": sim.base_url(),
    }))?;
    let url = signin.begin(form).await?;
    let finish = {
        let s = signin.clone();
        tokio::spawn(async move { s.finish().await })
    };
    let back = MsBrowser::new()
        .sign_in(&url, MS_ADMIN, MS_PASSWORD, Consent::Accept)
        .await;
    reqwest::get(&back).await?;
    finish.await??;
    let graph = signin.graph()?;

    let mut report = serde_json::Map::new();
    println!(
        "Secure Score of the demo tenant: {} profiles, {} snapshots, {RUNS} runs each (median)",
        handle.profiles().len(),
        handle.snapshot_count()
    );
    println!();
    println!(
        "{:<44} {:>10} {:>9} {:>7} {:>9}",
        "step", "ms", "requests", "pages", "in flight"
    );
    let mut last = None;
    for (label, latency) in [
        ("Graph read_all, loopback", Duration::ZERO),
        ("Graph read_all, +40 ms a request", LATENCY),
    ] {
        handle.slow(latency);
        let mut times = Vec::new();
        let mut requests = 0;
        let mut pages = 0;
        let mut in_flight = 0;
        for _ in 0..RUNS {
            handle.reset_max_concurrent_graph_requests();
            let started = Instant::now();
            let (profiles, scores, cost) = graph.read_all().await?;
            times.push(ms_of(started.elapsed()));
            requests = cost.requests;
            pages = cost.pages;
            in_flight = handle.max_concurrent_graph_requests();
            last = Some((profiles, scores, cost));
        }
        let t = median(times);
        println!("{label:<44} {t:>10} {requests:>9} {pages:>7} {in_flight:>9}");
        report.insert(
            label.into(),
            serde_json::json!({"ms": t, "requests": requests, "pages": pages, "maxInFlight": in_flight}),
        );
    }
    handle.slow(Duration::ZERO);
    let (profiles, scores, cost) = last.ok_or("no read")?;

    let mut join = Vec::new();
    let mut board = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let b = graph_data::join(
            &graph_data::parse_profiles(&profiles),
            &graph_data::parse_newest_snapshot(&scores)
                .into_iter()
                .collect::<Vec<_>>(),
        );
        join.push(ms_of(started.elapsed()));
        board = Some(b);
    }
    let board = board.ok_or("no join")?;
    let t = median(join);
    println!(
        "{:<44} {t:>10}",
        format!("parse and join ({} actions)", board.actions.len())
    );
    report.insert(
        "join".into(),
        serde_json::json!({"ms": t, "actions": board.actions.len()}),
    );

    let dir = std::env::temp_dir().join(format!("secure-score-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("secure-score.json");
    let store = ScoreStore::open(&path);
    let (mut write, mut open) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        store.replace(ms::MS_TENANT_ID, &board, cost)?;
        write.push(ms_of(started.elapsed()));
        let started = Instant::now();
        let again = ScoreStore::open(&path);
        assert!(!again.actions().is_empty());
        open.push(ms_of(started.elapsed()));
    }
    let bytes = std::fs::metadata(&path)?.len();
    let (w, o) = (median(write), median(open));
    println!(
        "{:<44} {w:>10}",
        format!("cache write ({} KiB)", bytes / 1024)
    );
    println!("{:<44} {o:>10}", "cache open");
    report.insert(
        "cacheWrite".into(),
        serde_json::json!({"ms": w, "bytes": bytes}),
    );
    report.insert("cacheOpen".into(), serde_json::json!({"ms": o}));

    let actions: Vec<Action> = store.actions();
    let mut ser = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        size = serde_json::to_vec(&actions)?.len();
        ser.push(ms_of(started.elapsed()));
    }
    let t = median(ser);
    println!(
        "{:<44} {t:>10}",
        format!("actions list to JSON ({} KiB)", size / 1024)
    );
    report.insert(
        "actionsJson".into(),
        serde_json::json!({"ms": t, "bytes": size}),
    );
    let _ = std::fs::remove_dir_all(&dir);

    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&report)?)?;
    println!();
    println!("JSON: {}", out.display());
    Ok(())
}
