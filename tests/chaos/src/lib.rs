//! The outbox under chaos. [`run`] starts the ServiceNow simulator with its `chaos` scenario
//! (500 before and after a write, a dropped connection or a gateway timeout after a write, 429
//! with `Retry-After` in seconds or as a date, truncated answers, slow answers, at random),
//! queues `tasks` tasks in an outbox file, and runs the sender as a separate process
//! (`outbox-worker`) that it kills with SIGKILL at random moments and starts again, `kills`
//! times, until the worker has nothing left to send. It then counts what reached ServiceNow.
//!
//! The promise under test: records in ServiceNow = tasks submitted, each correlation id exactly
//! once, nothing left waiting without a reason.

use servicenow_sim::{CLIENT_ID, CLIENT_SECRET, INTEGRATION_USER, RunningSim, Scenario, SimConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::tickets::draft::TaskDraft;
use ticket_bridge_core::tickets::outbox::Outbox;

/// The tenant segment of the tasks' correlation ids.
pub const TENANT: &str = "chaos";

#[derive(Debug, Clone)]
pub struct ChaosOptions {
    pub tasks: usize,
    pub kills: usize,
    pub seed: u64,
    /// How often the simulator injects a fault, in percent.
    pub percent: u8,
    /// The `outbox-worker` binary.
    pub worker: PathBuf,
    /// How long the whole run may take before it is called stuck.
    pub deadline: Duration,
}

/// What a run did and found.
#[derive(Debug, Clone, Default)]
pub struct ChaosReport {
    pub tasks: usize,
    pub kills: usize,
    pub worker_runs: usize,
    pub faults: BTreeMap<String, u64>,
    pub faults_total: u64,
    pub records: usize,
    /// Correlation ids that reached ServiceNow more than once (each extra record counts).
    pub duplicates: usize,
    /// Tasks that never reached ServiceNow.
    pub losses: usize,
    /// Tasks still in the outbox at the end, with the reason they give.
    pub left: Vec<(String, String)>,
    pub seconds: f64,
}

impl ChaosReport {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "tasks": self.tasks,
            "kills": self.kills,
            "workerRuns": self.worker_runs,
            "faults": self.faults,
            "faultsTotal": self.faults_total,
            "records": self.records,
            "duplicates": self.duplicates,
            "losses": self.losses,
            "left": self.left,
            "seconds": self.seconds,
        })
    }
}

/// A small reproducible generator (splitmix64) for the kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn queue(path: &Path, tasks: usize, instance: &InstanceUrl) -> Outbox {
    let outbox = Outbox::open(path).expect("the outbox opens");
    let today = chrono::Local::now().date_naive();
    for i in 0..tasks {
        let draft: TaskDraft = serde_json::from_value(serde_json::json!({
            "actionId": format!("Control{i}"),
            "actionTitle": format!("Control number {i}"),
            "name": format!("Fix control number {i}"),
            "description": "Made by the chaos run.",
            "priority": 1 + (i % 5),
            "dueDate": (today + chrono::Days::new(7)).to_string(),
            "source": "microsoft",
            "category": "Identity",
            "kind": if i % 2 == 0 { "incident" } else { "change_request" },
            "initiatingUser": "chaos",
        }))
        .expect("a draft");
        outbox
            .enqueue(draft, TENANT, instance, None, today)
            .expect("queued");
    }
    outbox
}

fn spawn_worker(
    opts: &ChaosOptions,
    sim: &RunningSim,
    outbox: &Path,
    tokens: &(String, String),
    log: &Path,
) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("the worker log");
    Command::new(&opts.worker)
        .arg(outbox)
        .env("CHAOS_INSTANCE", sim.base_url())
        .env("CHAOS_CLIENT_ID", CLIENT_ID)
        .env("CHAOS_CLIENT_SECRET", CLIENT_SECRET)
        .env("CHAOS_ACCESS_TOKEN", &tokens.0)
        .env("CHAOS_REFRESH_TOKEN", &tokens.1)
        .env(
            "CHAOS_USER_SYS_ID",
            sim.handle()
                .user_sys_id(INTEGRATION_USER)
                .unwrap_or_default(),
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the worker starts")
}

/// Runs the chaos; see the module docs.
pub async fn run(opts: &ChaosOptions) -> ChaosReport {
    let started = Instant::now();
    let sim = servicenow_sim::start(SimConfig {
        seed: servicenow_sim::Seed::Empty,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let handle = sim.handle();
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("outbox.json");
    let log = dir.path().join("worker.log");
    let instance = InstanceUrl::parse(&sim.base_url()).expect("the simulator's address");
    queue(&path, opts.tasks, &instance);
    let tokens = handle
        .issue_tokens(INTEGRATION_USER, CLIENT_ID)
        .expect("tokens for the integration user");
    handle.set_scenario(Scenario::Chaos {
        seed: opts.seed,
        percent: opts.percent,
    });

    let mut rng = Rng(opts.seed ^ 0x5eed);
    let mut report = ChaosReport {
        tasks: opts.tasks,
        ..ChaosReport::default()
    };
    let deadline = Instant::now() + opts.deadline;
    loop {
        let mut child = spawn_worker(opts, &sim, &path, &tokens, &log);
        report.worker_runs += 1;
        if report.kills < opts.kills {
            // Kill it at a random moment while it sends, as a crash or a power cut would.
            tokio::time::sleep(Duration::from_millis(rng.between(20, 400))).await;
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill(); // SIGKILL on Unix
                let _ = child.wait();
                report.kills += 1;
                continue;
            }
        }
        // Let it finish; it exits when nothing is left to send (or only what waits for the
        // admin), and is started again if it exits on an error.
        let status = loop {
            if let Ok(Some(s)) = child.try_wait() {
                break Some(s);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        match status {
            Some(s) if s.success() => break,
            Some(_) if Instant::now() < deadline => continue,
            _ => break,
        }
    }
    handle.clear_scenario("chaos");

    let outbox = Outbox::open(&path).expect("the outbox opens after the run");
    report.left = outbox
        .list()
        .into_iter()
        .map(|e| {
            let why = e
                .last_error
                .map(|er| er.message)
                .unwrap_or_else(|| "no reason given".into());
            (e.id, why)
        })
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for table in ["incident", "change_request"] {
        for r in handle.records(table) {
            if let Some(c) = r["correlation_id"].as_str()
                && c.starts_with(&format!("tb1/{TENANT}/"))
            {
                *seen.entry(c.to_owned()).or_default() += 1;
            }
        }
    }
    report.records = seen.values().sum();
    report.duplicates = seen.values().map(|n| n.saturating_sub(1)).sum();
    report.losses = opts.tasks.saturating_sub(seen.len());
    report.faults = handle.chaos_counts();
    report.faults_total = report.faults.values().sum();
    report.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    if report.losses > 0
        || report.duplicates > 0
        || !report.left.is_empty()
        || std::env::var_os("CHAOS_VERBOSE").is_some()
    {
        eprintln!(
            "chaos: the worker's log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    report
}
