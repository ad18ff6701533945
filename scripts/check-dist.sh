#!/usr/bin/env bash
# Fails when dist/ is not exactly what the bundler makes from the current source.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npx tsc --noEmit
bash scripts/build.sh "$tmp/dist"
if ! diff -r "$tmp/dist" dist >/dev/null; then
  echo "check-dist: dist/ is stale: run 'npm run build' and commit dist/ with the source" >&2
  diff -rq "$tmp/dist" dist >&2 || true
  exit 1
fi
echo "check-dist: dist/ matches the source"
