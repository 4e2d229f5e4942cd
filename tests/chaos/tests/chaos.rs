//! 200 tasks through a simulator that injects every fault at random, the sender killed with
//! SIGKILL and restarted at random moments: each task becomes exactly one ticket. The longer
//! run is scripts/bench-chaos.sh.

use std::time::Duration;
use ticket_bridge_chaos::{ChaosOptions, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_becomes_exactly_one_ticket_through_faults_and_kills() {
    let opts = ChaosOptions {
        tasks: 200,
        kills: 8,
        seed: 7,
        percent: 30,
        worker: env!("CARGO_BIN_EXE_outbox-worker").into(),
        deadline: Duration::from_secs(240),
    };
    let report = run(&opts).await;
    println!(
        "{}",
        serde_json::to_string_pretty(&report.to_json()).unwrap()
    );
    assert_eq!(report.kills, opts.kills, "the sender was killed as planned");
    assert!(
        report.faults_total >= 20,
        "faults were injected: {:?}",
        report.faults
    );
    for fault in [
        "error-after-write",
        "drop-after-write",
        "server-error",
        "rate-limit",
    ] {
        assert!(
            report.faults.get(fault).copied().unwrap_or(0) > 0,
            "no {fault}: {:?}",
            report.faults
        );
    }
    assert_eq!(
        report.left,
        Vec::<(String, String)>::new(),
        "nothing left waiting"
    );
    assert_eq!(report.duplicates, 0, "no task became two tickets");
    assert_eq!(report.losses, 0, "no task was lost");
    assert_eq!(report.records, opts.tasks);
}
