#!/usr/bin/env bash
# End-to-end suite: installs (when missing) and starts a private Docker engine, Buildx and a
# registry, runs the e2e tests against dist/index.js, then stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
state=$(mktemp -d /tmp/ghcr-build-push-e2e.XXXXXX)
stop() {
  local rc=$?
  bash scripts/e2e-env.sh stop "$state" || true
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT INT TERM
bash scripts/e2e-env.sh install
bash scripts/e2e-env.sh start "$state" >/dev/null
set -a
# shellcheck disable=SC1091
. "$state/env"
set +a
export E2E_ENV_FILE="$state/env.json"
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e --runInBand "$@"
