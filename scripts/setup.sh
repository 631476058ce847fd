#!/usr/bin/env bash
# Installs everything SpanLens's build, demo and tests need on a fresh Debian machine:
# Debian packages (when missing), the npm dependencies (when package-lock.json changed) and
# the code-server test host (when its cache is missing or broken). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(chromium ripgrep pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.spanlens-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

npx tsc -p test
node out/test/host/codeServerCache.js

# Real servers (Jaeger, Zipkin) and other-language OpenTelemetry SDKs used by the tests. Each
# script caches what it builds or fetches and returns at once when the cache is intact.
for extra in scripts/setup-servers.sh scripts/setup-sdks.sh; do
  [ -f "$extra" ] && bash "$extra"
done
