#!/usr/bin/env bash
# Starts Ticket Bridge on the demo instance: the ServiceNow simulator with its demo data on
# http://127.0.0.1:8080 (or --port N), and the app pointed at it. Installs missing system
# packages first. Stop with Ctrl-C or Quit in the tray; the simulator stops with the app.
#
# Sign in on the simulator as svc_ticket_bridge / Passw0rd! (the integration user), with the
# client ID ticket-bridge-demo and the client secret demo-secret-change-me.
#
# Microsoft 365 (the demo tenant's Secure Score) listens on the next port (8081): the sign-in
# form comes pre-filled; sign in as admin@contoso.onmicrosoft.com / Passw0rd! and accept for the
# organisation. The portal's CSV export of the same tenant is written next to the log, for the
# import.
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
export_dir=$(mktemp -d -t tb-demo.XXXXXX)
target/debug/servicenow-sim --port "$port" --seed demo \
  --microsoft-port $((port + 1)) --microsoft-export "$export_dir/Secure Score export (demo).csv" \
  >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -f "$log"; rm -rf "$export_dir"' EXIT INT TERM

# Wait for the simulator to say where it listens (it prints SIM_BASE_URL=... first).
for _ in $(seq 1 100); do
  url=$(sed -n 's/^SIM_BASE_URL=//p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 $sim 2>/dev/null || { cat "$log" >&2; echo "the simulator did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "the simulator did not start" >&2; exit 1; }
# The Microsoft part prints MS_BASE_URL=... after the ServiceNow accounts.
for _ in $(seq 1 100); do
  ms=$(sed -n 's/^MS_BASE_URL=//p' "$log" | head -1)
  [ -n "$ms" ] && grep -q 'portal export' "$log" && break
  sleep 0.1
done
sed '/^SIM_BASE_URL=/d; /^MS_BASE_URL=/d' "$log"

echo "==> starting Ticket Bridge on $url (Microsoft 365: ${ms:-not started})"
TICKET_BRIDGE_DEMO_INSTANCE="$url" \
TICKET_BRIDGE_DEMO_MICROSOFT="${ms:+$ms contoso.onmicrosoft.com 3c9d2f71-4a8b-4e2c-b5d6-7e1f0a9b8c23}" \
  target/debug/ticket-bridge
