//! The long chaos run (scripts/bench-chaos.sh): figures, and a non-zero exit when a task was
//! lost or doubled. `--tasks N --kills K --seed S --percent P --out PATH`.

use std::path::PathBuf;
use std::time::Duration;
use ticket_bridge_chaos::{ChaosOptions, run};

#[tokio::main]
async fn main() {
    let mut opts = ChaosOptions {
        tasks: 1000,
        kills: 40,
        seed: 20261201,
        percent: 30,
        worker: std::env::current_exe()
            .expect("this binary's path")
            .with_file_name("outbox-worker"),
        deadline: Duration::from_secs(1800),
    };
    let mut out = PathBuf::from("target/bench/chaos.json");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value");
        match a.as_str() {
            "--tasks" => opts.tasks = value().parse().expect("a number"),
            "--kills" => opts.kills = value().parse().expect("a number"),
            "--seed" => opts.seed = value().parse().expect("a number"),
            "--percent" => opts.percent = value().parse().expect("a number"),
            "--out" => out = value().into(),
            other => panic!("unknown argument {other}"),
        }
    }
    let report = run(&opts).await;
    let json = report.to_json();
    println!("{}", serde_json::to_string_pretty(&json).unwrap());
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    if report.duplicates > 0 || report.losses > 0 || !report.left.is_empty() {
        std::process::exit(1);
    }
}
