#!/usr/bin/env bash
# npm run bench -- failover|soak|ipvs|config|idle [options]   (same as `vipd bench ...`)
# Builds first when the compiled bench is missing or older than its sources.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/bench/main.js ] || [ -n "$(find bench src -name '*.ts' -newer dist/bench/main.js -print -quit)" ]; then
  npx --no-install tsc -p tsconfig.json >&2 || echo "bench: tsc reported errors (continuing with what compiled)" >&2
fi
exec node dist/bench/main.js "$@"
