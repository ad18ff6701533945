#!/usr/bin/env bash
# End-to-end suite: installs (when missing) and starts two private stacks, each a Docker engine
# with Buildx and a registry: Debian 12's engine (classic image store, the common case) and the
# newer engine from the next Debian release with the containerd image store (multi-platform,
# attestations, index annotations). Runs the e2e tests against dist/index.js, then stops
# everything it started. Extra arguments go to jest (e.g. a test path).
set -euo pipefail
cd "$(dirname "$0")/.."
state=$(mktemp -d /tmp/ghcr-build-push-e2e.XXXXXX)
# stop also unregisters the QEMU stand-in's binfmt handlers that appeared during the run
stop() {
  local rc=$?
  bash scripts/e2e-env.sh stop "$state/trixie" || true
  bash scripts/e2e-env.sh stop "$state/bookworm" || true
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT INT TERM
bash scripts/e2e-env.sh install
ENGINE=trixie bash scripts/e2e-env.sh install
bash scripts/e2e-env.sh start "$state/bookworm" >/dev/null
ENGINE=trixie bash scripts/e2e-env.sh start "$state/trixie" >/dev/null
set -a
# shellcheck disable=SC1091
. "$state/bookworm/env"
set +a
export E2E_ENV_FILE="$state/bookworm/env.json"
export E2E_TRIXIE_ENV_FILE="$state/trixie/env.json"
export E2E_TRANSCRIPT_DIR="$state/transcripts"
mkdir -p "$E2E_TRANSCRIPT_DIR"
NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e --runInBand "$@"
# A chosen subset (arguments given) may run no step at all; the whole suite must record runs.
if [ "$#" -eq 0 ]; then node scripts/scan-transcripts.mjs "$E2E_TRANSCRIPT_DIR"
else node scripts/scan-transcripts.mjs --allow-empty "$E2E_TRANSCRIPT_DIR"; fi
