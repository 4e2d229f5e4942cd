#!/usr/bin/env bash
# Ticket load benchmark: figures only, never pass/fail on time.
# Builds ticket-load-bench (release) and runs it: fetch_all over 10,000 tickets in the
# in-process simulator, the raw paged-GET floor and the cached board open; JSON goes to
# target/bench/ticket-load.json. Then, when python3 can make a venv, the same records read
# with pysnow 0.7.17 (venv shared with tests/servicenow-sim/pysnow/run.sh) against the
# bench's --serve mode, stopped by its pid on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"

cargo build --release -p ticket-load-bench
bench="$target/release/ticket-load-bench"

"$bench" --out "$target/bench/ticket-load.json"

echo
echo "== pysnow comparison =="
venv="$target/pysnow-venv"
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    echo "skipped: python3 cannot make a venv"
    exit 0
  fi
fi
if ! "$venv/bin/python" -c 'import pysnow' 2>/dev/null; then
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check 'pysnow==0.7.17'; then
    echo "skipped: pysnow 0.7.17 could not be installed"
    exit 0
  fi
fi

log="$(mktemp)"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

"$bench" --serve >"$log" 2>&1 &
sim_pid=$!

base=""
for _ in $(seq 1 600); do
  base="$(sed -n 's/^SIM_BASE_URL=//p' "$log" | head -n 1)"
  [ -n "$base" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "the bench's --serve mode exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "the bench's --serve mode did not print SIM_BASE_URL" >&2
  cat "$log" >&2
  exit 1
fi

"$venv/bin/python" "$root/benches/ticket-load/pysnow_load.py" "$base" 10000
