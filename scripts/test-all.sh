#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, unit tests, dist check, end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
echo "== lint";       npm run --silent lint
echo "== unit tests"; npm run --silent test:unit
echo "== dist check"; bash scripts/check-dist.sh
echo "== e2e tests";  bash scripts/e2e.sh
