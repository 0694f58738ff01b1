#!/usr/bin/env bash
# Installs what berth needs on a fresh Debian 12 machine, idempotently: npm packages, the build,
# and (for the issues that need them) Debian packages. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

# busybox-static: the rootfs of the demo's and tests' small images (no registry is reachable here);
# docker.io, skopeo, umoci: the peers the interop tests compare berth with; zstd, python3: test tools;
# postgresql-client: psql, with which the examples test queries examples/postgres from the host;
# curl: the demo fetches a page from the container it runs; docker-registry, apache2-utils (htpasswd),
# openssl: the registry tests run Distribution with TLS and bcrypt Basic auth.
APT_PACKAGES=(busybox-static docker.io skopeo umoci zstd python3 slirp4netns postgresql-client curl docker-registry apache2-utils openssl tini openssh-client ${BERTH_APT_PACKAGES:-})

if ((${#APT_PACKAGES[@]})); then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.berth-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

npm run --silent build
