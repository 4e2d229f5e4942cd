#!/usr/bin/env bash
# Builds Ticket Bridge's installers with the Tauri CLI (pinned below; installed here when it is
# missing or another version). On Linux: the .deb and .rpm packages, with the desktop entry
# ("Ticket Bridge.desktop"), the icons and /usr/bin/ticket-bridge, so the login item (which
# points at the running binary) is right. Windows (NSIS per-user setup, MSI) and macOS (a
# universal .dmg) come from .github/workflows/release.yml on hosted runners.
#
#   scripts/package.sh           release build; bundles in target/release/bundle/
#   scripts/package.sh --debug   the debug build (fast, for the install test); target/debug/bundle/
#
# An AppImage needs linuxdeploy, which the bundler downloads: where downloads are not possible
# (this machine has only the package registries) it is skipped with one line, never a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

TAURI_CLI_VERSION=2.12.4
profile=release flags=()
for a in "$@"; do
  case "$a" in
    --debug) profile=debug flags+=(--debug) ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done

scripts/deps.sh build
if ! cargo tauri --version 2>/dev/null | grep -qx "tauri-cli $TAURI_CLI_VERSION"; then
  echo "==> installing tauri-cli $TAURI_CLI_VERSION"
  cargo install tauri-cli --version "=$TAURI_CLI_VERSION" --locked --quiet
fi

bundles=deb,rpm
if curl -fsI --max-time 5 https://github.com >/dev/null 2>&1; then
  bundles+=,appimage
else
  echo "==> skipping the AppImage: linuxdeploy must be downloaded from github.com, which this machine cannot reach"
fi

cd src-tauri
cargo tauri build "${flags[@]}" --bundles "$bundles" --ci -- --locked
cd ..
echo "==> bundles:"
find "target/$profile/bundle" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' \) -printf '%p (%s bytes)\n'
