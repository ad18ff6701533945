#!/usr/bin/env bash
# Runs the action's main and post steps locally, as the runner would, against a throwaway
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
# The post step gets what main saved, as STATE_* variables.
state_env=()
while IFS= read -r line; do
  if [[ $line =~ ^([A-Za-z]+)\<\<(.+)$ ]]; then key=${BASH_REMATCH[1]}; delim=${BASH_REMATCH[2]}; val=""
  elif [ "${delim:-}" != "" ] && [ "$line" = "$delim" ]; then state_env+=("STATE_$key=$val"); delim=""
  else val=$line; fi
done < "$job/state"
# DEMO_SUMMARY=file keeps the job summary the step wrote (scripts/summary-screenshots.mjs shows it).
[ -z "${DEMO_SUMMARY:-}" ] || cp "$job/summary" "$DEMO_SUMMARY"
echo "== post step"
(cd "$job/ws" && env "${runner_env[@]}" "${state_env[@]}" node "$OLDPWD/dist/index.js")
echo "== outputs"
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8")
  for (const [, k, , v] of text.matchAll(/^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm)) {
    if (["digest", "refs", "tags", "version", "pushed"].includes(k)) console.log(`${k}:\n  ${v.split("\n").join("\n  ")}`)
  }' "$job/output"
echo "== registry says"
curl -s -u "$E2E_USER:$E2E_PASSWORD" "http://$E2E_REGISTRY/v2/acme-org/hello-app/tags/list"; echo
