#!/usr/bin/env bash
# The main job from a fresh clone: set-up, a production build, then SpanLens in a real VS Code
# (code-server) on the loopback URL this prints, with the sample service sending it live traces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The production bundles packed into spanlens.vsix, which demo.ts installs into code-server.
npm run --silent package
# The sample service, compiled with source maps so its spans map back to its TypeScript.
node_modules/.bin/tsc -p test/workspace/sample-service
exec node out/test/host/demo.js
