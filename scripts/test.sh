#!/usr/bin/env bash
# Runs every test of Ticket Bridge, after installing what is missing (scripts/deps.sh test):
#   1. format and lints (cargo fmt --check, clippy with warnings as errors)
#   2. unit and integration tests of every crate (core against the simulator over HTTP,
#      the simulator's conformance tests, the app's commands on Tauri's mock runtime)
#   3. UI unit tests (node --test)
#   4. a real ServiceNow client (pysnow) against the simulator
#   5. end to end: the built app in a real window under Xvfb, over WebDriver
# Options: --no-e2e skips step 5, --no-lint skips step 1.
set -euo pipefail
cd "$(dirname "$0")/.."

e2e=1 lint=1
for a in "$@"; do
  case "$a" in
    --no-e2e) e2e=0 ;;
    --no-lint) lint=0 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
start=$SECONDS

step "dependencies"
scripts/deps.sh test

if [ $lint = 1 ]; then
  step "format and lints"
  cargo fmt --all --check
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

step "unit and integration tests"
tests/e2e/session.sh cargo test --workspace --exclude ticket-bridge-e2e --locked

step "UI unit tests"
node --test tests/ui/

step "pysnow against the simulator"
tests/servicenow-sim/pysnow/run.sh

if [ $e2e = 1 ]; then
  step "end-to-end tests"
  tests/e2e/run.sh
fi

printf '\n==> all tests passed in %ss\n' $((SECONDS - start))
