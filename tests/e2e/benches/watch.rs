//! Benchmark (figures, never pass/fail): what the watcher costs while nothing changes, and how
//! long a change takes to become a notification, in the real app against the simulator.
//!
//! - requests and response bytes per idle poll (the simulator's request log);
//! - CPU time of the app's processes (the app, WebKit's web and network processes) over an idle
//!   window at the 15 s interval, from /proc (`BENCH_IDLE_SECS`, default 600);
//! - change-to-notification latency over `BENCH_CHANGES` (default 8) fulfiller changes made at
//!   spread-out moments of the interval, split into the wait for the next poll and the app's own
//!   time from that poll to the notification on the bus;
//! - then the same idle window with the window closed (WM_DELETE_WINDOW, as a close button
//!   does: the webview and its WebKit processes are released, the app lives in the tray), its
//!   CPU time by process, and one change still becoming a notification.
//!
//! Run through scripts/bench-watch.sh (release app, private X and D-Bus session).
//! Writes target/bench/watch.json.

use std::time::{Duration, Instant};
use ticket_bridge_e2e::process::descendants;
use ticket_bridge_e2e::steps::{send_incident, sign_in_microsoft, start_connected};
use ticket_bridge_e2e::{Harness, is_watch_poll};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn polls(h: &Harness) -> usize {
    h.watch_polls()
}

async fn wait_polls(h: &Harness, n: usize) -> Instant {
    while polls(h) < n {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Instant::now()
}

/// utime + stime of `pid` in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    // After the name: state is field 3 of stat, so utime (14) and stime (15) are 11 and 12 here.
    let ticks: u64 =
        fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
    ticks as f64 / 100.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let idle_secs = env_u64("BENCH_IDLE_SECS", 600);
    let changes = env_u64("BENCH_CHANGES", 8) as usize;
    let mut h = start_connected("bench_watch").await;
    // The improvement actions to share from: the demo tenant's Secure Score.
    sign_in_microsoft(&mut h).await;
    h.app()
        .execute("location.hash = '#/manage'", vec![])
        .await
        .unwrap();
    h.click("#manage-tab-notifications").await;
    h.wait_visible("#watch-interval").await;
    h.app()
        .execute(
            "const s = document.getElementById('watch-interval'); s.value = '15'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    // One ticket to watch.
    send_incident(&h, "AdminMFAV2").await;
    let sys_id = h.sim.handle().records("incident")[0]["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The window goes to the home page and stays there, as an admin would leave it.
    h.app()
        .execute("location.hash = '#/'", vec![])
        .await
        .unwrap();
    let n = polls(&h);
    wait_polls(&h, n + 1).await;

    // Idle with the window open: requests and bytes per poll, and CPU time.
    let root = h.app_driver_pid().expect("tauri-driver runs");
    let open = idle(&h, root, idle_secs, "window open").await;

    // Latency: changes at spread-out moments of the interval.
    let mut total = Vec::new();
    let mut own = Vec::new();
    for i in 0..changes {
        // Spread the change over the interval: wait i/changes of it after a poll.
        let n = polls(&h);
        wait_polls(&h, n + 1).await;
        tokio::time::sleep(Duration::from_millis(15_000 * i as u64 / changes as u64)).await;
        let state = if i % 2 == 0 { "2" } else { "3" };
        let received = h.notifications.received().len();
        let before = polls(&h);
        let t_change = Instant::now();
        assert!(h.sim.handle().update_record(
            "incident",
            &sys_id,
            serde_json::json!({"state": state})
        ));
        let t_poll = wait_polls(&h, before + 1).await;
        let deadline = Instant::now() + Duration::from_secs(40);
        while h.notifications.received().len() <= received {
            assert!(Instant::now() < deadline, "no notification for change {i}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let t_n = Instant::now();
        total.push((t_n - t_change).as_secs_f64() * 1000.0);
        own.push((t_n - t_poll).as_secs_f64() * 1000.0);
    }
    let (min_t, max_t) = (
        total.iter().cloned().fold(f64::MAX, f64::min),
        total.iter().cloned().fold(0.0, f64::max),
    );
    let med_t = median(&mut total.clone());
    let med_own = median(&mut own.clone());
    let max_own = own.iter().cloned().fold(0.0, f64::max);
    println!(
        "change to notification over {changes} changes: median {med_t:.0} ms (min {min_t:.0}, max {max_t:.0}); of which the app's own time from the poll to the notification: median {med_own:.0} ms, max {max_own:.0} ms"
    );
    // Idle with the window closed: only the tray, the watcher and the sender are left.
    let tool = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/close-window.py");
    let closed = std::process::Command::new("python3")
        .arg(tool)
        .status()
        .unwrap();
    assert!(closed.success(), "no window named Ticket Bridge to close");
    let deadline = Instant::now() + Duration::from_secs(30);
    while descendants(root)
        .iter()
        .any(|(_, name)| name.starts_with("WebKitWebProces"))
    {
        assert!(
            Instant::now() < deadline,
            "the web process outlived the window"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n = polls(&h);
    wait_polls(&h, n + 1).await;
    let tray = idle(&h, root, idle_secs, "window closed (tray only)").await;
    let received = h.notifications.received().len();
    let before = polls(&h);
    assert!(
        h.sim
            .handle()
            .update_record("incident", &sys_id, serde_json::json!({"state": "6"}))
    );
    wait_polls(&h, before + 1).await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while h.notifications.received().len() <= received {
        assert!(
            Instant::now() < deadline,
            "no notification with the window closed"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    println!("with the window closed, a change still became a notification");

    let out = serde_json::json!({
        "windowOpen": open,
        "windowClosed": tray,
        "idleSecs": open["idleSecs"],
        "intervalSecs": 15,
        "latencyMs": total,
        "appOwnMs": own,
    });
    let dir = h.out_dir.parent().unwrap().parent().unwrap().join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("watch.json"),
        serde_json::to_vec_pretty(&out).unwrap(),
    )
    .unwrap();
    println!("wrote {}", dir.join("watch.json").display());
    h.finish().await;
}

/// Measures an idle window of `secs`: the watcher's polls, requests and bytes per poll (the
/// simulator's log), and the CPU time of the app's processes, each and together.
async fn idle(h: &Harness, root: u32, secs: u64, what: &str) -> serde_json::Value {
    let procs: Vec<(u32, String)> = descendants(root)
        .into_iter()
        .filter(|(_, name)| name.starts_with("ticket-bridge") || name.starts_with("WebKit"))
        .filter(|(_, name)| name != "WebKitWebDriver")
        .collect();
    h.sim.handle().clear_requests();
    let cpu0: Vec<f64> = procs.iter().map(|(p, _)| cpu_secs(*p)).collect();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu1: Vec<f64> = procs.iter().map(|(p, _)| cpu_secs(*p)).collect();
    let log = h.sim.handle().requests();
    let idle_polls = log.iter().filter(|r| is_watch_poll(r)).count().max(1);
    let api: Vec<_> = log
        .iter()
        .filter(|r| r.path.starts_with("/api/") || r.path.starts_with("/oauth"))
        .collect();
    let bytes: u64 = api.iter().map(|r| r.bytes_out).sum();
    let url_bytes: usize = api
        .iter()
        .map(|r| r.path.len() + r.query.as_deref().map_or(0, |q| q.len() + 1))
        .sum();
    let per_proc: Vec<serde_json::Value> = procs
        .iter()
        .zip(cpu0.iter().zip(&cpu1))
        .map(
            |((pid, name), (a, b))| serde_json::json!({"pid": pid, "name": name, "cpuSecs": b - a}),
        )
        .collect();
    let cpu_total: f64 = cpu1.iter().sum::<f64>() - cpu0.iter().sum::<f64>();
    println!(
        "{what}: idle {:.0} s at 15 s: {} polls, {} requests ({:.2} per poll), response bytes {:.0} per poll, request line {:.0} bytes per poll",
        wall,
        idle_polls,
        api.len(),
        api.len() as f64 / idle_polls as f64,
        bytes as f64 / idle_polls as f64,
        url_bytes as f64 / idle_polls as f64,
    );
    println!(
        "{what}: CPU time over the idle window: {cpu_total:.2} s ({:.3} % of one core), {} process(es)",
        100.0 * cpu_total / wall,
        procs.len()
    );
    for p in &per_proc {
        println!("  {p}");
    }
    serde_json::json!({
        "idleSecs": wall,
        "idlePolls": idle_polls,
        "requestsPerPoll": api.len() as f64 / idle_polls as f64,
        "responseBytesPerPoll": bytes as f64 / idle_polls as f64,
        "requestLineBytesPerPoll": url_bytes as f64 / idle_polls as f64,
        "cpuSecs": cpu_total,
        "cpuPercentOfOneCore": 100.0 * cpu_total / wall,
        "processes": per_proc,
    })
}
