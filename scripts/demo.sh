#!/usr/bin/env bash
# The demo: build the example Flask app on a Debian base with berth, run it detached with a
# published port, fetch a page from it, show its layers, images and logs, then stop and remove it
# (also when something fails). A second run is fully cached and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# BERTH_CLI: the berth command line (its test passes a private copy of the bundle).
berth=${BERTH_CLI:-bin/berth}
root=${BERTH_ROOT:-/var/lib/berth}
image=berth-demo/flask
name=berth-demo-flask
b() { $berth --root "$root" "$@"; }
started=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

out=$(mktemp /tmp/berth-demo-XXXXXX.tar)
removed=
cleanup() {
  rm -f "$out" "$out.Dockerfile"
  # Whatever happened above, the demo's container does not outlive it.
  [[ -n $removed ]] || b rm -f "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A port free on this host, unless one is asked for.
port=${BERTH_DEMO_PORT:-$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}

echo "== berth --version"
$berth --version

echo
echo "== the debian:bookworm base (bootstrapped with debootstrap once per machine)"
bash scripts/debian-base.sh "$root"

echo
echo "== berth build --check examples/flask"
b build --check examples/flask

echo
echo "== berth build -t $image examples/flask"
build_started=$(date +%s%N)
b build --progress plain -t "$image" examples/flask
echo "built in $(ms_since "$build_started") ms"

echo
echo "== a rebuild comes from the cache"
rebuild_started=$(date +%s%N)
b build -q -t "$image" examples/flask
echo "rebuilt in $(ms_since "$rebuild_started") ms"

echo
echo "== berth history $image"
b history "$image"

echo
echo "== berth run -d --init -p 127.0.0.1:$port:5000 --name $name $image"
# A container left by an interrupted earlier demo would hold the name.
b rm -f "$name" >/dev/null 2>&1 || true
# --init: Flask is not written to be PID 1 (it would ignore stop's SIGTERM); docker-init forwards it.
b run -d --init -p "127.0.0.1:$port:5000" --name "$name" "$image"

echo
echo "== curl http://127.0.0.1:$port/"
# The server needs a moment to start: retry for up to 30 s.
page=
for _ in $(seq 150); do
  if page=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null); then break; fi
  page=
  sleep 0.2
done
if [[ -z $page ]]; then
  echo "demo: the container did not answer on 127.0.0.1:$port within 30 s; its logs:" >&2
  b logs "$name" >&2 || true
  exit 1
fi
printf '%s\n' "$page"

echo
echo "== berth ps"
b ps

echo
echo "== berth logs $name"
b logs "$name"

echo
echo "== berth images"
b images

echo
echo "== berth stop $name && berth rm $name"
b stop "$name"
b rm "$name"
removed=1

echo
echo "== berth save (an archive docker load and skopeo read)"
b save -o "$out" "$image"
ls -l "$out"

echo
echo "== a Dockerfile with a mistake, to show berth's errors"
printf 'FROM debian:bookworm\nRUNN apt-get update\nCOPY --from=7 /a /b\n' >"$out.Dockerfile"
$berth build --check -f "$out.Dockerfile" examples/flask || echo "(exit code $?: the check failed as it should)"

echo
echo "demo: built examples/flask on debian:bookworm, ran it, fetched a page from it, stopped and removed it in $(ms_since "$started") ms."
