#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The set-up below installs every server and SDK the tests use, so one missing afterwards is a
# failure, not a machine without Go or Java: the real-server and SDK tests fail instead of skipping.
export CI="${CI:-1}"
bash scripts/setup.sh
npm test
