#!/usr/bin/env bash
# The whole test suite: unit tests, namespace tests on the host kernel, tests inside the
# user-mode-linux kernel. Run as root. `npm test` runs everything; `npm test -- FILES` runs some.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if [ $# -gt 0 ]; then
  files=("$@")
else
  files=('dist/test/unit/**/*.test.js' 'dist/test/integration/**/*.test.js')
fi
# TAP to the log (readable without a terminal), then a one-line summary; tap's exit status wins.
set +e
npx --no-install tap --reporter=tap "${files[@]}" | node scripts/tap-summary.mjs
status=${PIPESTATUS[0]}
set -e
exit "$status"
