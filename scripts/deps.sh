#!/usr/bin/env bash
# Installs what vipd's tests, demo and benchmarks need from Debian, builds the addon and the
# TypeScript. Idempotent: a second run does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ip        || need+=(iproute2)
have linux.uml || need+=(user-mode-linux)
have modprobe  || need+=(kmod)
have ipvsadm   || need+=(ipvsadm)
have keepalived || need+=(keepalived)
have tcpdump   || need+=(tcpdump)
have tshark    || need+=(tshark)
have ping      || need+=(iputils-ping)
have setpriv   || need+=(util-linux)
have capsh     || need+=(libcap2-bin)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "vipd: missing Debian packages: ${need[*]}; run as root (or: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "vipd: installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# node_modules from the lockfile when absent or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
# The addon and the TypeScript, every time (both are quick and incremental).
# `npm run install` runs node-gyp-build with npm's bundled node-gyp on PATH.
npm run --silent install
npx --no-install tsc -p tsconfig.json
