#!/usr/bin/env bash
# Secure Score benchmark: figures only, never pass/fail on time.
# Builds secure-score-bench (release) and runs it: the demo tenant's Secure Score read from the
# in-process Microsoft simulator (requests, pages, concurrency, with and without latency), the
# join, the cache and the actions list; JSON goes to target/bench/secure-score.json.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"

cargo build --release --locked -p secure-score-bench
"$target/release/secure-score-bench" --out "$target/bench/secure-score.json"

# The actions page in the real app (release build, private X and D-Bus session): opening it to
# the list painted with 300 actions and 90 snapshots, and the Graph requests of a Refresh.
scripts/deps.sh test
cargo build --release --locked -p ticket-bridge
TB_APP_BIN="$target/release/ticket-bridge" \
  tests/e2e/session.sh cargo bench --locked -p ticket-bridge-e2e --bench actions_page
