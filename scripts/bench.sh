#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail): start-up time to the connection card and memory (USS and
# PSS of every process, WebKit's included) of Ticket Bridge against a bare Tauri window built the
# same way, both as release builds, in a private X session; Ticket Bridge's start step by step,
# its memory with only the tray (--minimized), and opening the window from there.
# Results: target/bench/start.json.
# Options are passed to scripts/bench-start.py (for example --runs 11).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
cargo build --release --locked -p ticket-bridge -p bare-window
tests/e2e/session.sh python3 scripts/bench-start.py \
  --app target/release/ticket-bridge --bare target/release/bare-window \
  --json target/bench/start.json "$@"
