#!/usr/bin/env bash
# The long chaos run: figures, and a failure when a task is lost or doubled.
# 1000 tasks (or --tasks N) sent to the simulator's `chaos` scenario (every Table API fault at
# random), the sending process killed with SIGKILL and restarted 40 times (or --kills K).
# Results: target/bench/chaos.json (tasks, faults injected by kind, kills, duplicates, losses).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ticket-bridge-chaos --bins
target/release/outbox-chaos --out target/bench/chaos.json "$@"
