//! Benchmark (figures, never pass/fail): the improvement actions page in the real app, from
//! opening it to the list painted, for a tenant with 300 actions and 90 daily snapshots, and
//! the Graph requests a read of the score costs.
//!
//! - `open_to_painted_ms`: from `location.hash = '#/actions'` (the home page shown before) to
//!   the second animation frame after the table has every row, median of `BENCH_RUNS` (default 9);
//! - `graph_requests`: the Graph requests of one Refresh (pages of both lists);
//! - `refresh_to_painted_ms`: from selecting Refresh to the new score painted.
//!
//! Run through scripts/bench-secure-score.sh (release app, private X and D-Bus session).
//! Writes target/bench/actions-page.json.

use ticket_bridge_e2e::steps::{sign_in_microsoft, start_connected};

const ACTIONS: usize = 300;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let mut h = start_connected("bench_actions_page").await;
    let ms = h.microsoft.handle();
    // Grow the demo tenant to 300 actions (every profile that is not deprecated, and the scores
    // without a profile), each new one scored in the newest snapshot.
    let live = ms
        .profiles()
        .iter()
        .filter(|p| p["deprecated"] != true)
        .count()
        + servicenow_sim::microsoft::ORPHAN_CONTROLS.len();
    for i in live..ACTIONS {
        let id = format!("bench_control_{i}");
        ms.add_profile(&id, &format!("Benchmark control number {i}"), 5.0);
        ms.set_control_score(&id, (i % 6) as f64);
    }
    sign_in_microsoft(&mut h).await;
    let count = h.wait_visible("#actions-count").await.text().await.unwrap();
    assert!(count.starts_with(&format!("{ACTIONS} ")), "{count}");

    let mut open = Vec::new();
    for _ in 0..runs {
        h.app()
            .execute("location.hash = '#/'", vec![])
            .await
            .unwrap();
        h.wait_visible("#microsoft-card").await;
        let ms_value = h
            .app()
            .execute_async(
                "const [n, done] = arguments;\
                 const t0 = performance.now();\
                 location.hash = '#/actions';\
                 const check = () => {\
                   const rows = document.querySelectorAll('#actions-table tbody tr').length;\
                   if (rows >= n) requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));\
                   else requestAnimationFrame(check);\
                 };\
                 check();",
                vec![serde_json::json!(ACTIONS)],
            )
            .await
            .unwrap();
        open.push(ms_value.as_f64().unwrap());
    }

    ms.clear_requests();
    let refresh = h
        .app()
        .execute_async(
            "const done = arguments[0];\
             const t0 = performance.now();\
             document.getElementById('score-refresh').click();\
             const check = () => {\
               const b = document.getElementById('score-refresh');\
               if (b && !b.disabled && b.getAttribute('aria-busy') !== 'true' && document.getElementById('score-when')) \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));\
               else requestAnimationFrame(check);\
             };\
             requestAnimationFrame(check);",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    let graph_requests = ms
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/"))
        .count();

    let open_ms = median(&mut open);
    println!(
        "actions page, {ACTIONS} actions, {} snapshots, {runs} runs",
        ms.snapshot_count()
    );
    println!("  open to painted (median)   {open_ms:.0} ms  (all: {open:.0?})");
    println!("  Refresh to painted         {refresh:.0} ms");
    println!("  Graph requests per read    {graph_requests}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench/actions-page.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(
        &out,
        serde_json::to_vec_pretty(&serde_json::json!({
            "actions": ACTIONS,
            "snapshots": ms.snapshot_count(),
            "runs": runs,
            "openToPaintedMs": open_ms,
            "openToPaintedAllMs": open,
            "refreshToPaintedMs": refresh,
            "graphRequests": graph_requests,
        }))
        .unwrap(),
    )
    .unwrap();
    println!("JSON: {}", out.display());
    h.finish().await;
}
