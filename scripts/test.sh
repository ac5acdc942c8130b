#!/usr/bin/env bash
# The whole test suite: unit tests, then namespace tests on the host kernel, then tests inside
# the user-mode-linux kernel. Run as root. Usage: npm test [-- tap-args/files]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if [ $# -gt 0 ]; then
  exec npx --no-install tap "$@"
fi
exec npx --no-install tap 'dist/test/unit/**/*.test.js' 'dist/test/integration/**/*.test.js'
