#!/usr/bin/env bash
# Starts Ticket Bridge on the demo instance: the ServiceNow simulator with its demo data on
# http://127.0.0.1:8080 (or --port N), and the app pointed at it. Installs missing system
# packages first. Stop with Ctrl-C or Quit in the tray; the simulator stops with the app.
#
# Sign in on the simulator as svc_ticket_bridge / Passw0rd! (the integration user), with the
# client ID ticket-bridge-demo and the client secret demo-secret-change-me.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--port N]" >&2; exit 2 ;;
  esac
done

scripts/deps.sh build
echo "==> building (the first build takes a few minutes)"
cargo build --locked -p servicenow-sim -p ticket-bridge

log=$(mktemp -t tb-sim.XXXXXX.log)
target/debug/servicenow-sim --port "$port" --seed demo >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -f "$log"' EXIT INT TERM

# Wait for the simulator to say where it listens (it prints SIM_BASE_URL=... first).
for _ in $(seq 1 100); do
  url=$(sed -n 's/^SIM_BASE_URL=//p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 $sim 2>/dev/null || { cat "$log" >&2; echo "the simulator did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "the simulator did not start" >&2; exit 1; }
sed '/^SIM_BASE_URL=/d' "$log"

echo "==> starting Ticket Bridge on $url"
TICKET_BRIDGE_DEMO_INSTANCE="$url" target/debug/ticket-bridge
