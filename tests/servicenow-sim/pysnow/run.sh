#!/usr/bin/env bash
# Check the simulator against the real pysnow client.
# Makes a venv under target/pysnow-venv, installs pysnow 0.7.17 there, starts
# the built simulator on a free port with the demo seed, runs check_pysnow.py,
# and stops the simulator by its pid on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/pysnow-venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import pysnow' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'pysnow==0.7.17'
fi

cargo build --quiet -p servicenow-sim --bin servicenow-sim --manifest-path "$root/Cargo.toml"
sim_bin="$target/debug/servicenow-sim"

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

"$sim_bin" --port 0 --seed demo >"$log" 2>&1 &
sim_pid=$!

base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's/^SIM_BASE_URL=//p' "$log" | head -n 1)"
  [ -n "$base" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "simulator exited early:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "simulator did not print SIM_BASE_URL" >&2
  cat "$log" >&2
  exit 1
fi

"$venv/bin/python" "$here/check_pysnow.py" "$base"
