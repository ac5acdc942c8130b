#!/usr/bin/env bash
# Builds the addon once per architecture into prebuilds/linux-<arch>/node.napi.glibc.node, where
# node-gyp-build finds it: the addon is plain Node-API, so one build serves every Node >= 20 and
# an install needs no compiler. x64 natively, arm64 with Debian's cross compiler
# (gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, installed with apt-get when missing and we
# are root; when they cannot be had the arm64 build is skipped with a message, and an arm64
# install builds from source).
# Each arch builds in a scratch copy of the sources, so ./build (the developer's own build) stays.
# Run by `npm run prebuild` and by `npm pack` (prepack), which put npm's node-gyp on PATH.
# Usage: scripts/prebuild.sh [--out DIR] [ARCH...]   (default: prebuilds/, x64 and arm64)
set -euo pipefail
cd "$(dirname "$0")/.."

out=prebuilds
if [ "${1:-}" = --out ]; then out=$2; shift 2; fi

archs=("$@")
[ $# -gt 0 ] || archs=(x64 arm64)
node_gyp=$(command -v node-gyp || true)
if [ -z "$node_gyp" ]; then
  # Outside `npm run`: npm's bundled node-gyp.
  node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
fi

# node-gyp takes npm's settings from the environment only. Outside `npm run`: npm's own setting
# (an npmrc may name the headers' directory), else the headers installed beside node, if any,
# so node-gyp need not download them.
if [ -z "${npm_config_nodedir:-}" ]; then
  nodedir=$(npm config get nodedir 2>/dev/null || true)
  case "$nodedir" in undefined | null) nodedir= ;; esac
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [ -z "$nodedir" ] && [ -e "$prefix/include/node/node_api.h" ]; then nodedir=$prefix; fi
  if [ -n "$nodedir" ]; then export npm_config_nodedir=$nodedir; fi
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# build ARCH EXPECTED_FILE_TYPE [VAR=VALUE...]: one arch in its own scratch copy.
build() {
  local arch=$1 expect=$2
  shift 2
  local src="$scratch/$arch"
  mkdir -p "$src" "$out/linux-$arch"
  cp -r binding.gyp native "$src/"
  echo "vipd: building the linux-$arch addon" >&2
  if ! (cd "$src" && env "$@" "$node_gyp" rebuild --arch="$arch") >"$scratch/$arch.log" 2>&1; then
    cat "$scratch/$arch.log" >&2
    echo "vipd: the linux-$arch addon did not build" >&2
    exit 1
  fi
  local so="$src/build/Release/vipd_native.node"
  local type
  type=$(file -b "$so")
  case "$type" in
    *"$expect"*) ;;
    *) echo "vipd: the linux-$arch addon is not $expect: $type" >&2; exit 1 ;;
  esac
  cp "$so" "$out/linux-$arch/node.napi.glibc.node"
  echo "vipd: $out/linux-$arch/node.napi.glibc.node: $type" >&2
}

file_type() {
  case "$1" in
    x64) echo 'ELF 64-bit LSB shared object, x86-64' ;;
    arm64) echo 'ELF 64-bit LSB shared object, ARM aarch64' ;;
  esac
}

cross_packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
have_cross() { command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 && [ -e /usr/aarch64-linux-gnu/include/stdlib.h ]; }
cross_compiler() {
  have_cross && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "vipd: installing ${cross_packages[*]} for the arm64 addon" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq --no-install-recommends "${cross_packages[@]}" ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${cross_packages[@]}"; }; } >/dev/null 2>&1 || true
  fi
  have_cross
}

command -v file >/dev/null 2>&1 || { echo "vipd: prebuild needs the file command (apt-get install file)" >&2; exit 1; }
rm -rf "$out"
for arch in "${archs[@]}"; do
  case "$arch/$(uname -m)" in
    x64/x86_64 | arm64/aarch64) build "$arch" "$(file_type "$arch")" ;;
    arm64/x86_64)
      if cross_compiler; then
        # C only: the compiler also links (gyp's default linker is $CXX).
        build arm64 "$(file_type arm64)" CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-gcc LINK=aarch64-linux-gnu-gcc
      else
        echo "vipd: SKIPPING the linux-arm64 prebuild: the cross compiler is missing and could not be installed (apt-get install ${cross_packages[*]}); arm64 installs will build from source" >&2
      fi ;;
    *) echo "vipd: cannot build the linux-$arch addon on $(uname -m)" >&2; exit 1 ;;
  esac
done
