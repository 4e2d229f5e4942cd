#!/usr/bin/env bash
# Runs a command inside a private desktop session, as the tests need one:
#   a fresh HOME, an X server (Xvfb), a D-Bus session bus, and an unlocked gnome-keyring that
#   serves the Secret Service (the real OS keychain on Linux).
# Everything it starts ends with the command.
set -euo pipefail

if [ -z "${TB_SESSION:-}" ]; then
  export TB_SESSION=1
  # Keep cargo and rustup where they are before HOME moves.
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  TB_SESSION_HOME=$(mktemp -d -t tb-home.XXXXXX)
  export HOME="$TB_SESSION_HOME"
  # Xvfb picks a free display and writes its number to fd 3 once it accepts clients: reading
  # that line from a FIFO is the synchronisation (no sleeps, no races with a slow start).
  mkfifo "$HOME/.displayfd"
  Xvfb -displayfd 3 -screen 0 1440x900x24 -nolisten tcp 3>"$HOME/.displayfd" \
    >"$HOME/.xvfb.log" 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null; rm -rf "$TB_SESSION_HOME"' EXIT
  read -r display <"$HOME/.displayfd" || true
  if [ -z "${display:-}" ]; then
    cat "$HOME/.xvfb.log" >&2
    echo "session.sh: Xvfb did not start" >&2
    exit 1
  fi
  export DISPLAY=":$display"
  # A session bus that ends with the command.
  status=0
  dbus-run-session -- "$0" "$@" || status=$?
  exit $status
fi

# Inside the session: a keyring daemon of our own (in the foreground, so it is ours to end),
# unlocking a new login keyring with a throwaway password; wait until it owns the Secret
# Service name on this bus before anything uses it.
if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  printf 'ticket-bridge-tests\n' |
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$HOME/.keyring.log" 2>&1 &
  keyring=$!
  trap 'kill $keyring 2>/dev/null; wait $keyring 2>/dev/null' EXIT
  if command -v gdbus >/dev/null 2>&1; then
    gdbus wait --session --timeout 20 org.freedesktop.secrets ||
      echo "session.sh: the Secret Service did not appear; keychain tests will say so" >&2
  fi
fi
status=0
"$@" || status=$?
exit $status
