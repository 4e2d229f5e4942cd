#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail): start-up time to the first painted screen and memory
# (USS and PSS of every process, WebKit's included, 6 s after paint) of Ticket Bridge against a
# bare Tauri window built the same way, both as release builds, in a private X session: on an
# empty profile (the connection card), and connected with 10,000 cached tickets (a profile made
# by seed-profile through core's own registry, its simulator serving while the app runs: the
# home page drawn from the cache); Ticket Bridge's start step by step, its memory with only the
# tray (--minimized), and opening the window from there.
# Results: target/bench/start.json.
# Options are passed to scripts/bench-start.py (for example --runs 11, --tickets 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
cargo build --release --locked -p ticket-bridge -p bare-window -p seed-profile
tests/e2e/session.sh python3 scripts/bench-start.py \
  --app target/release/ticket-bridge --bare target/release/bare-window \
  --seeder target/release/seed-profile \
  --json target/bench/start.json "$@"
