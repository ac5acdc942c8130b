#!/usr/bin/env bash
# The demo (npm run demo): as root on a fresh clone. Installs what is missing and builds
# (scripts/deps.sh), then runs a 3-controller VRRP lab in network namespaces with a live view:
# the master's cable is pulled, the takeover and the client's outage are measured, it comes back,
# everything is removed. IPVS runs too when the host kernel has it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: run as root (sudo npm run demo): it creates network namespaces" >&2
  exit 1
fi
bash scripts/deps.sh >&2
exec node dist/bench/demo.js "$@"
