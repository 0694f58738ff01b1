#!/usr/bin/env bash
# Makes the `debian:bookworm` base image in a berth store: debootstrap (minbase) from Debian's
# mirror once per machine (the rootfs tarball is cached), then `berth import` into the given store
# unless it already has the image. Usage: scripts/debian-base.sh [STORE_ROOT]
set -euo pipefail
cd "$(dirname "$0")/.."

root=${1:-${BERTH_ROOT:-/var/lib/berth}}
berth=bin/berth
mirror=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${BERTH_CACHE_DIR:-/var/cache/berth}
tarball=$cache/debian-bookworm-minbase-v2.tar

if [[ -n $($berth --root "$root" images -q debian:bookworm 2>/dev/null) ]]; then
  echo "debian:bookworm is already in $root"
  exit 0
fi

if [[ ! -s $tarball ]]; then
  command -v debootstrap >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/debootstrap-XXXXXX")
  trap 'umount -R "$work/rootfs/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
  echo "bootstrapping Debian bookworm (minbase) from $mirror; this runs once per machine"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  # Like the official image (debuerreotype's slimming): apt keeps its indexes compressed, fetches
  # no translations and cleans its package cache, so `RUN apt-get update` layers stay small.
  conf=$work/rootfs/etc/apt/apt.conf.d
  printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' >"$conf/docker-gzip-indexes"
  printf 'Acquire::Languages "none";\n' >"$conf/docker-no-languages"
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nAPT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' >"$conf/docker-clean"
  printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"$conf/docker-autoremove-suggests"
  # No apt lists or caches in the base.
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/log/"*.log
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$work/rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi

$berth --root "$root" import -c 'CMD ["bash"]' -m "debootstrap --variant=minbase bookworm" "$tarball" debian:bookworm
echo "debian:bookworm imported into $root"
