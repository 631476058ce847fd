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

marker_name=spanlens-cache.json
sha() { sha256sum "$1" | cut -d' ' -f1; }
# True when DIR's marker holds exactly the JSON this run would write.
marker_is() { [ -f "$1/$marker_name" ] && [ "$(cat "$1/$marker_name")" = "$2" ]; }

# --- Python SDK ---------------------------------------------------------------------------------
venv="$root/.vscode-test/python-otel"
requirements="$root/test/clients/python/requirements.txt"
want="{\"requirements\":\"$(sha "$requirements")\"}"
if ! marker_is "$venv" "$want" ||
  ! "$venv/bin/python" -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.zipkin.json' 2>/dev/null; then
  echo "Installing the OpenTelemetry Python SDK into $venv"
  # Debian's own python3 ships venv and ensurepip in a separate package.
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  echo "$want" > "$venv/$marker_name"
fi

# shellcheck source=../test/servers/versions.env
source "$root/test/servers/versions.env"

# --- Jaeger v2, built from the Go module proxy --------------------------------------------------
jaeger_module="$root/test/servers/jaeger"
jaeger_dir="$cache/jaeger-$JAEGER_MODULE_VERSION"
grep -q "github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION" "$jaeger_module/go.mod" ||
  { echo "test/servers/jaeger/go.mod does not require jaeger $JAEGER_MODULE_VERSION (versions.env)" >&2; exit 1; }
want="{\"version\":\"$JAEGER_MODULE_VERSION\",\"goSum\":\"$(sha "$jaeger_module/go.sum")\"}"
if marker_is "$jaeger_dir" "$want" && "$jaeger_dir/jaeger" version >/dev/null 2>&1; then
  :
elif ! command -v go >/dev/null; then
  echo "Go is not installed: the real-Jaeger tests will skip on this machine (and fail in CI). Install Go 1.26 and run this script again." >&2
else
  echo "Building Jaeger (Go module $JAEGER_MODULE_VERSION) into $jaeger_dir; the first build takes minutes"
  rm -rf "$jaeger_dir"
  mkdir -p "$jaeger_dir"
  started=$SECONDS
  (cd "$jaeger_module" && go build -o "$jaeger_dir/jaeger.partial" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$jaeger_dir/jaeger.partial" "$jaeger_dir/jaeger"
  echo "$want" > "$jaeger_dir/$marker_name"
  echo "Jaeger built in $((SECONDS - started)) s"
fi

# --- Zipkin server, the exec jar from Maven Central ---------------------------------------------
zipkin_dir="$cache/zipkin-$ZIPKIN_VERSION"
jar="$zipkin_dir/zipkin-server-exec.jar"
if [ -f "$zipkin_dir/$marker_name" ] && [ -f "$jar" ] &&
  grep -q "\"version\":\"$ZIPKIN_VERSION\"" "$zipkin_dir/$marker_name" &&
  grep -q "\"sha256\":\"$(sha "$jar")\"" "$zipkin_dir/$marker_name"; then
  :
elif ! command -v java >/dev/null; then
  echo "Java is not installed: the real-Zipkin tests will skip on this machine (and fail in CI). Install a JDK 17 and run this script again." >&2
else
  echo "Fetching the Zipkin server $ZIPKIN_VERSION into $zipkin_dir"
  command -v mvn >/dev/null || apt_install maven
  rm -rf "$zipkin_dir"
  mkdir -p "$zipkin_dir/partial"
  # --strict-checksums: a download whose checksum does not match Central's fails rather than warns.
  mvn -q -B --strict-checksums -Dstyle.color=never dependency:copy "-Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" "-DoutputDirectory=$zipkin_dir/partial"
  mv "$zipkin_dir/partial/zipkin-server-$ZIPKIN_VERSION-exec.jar" "$jar"
  rmdir "$zipkin_dir/partial"
  echo "{\"version\":\"$ZIPKIN_VERSION\",\"sha256\":\"$(sha "$jar")\"}" > "$zipkin_dir/$marker_name"
fi
