#!/usr/bin/env bash
# The main job from a fresh clone: set-up, a production build, then SpanLens in a real VS Code
# (code-server) on the loopback URL this prints.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node esbuild.mjs --production
exec node out/test/host/demo.js
