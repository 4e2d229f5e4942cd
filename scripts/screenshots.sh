#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png) from the end-to-end tests:
# every picture the README shows is taken by a test's doc_shot, in a real window under Xvfb.
# Arguments go to the test runner, e.g. `scripts/screenshots.sh --test connect` for some.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
TICKET_BRIDGE_UPDATE_SCREENSHOTS=1 tests/e2e/run.sh "$@"
git status --short docs/screenshots
