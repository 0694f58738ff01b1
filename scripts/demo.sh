#!/usr/bin/env bash
# The demo: what berth can do today, end to end. It grows with each feature; for now the build
# engine does not exist yet, so it checks and plans the example Dockerfiles without building them.
set -euo pipefail
cd "$(dirname "$0")/.."

berth=bin/berth
echo "== berth --version"
$berth --version
for ex in examples/flask examples/multi-stage; do
  echo
  echo "== berth build --check $ex"
  $berth build --check "$ex"
done
echo
echo "== a Dockerfile with a mistake, to show berth's errors"
printf 'FROM debian:bookworm\nRUNN apt-get update\nCOPY --from=7 /a /b\n' >.tmp-demo.Dockerfile
$berth build --check -f .tmp-demo.Dockerfile . || echo "(exit code $?: the check failed as it should)"
rm -f .tmp-demo.Dockerfile
echo
echo "demo: checked and planned the examples; building and running them arrives with the build engine (issue 4) and berth run (issue 6)."
