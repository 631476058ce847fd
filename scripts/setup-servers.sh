#!/usr/bin/env bash
# Installs the real trace servers and the Python OpenTelemetry SDK that the real-server tests use:
#   .vscode-test/python-otel/      a venv with test/clients/python/requirements.txt
#   .vscode-test/servers/jaeger-*  Jaeger v2 built from the Go module proxy (test/servers/jaeger)
#   .vscode-test/servers/zipkin-*  the Zipkin server's exec jar from Maven Central
# Each is keyed by version and has a marker written only after it is complete, so a run that was
# interrupted is redone and an intact cache costs nothing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache="$root/.vscode-test/servers"
mkdir -p "$cache"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $sudo apt-get update -q; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"
}

# --- Python SDK ---------------------------------------------------------------------------------
venv="$root/.vscode-test/python-otel"
requirements="$root/test/clients/python/requirements.txt"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
marker="$venv/spanlens-requirements.sha"
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$want" ] ||
  ! "$venv/bin/python" -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.zipkin.json' 2>/dev/null; then
  echo "Installing the OpenTelemetry Python SDK into $venv"
  # Debian's own python3 ships venv and ensurepip in a separate package.
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" > "$marker"
fi
