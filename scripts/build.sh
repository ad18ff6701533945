#!/usr/bin/env bash
# Builds the bundle into ${1:-dist}: ncc, then terser on every chunk (ncc's --minify leaves the
# lazily loaded chunks as they are, and they hold most of the bytes). Class and function names
# are kept so that an unexpected error's stack trace stays readable.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
rm -rf "$out"
npx ncc build src/index.ts -o "$out" --license licenses.txt >/dev/null
for f in "$out"/*.js; do
  npx terser "$f" --module --compress --mangle --keep-classnames --keep-fnames --output "$f"
done
