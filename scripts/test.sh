#!/usr/bin/env bash
# The whole check: type check, lint, import boundaries, then every test file through node:test
# with the spec reporter (its closing summary is what CI reads).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== type check"; npx tsc --noEmit -p .
echo "== lint"; npx eslint --max-warnings=0 src test scripts
# Node 20 does not expand globs itself: bash lists the files.
shopt -s globstar nullglob
files=(test/**/*.test.ts)
echo "== tests (${#files[@]} files)"
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
