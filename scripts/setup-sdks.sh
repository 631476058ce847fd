#!/usr/bin/env bash
# Builds the other-language OpenTelemetry clients the tests send real traces with: the Java SDK
# client in test/clients/java, into .vscode-test/sdk-clients/java-<hash of its sources>/ (its jar
# plus lib/ with every runtime dependency from Maven Central). Returns at once when that folder
# is intact. Without Java or Maven it says what to install and exits 0: the tests then skip on a
# developer machine and fail in CI, where they need the client.
set -euo pipefail
cd "$(dirname "$0")/.."

project=test/clients/java
cache_root=.vscode-test/sdk-clients
key=$( (cat "$project/pom.xml"; find "$project/src" -type f -name '*.java' | sort | xargs cat) | sha256sum | cut -c1-16)
target="$cache_root/java-$key"

if [ -f "$target/complete" ] && [ -f "$target/otlp-java-client.jar" ]; then
  exit 0
fi
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  echo "setup-sdks: Java client not built: install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)" >&2
  exit 0
fi

echo "setup-sdks: building the OpenTelemetry Java client (Maven Central; the first build downloads ~15 MB)"
started=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mvn -B -q -Dstyle.color=never -f "$project/pom.xml" package > "$log" 2>&1 \
  || {
    cat "$log" >&2
    echo "setup-sdks: the Maven build of $project failed" >&2
    # In CI that is the build's failure; elsewhere the rest of the set-up goes on and the Java tests say what is missing.
    [ -n "${CI:-}" ] && exit 1
    exit 0
  }
# Maven writes to the project's target/; copy what runs into the keyed cache and leave no tree behind.
rm -rf "$target.partial"
mkdir -p "$target.partial"
cp "$project/target/otlp-java-client.jar" "$target.partial/"
cp -r "$project/target/lib" "$target.partial/lib"
rm -rf "$project/target"
touch "$target.partial/complete"
rm -rf "$target"
mv "$target.partial" "$target"
# Older builds of the client are of no use once its sources changed.
find "$cache_root" -maxdepth 1 -name 'java-*' ! -name "java-$key" -exec rm -rf {} +
echo "setup-sdks: Java client ready in $target ($(($(date +%s) - started)) s)"
