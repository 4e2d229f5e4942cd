#!/usr/bin/env bash
# Builds the app and runs the end-to-end tests in a private desktop session (session.sh).
# Screenshots and logs: target/e2e/<test>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p ticket-bridge --locked
cargo test -p ticket-bridge-e2e --locked --no-run
tests/e2e/session.sh cargo test -p ticket-bridge-e2e --locked -- --test-threads=1 "$@"
