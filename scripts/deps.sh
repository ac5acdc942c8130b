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
have nft       || need+=(nftables)
have setpriv   || need+=(util-linux)
have capsh     || need+=(libcap2-bin)
# k0s: contrib/k0s-without-keepalived.sh (and its test) edits the zip appended to a k0s executable.
have zip       || need+=(zip)
have unzip     || need+=(unzip)
have openssl   || need+=(openssl)
# Packaging (npm pack's prebuilds, npm run package): file checks each build's architecture,
# strip and dpkg-shlibdeps work on the single executable, dpkg-deb makes the .deb.
have file      || need+=(file)
have strip     || need+=(binutils)
have dpkg-shlibdeps || need+=(dpkg-dev)
# The arm64 prebuild's cross compiler: optional (without it the arm64 prebuild is skipped, saying so).
cross=()
have aarch64-linux-gnu-gcc || cross+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/include/stdlib.h ] || cross+=(libc6-dev-arm64-cross)

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
if [ ${#cross[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  echo "vipd: installing Debian packages: ${cross[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends "${cross[@]}" ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${cross[@]}"; }; } >/dev/null 2>&1 ||
    echo "vipd: could not install ${cross[*]}: the linux-arm64 prebuild will be skipped" >&2
fi

# node_modules from the lockfile when absent or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
# The addon and the TypeScript, every time (both are quick and incremental).
# node-gyp-build keeps an existing build/Release addon, so rebuild when a native source is newer
# (a pull or merge that changed native/ would otherwise run against a stale addon).
addon=build/Release/vipd_native.node
if [ -f "$addon" ] && [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  rm -rf build
fi
# `npm run install` runs node-gyp-build with npm's bundled node-gyp on PATH.
npm run --silent install
npx --no-install tsc -p tsconfig.json
# bin/vipd.js runs the daemon from this bundle (after tsc: a bundle older than dist/src is not used).
node scripts/bundle.mjs
