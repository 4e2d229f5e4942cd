#!/usr/bin/env bash
# Runs every test of Ticket Bridge, after installing what is missing (scripts/deps.sh test):
#   1. format and lints (cargo fmt --check, clippy with warnings as errors)
#   2. unit and integration tests of every crate (core against the simulator over HTTP,
#      the simulator's conformance tests, the app's commands on Tauri's mock runtime)
#   3. UI unit tests (node --test)
#   4. a real ServiceNow client (pysnow) against the simulator
#   5. end to end: the built app in a real window under Xvfb, over WebDriver
#   6. the Linux package: scripts/package.sh --debug builds the .deb, which is installed, started
#      and removed again (needs root, as in CI; skipped with a line otherwise)
# Options: --no-e2e skips steps 5 and 6, --no-lint skips step 1.
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
# Everything the runners print also goes to a log, so the last line can sum them up.
log=$(mktemp -t tb-test.XXXXXX)
trap 'rm -f "$log"' EXIT
run() { "$@" 2>&1 | tee -a "$log"; }

step "dependencies"
scripts/deps.sh test

if [ $lint = 1 ]; then
  step "format and lints"
  cargo fmt --all --check
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

step "unit and integration tests"
run tests/e2e/session.sh cargo test --workspace --exclude ticket-bridge-e2e --locked

step "UI unit tests"
run node --test tests/ui/

step "pysnow against the simulator"
run tests/servicenow-sim/pysnow/run.sh

if [ $e2e = 1 ]; then
  step "end-to-end tests"
  run tests/e2e/run.sh

  step "the Linux package"
  if [ "$(id -u)" -eq 0 ]; then
    run scripts/package.sh --debug
    deb=$(ls -t target/debug/bundle/deb/*.deb | head -n 1)
    TB_DEB="$PWD/$deb" run tests/e2e/session.sh \
      cargo test -p ticket-bridge-e2e --locked --test package -- --ignored --test-threads=1
  else
    echo "skipped: installing the .deb needs root (CI runs as root)"
  fi
fi

printf '\n==> all tests passed in %ss\n' $((SECONDS - start))
# One closing line for every runner together: cargo's, node's and the pysnow check's counts.
cargo_n=$(grep -Eo '^test result: ok\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
node_n=$(grep -Eo '^# pass [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
py_n=$(grep -Eo '^[0-9]+ passed, 0 failed$' "$log" | awk '{s += $1} END {print s + 0}')
echo "$((cargo_n + node_n + py_n)) passed, 0 failed"
