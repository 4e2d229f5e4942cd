#!/usr/bin/env bash
# Benchmark (figures, never pass/fail): the watcher's idle cost (requests and bytes per poll, CPU
# time of the app's processes over BENCH_IDLE_SECS, default 600, at the 15 s interval) and its
# change-to-notification latency, with the release app in a private X and D-Bus session.
# Results: target/bench/watch.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
cargo build --release --locked -p ticket-bridge
TB_APP_BIN="$PWD/target/release/ticket-bridge" \
  tests/e2e/session.sh cargo bench --locked -p ticket-bridge-e2e --bench watch
