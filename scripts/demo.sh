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
echo "== images: a busybox root filesystem imported as an image, tagged, listed, inspected"
root=$(mktemp -d /tmp/berth-demo-XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/rootfs/bin"
cp "$(command -v busybox)" "$root/rootfs/bin/busybox"
ln -s busybox "$root/rootfs/bin/sh"
tar -C "$root/rootfs" -cf "$root/rootfs.tar" .
$berth --root "$root/store" import -c 'CMD ["/bin/sh"]' -m "busybox for the demo" "$root/rootfs.tar" demo/busybox:1
$berth --root "$root/store" tag demo/busybox:1 demo/busybox:latest
$berth --root "$root/store" images
$berth --root "$root/store" history demo/busybox:1
$berth --root "$root/store" inspect --format '{{json .Config}}' demo/busybox:1
$berth --root "$root/store" rmi demo/busybox:1 demo/busybox:latest
echo
echo "demo: checked and planned the examples; imported, listed and removed an image; building and running arrive with the build engine and berth run."
