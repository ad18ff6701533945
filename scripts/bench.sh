#!/usr/bin/env bash
# Benchmark: plan time, dist size, push overhead against the bare docker commands.
# Starts (and stops) the same private engine and registry as the e2e suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
state=$(mktemp -d /tmp/ghcr-build-push-bench.XXXXXX)
stop() {
  local rc=$?
  bash scripts/e2e-env.sh stop "$state/trixie" >/dev/null || true
  bash scripts/e2e-env.sh stop "$state" >/dev/null || true
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT INT TERM
bash scripts/e2e-env.sh install
ENGINE=trixie bash scripts/e2e-env.sh install
bash scripts/e2e-env.sh start "$state" >/dev/null
ENGINE=trixie bash scripts/e2e-env.sh start "$state/trixie" >/dev/null
set -a; . "$state/env"; set +a
export BENCH_TRIXIE_ENV="$state/trixie/env.json"
node scripts/bench.mjs "$@"
