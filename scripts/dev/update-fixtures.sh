#!/usr/bin/env bash
# Makes the updater test's fixtures again (tests/e2e/fixtures/updates/): a throw-away test key
# pair whose public half the test tells the app to trust, a small payload, its signature by
# that key, and its signature by a second throw-away key (which the app must refuse). Both
# signatures are bound to version 9.0.0, the version the test server announces. The private
# keys are made in a temporary folder and deleted: nothing here can sign a real release.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/e2e/fixtures/updates
tauri=$(command -v cargo-tauri || echo "$HOME/.cargo/bin/cargo-tauri")
[ -x "$tauri" ] || { echo "needs the Tauri CLI: ./scripts/package.sh installs the pinned one" >&2; exit 1; }
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
CI=true "$tauri" signer generate -w "$keys/test.key" -p "" --ci >/dev/null
CI=true "$tauri" signer generate -w "$keys/other.key" -p "" --ci >/dev/null
mkdir -p "$out"
printf 'Ticket Bridge test update: not an installer, so nothing can be installed from it.\n' > "$out/payload.bin"
cp "$keys/test.key.pub" "$out/test-key.pub"
for who in test other; do
  "$tauri" signer sign -f "$keys/$who.key" -p "" --app-version 9.0.0 "$out/payload.bin" >/dev/null
  name=$([ $who = test ] && echo payload.signed-by-test-key.sig || echo payload.signed-by-another-key.sig)
  mv "$out/payload.bin.sig" "$out/$name"
done
echo "wrote $out"
