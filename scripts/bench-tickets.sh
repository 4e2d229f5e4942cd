#!/usr/bin/env bash
# Ticket load benchmark: figures only, never pass/fail on time.
# Builds ticket-load-bench (release) and runs it twice: as fast as the simulator answers, and
# with every answer BENCH_LATENCY_MS late (default 200: about what a real instance takes for a
# page of 100 tickets; slept per request, so pages in flight together wait together). Each run
# measures fetch_all over 10,000 tickets in the in-process simulator, the raw sequential
# paged-GET floor, the cached board open and a refresh when nothing changed (incremental); then, when python3 can make a venv, the same
# records read with pysnow 0.7.17 (venv shared with tests/servicenow-sim/pysnow/run.sh)
# against the bench's --serve mode with the same latency, stopped by its pid on exit.
# Everything goes to target/bench/ticket-load.json, with fetch_all's speed-up over pysnow.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
latency="${BENCH_LATENCY_MS:-200}"
cd "$root"

cargo build --release --locked -p ticket-load-bench
bench="$target/release/ticket-load-bench"
out="$target/bench"
mkdir -p "$out"

venv="$target/pysnow-venv"
pysnow=1
if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv" >/dev/null 2>&1; then
  echo "pysnow comparison skipped: python3 cannot make a venv"
  pysnow=0
fi
if [ "$pysnow" = 1 ] && ! "$venv/bin/python" -c 'import pysnow' 2>/dev/null \
  && ! "$venv/bin/pip" install --quiet --disable-pip-version-check 'pysnow==0.7.17'; then
  echo "pysnow comparison skipped: pysnow 0.7.17 could not be installed"
  pysnow=0
fi

log="$(mktemp)"
sim_pid=""
stop_sim() {
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
  fi
}
cleanup() {
  stop_sim
  rm -f "$log"
}
trap cleanup EXIT

pysnow_run() { # latency, json path
  "$bench" --serve --latency "$1" >"$log" 2>&1 &
  sim_pid=$!
  local base=""
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
  "$venv/bin/python" "$root/benches/ticket-load/pysnow_load.py" "$base" 10000 --json "$2"
  stop_sim
}

runs=()
for l in 0 "$latency"; do
  echo "== every answer ${l} ms late =="
  "$bench" --latency "$l" --out "$out/ticket-load-$l.json"
  rm -f "$out/pysnow-$l.json"
  if [ "$pysnow" = 1 ]; then
    pysnow_run "$l" "$out/pysnow-$l.json"
  fi
  runs+=("$l")
  echo
done

python3 - "$out" "${runs[@]}" <<'PY'
import json, os, sys
out, latencies = sys.argv[1], sys.argv[2:]
summary = []
print(f"{'latency':>8} {'fetch_all ms':>13} {'raw GETs ms':>12} {'pysnow ms':>10} {'vs pysnow':>10} {'refresh ms (requests)':>22}")
for l in latencies:
    run = json.load(open(f"{out}/ticket-load-{l}.json"))
    path = f"{out}/pysnow-{l}.json"
    if os.path.exists(path):
        run["pysnow"] = json.load(open(path))
        run["speedup_over_pysnow"] = run["pysnow"]["median_ms"] / run["fetch_all"]["median_ms"]
    summary.append(run)
    py = run.get("pysnow", {}).get("median_ms")
    ratio = run.get("speedup_over_pysnow")
    print(f"{l:>6}ms {run['fetch_all']['median_ms']:>13.0f} {run['raw_paged_gets']['median_ms']:>12.0f}"
          f" {py if py is None else round(py):>10} {'-' if ratio is None else f'{ratio:.2f}x':>10}"
          f" {run['refresh_nothing_changed']['median_ms']:>14.0f} ({run['refresh_nothing_changed']['requests']})")
json.dump({"runs": summary}, open(f"{out}/ticket-load.json", "w"), indent=2)
print(f"wrote {out}/ticket-load.json")
PY
