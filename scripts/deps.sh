#!/usr/bin/env bash
# Installs what Ticket Bridge needs on Debian or Ubuntu, and nothing that is already there.
#   scripts/deps.sh build   the libraries to build and run the app
#   scripts/deps.sh test    those, plus what the tests drive: Xvfb, WebKitWebDriver, a keyring,
#                           Chromium and chromedriver, Node.js, tauri-driver, and a CJK font so
#                           the Japanese and Chinese screenshots show their text
# Uses sudo when not root. Safe to run again.
set -euo pipefail

want=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libssl-dev
      build-essential pkg-config xdg-utils)
if [ "${1:-build}" = test ]; then
  want+=(xvfb webkit2gtk-driver gnome-keyring dbus-x11 dbus chromium chromium-driver nodejs imagemagick libglib2.0-bin trayer xdotool tinyproxy
         fonts-wqy-microhei)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Python with venv, for the pysnow check (Debian splits venv into its own package).
if [ "${1:-build}" = test ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3-venv)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-build}" = test ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
