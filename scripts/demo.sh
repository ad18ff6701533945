#!/usr/bin/env bash
# Runs the action's step locally, as the runner would, against a throwaway
# registry on 127.0.0.1: prints the plan, the pushed refs and the digest, then stops everything.
# Pass extra inputs as INPUT_* variables, e.g. INPUT_TAGS='type=raw,value=demo' npm run demo
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -f dist/index.js ] || npm run build
state=$(mktemp -d /tmp/ghcr-build-push-demo.XXXXXX)
stop() {
  local rc=$?
  bash scripts/e2e-env.sh stop "$state" >/dev/null || true
  rm -rf "$state"
  exit "$rc"
}
trap stop EXIT INT TERM
bash scripts/e2e-env.sh install
bash scripts/e2e-env.sh start "$state" >/dev/null
set -a; . "$state/env"; set +a

# A job's worth of runner files and a tiny FROM scratch image to build.
job=$state/job; mkdir -p "$job/temp" "$job/ws"
printf 'hello from ghcr-build-push demo, %s\n' "$(date -u +%FT%TZ)" > "$job/ws/hello.txt"
printf 'FROM scratch\nCOPY hello.txt /hello.txt\n' > "$job/ws/Dockerfile"
sha=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '{"ref":"refs/heads/main","repository":{"full_name":"Acme-Org/Hello-App","default_branch":"main"}}' > "$job/event.json"
: > "$job/output"; : > "$job/state"; : > "$job/summary"

runner_env=(
  GITHUB_ACTIONS=true RUNNER_TEMP="$job/temp" GITHUB_WORKSPACE="$job/ws"
  GITHUB_OUTPUT="$job/output" GITHUB_STATE="$job/state" GITHUB_STEP_SUMMARY="$job/summary"
  GITHUB_EVENT_PATH="$job/event.json" GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/main
  GITHUB_SHA="$sha" GITHUB_REPOSITORY=Acme-Org/Hello-App GITHUB_SERVER_URL=https://github.com
  GITHUB_API_URL=http://127.0.0.1:65531 GITHUB_ACTOR=octo-dev
  INPUT_REGISTRY="$E2E_REGISTRY" INPUT_USERNAME="$E2E_USER" INPUT_TOKEN="$E2E_PASSWORD"
)
echo "== main step (registry $E2E_REGISTRY, repository Acme-Org/Hello-App, push to main)"
(cd "$job/ws" && env "${runner_env[@]}" node "$OLDPWD/dist/index.js") | grep -v '^::add-mask::'
# DEMO_SUMMARY=file keeps the job summary the step wrote (scripts/summary-screenshots.mjs shows it).
[ -z "${DEMO_SUMMARY:-}" ] || cp "$job/summary" "$DEMO_SUMMARY"
# There is no post step: the step removed its private directory (Docker config, login) itself.
left=$(find "$job/temp" -mindepth 1 -maxdepth 1 -name 'ghcr-build-push-*')
if [ -n "$left" ]; then echo "demo: the step left $left behind" >&2; exit 1; fi
echo "== private Docker config removed by the step"
echo "== outputs"
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8")
  for (const [, k, , v] of text.matchAll(/^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm)) {
    if (["digest", "refs", "tags", "version", "pushed"].includes(k)) console.log(`${k}:\n  ${v.split("\n").join("\n  ")}`)
  }' "$job/output"
echo "== registry says"
curl -s -u "$E2E_USER:$E2E_PASSWORD" "http://$E2E_REGISTRY/v2/acme-org/hello-app/tags/list"; echo
