#!/usr/bin/env bash
# `npm run package`: vipd for a controller that has neither Node nor npm.
#   OUT/vipd                      one executable (Node single executable application: the
#                                 bundled CLI and the addon inside the node binary)
#   OUT/vipd_VERSION_ARCH.deb     /usr/sbin/vipd, vipd.service, /etc/vipd/keepalived.conf
#                                 (conffile) and vipd(8) made from the CLI's --help
# Usage: scripts/package.sh [--no-deb] [OUT]   (OUT defaults to dist/pkg)
# Needs node_modules (esbuild, postject: devDependencies), dpkg-deb, file, strip. Bundles from the
# TypeScript sources and builds the addon in a scratch directory: dist/, build/ and prebuilds/
# are left alone (tests run it beside other tests that read dist/).
set -euo pipefail
cd "$(dirname "$0")/.."

deb=yes
if [ "${1:-}" = --no-deb ]; then deb=no; shift; fi
out=$(realpath -m "${1:-dist/pkg}")
version=$(node -p 'require("./package.json").version')
case "$(uname -m)" in
  x86_64) arch=x64 debarch=amd64 ;;
  aarch64) arch=arm64 debarch=arm64 ;;
  *) echo "vipd: no package for $(uname -m)" >&2; exit 1 ;;
esac
for tool in file strip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vipd: package needs $tool (apt-get install file binutils)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

bash scripts/prebuild.sh --out "$work/prebuilds" "$arch"
addon="$work/prebuilds/linux-$arch/node.napi.glibc.node"

# The single executable (https://nodejs.org/api/single-executable-applications.html, Node 20):
# a preparation blob (the bundled script, its V8 code cache, the addon as an asset) injected
# into a stripped copy of this node binary.
node scripts/bundle.mjs "$work/vipd.cjs"
cat >"$work/sea-config.json" <<EOF
{
  "main": "$work/vipd.cjs",
  "output": "$work/sea.blob",
  "disableExperimentalSEAWarning": true,
  "useCodeCache": true,
  "assets": { "vipd_native.node": "$addon" }
}
EOF
node --experimental-sea-config "$work/sea-config.json" >"$work/sea.log" 2>&1 || { cat "$work/sea.log" >&2; exit 1; }
strip --strip-all -o "$work/vipd" "$(node -p process.execPath)"
# postject (LIEF) warns about the notes of node's ELF; only its failure is worth showing.
if ! npx --no-install postject "$work/vipd" NODE_SEA_BLOB "$work/sea.blob" \
    --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >"$work/postject.log" 2>&1; then
  cat "$work/postject.log" >&2
  exit 1
fi
"$work/vipd" --version >/dev/null || { echo "vipd: the single executable does not run" >&2; exit 1; }
install -m 0755 "$work/vipd" "$out/vipd"
echo "vipd: $out/vipd ($(du -h "$out/vipd" | cut -f1))" >&2

[ "$deb" = yes ] || exit 0
command -v dpkg-deb >/dev/null 2>&1 || { echo "vipd: the .deb needs dpkg-deb (apt-get install dpkg-dev)" >&2; exit 1; }

root="$work/deb"
doc="$root/usr/share/doc/vipd"
install -d "$root/DEBIAN" "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/vipd" "$root/usr/share/man/man8" "$doc"
install -m 0755 "$out/vipd" "$root/usr/sbin/vipd"
install -m 0644 packaging/keepalived.conf "$root/etc/vipd/keepalived.conf"
install -m 0644 packaging/deb/copyright "$doc/copyright"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/vipd"
node packaging/man-page.mjs "$out/vipd" >"$work/vipd.8"
gzip -9n <"$work/vipd.8" >"$root/usr/share/man/man8/vipd.8.gz"
maintainer=${VIPD_DEB_MAINTAINER:-vipd maintainers <vipd@example.org>}
{
  printf 'vipd (%s) unstable; urgency=medium\n\n  * vipd %s (see CHANGELOG.md of the npm package).\n\n' "$version" "$version"
  printf ' -- %s  %s\n' "$maintainer" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$doc/changelog.gz"

# contrib/vipd.service with the package's paths; a dynamic user instead of a vipd account, so
# installing creates no user and removing leaves none behind.
sed -e 's|/usr/bin/node /opt/vipd/bin/vipd.js|/usr/sbin/vipd|g' \
    -e 's|/etc/keepalived|/etc/vipd|g' \
    -e 's|^Documentation=.*|Documentation=man:vipd(8) man:keepalived.conf(5)|' \
    -e '/^User=/c DynamicUser=yes' -e '/^Group=/d' -e '1,/^\[Unit\]/{/^#/d}' \
    contrib/vipd.service >"$work/unit"
{
  echo '# vipd as a system service: a dynamic unprivileged user with only the two capabilities VRRP'
  echo '# and IPVS need (CAP_NET_ADMIN: addresses, links, IPVS; CAP_NET_RAW: raw VRRP sockets, ARP).'
  echo '# Not enabled by the package: edit /etc/vipd/keepalived.conf, then systemctl enable --now vipd'
  cat "$work/unit"
} >"$root/lib/systemd/system/vipd.service"
chmod 0644 "$root/lib/systemd/system/vipd.service"
if grep -nE '/opt/vipd|/usr/bin/node|^User=|/etc/keepalived|useradd' "$root/lib/systemd/system/vipd.service" >&2; then
  echo "vipd: contrib/vipd.service changed shape: the package's unit still has the lines above" >&2
  exit 1
fi

for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$root/DEBIAN/$s"; done
echo /etc/vipd/keepalived.conf >"$root/DEBIAN/conffiles"
# Shared libraries the executable links: dpkg-shlibdeps wants a source package's debian/control.
mkdir -p "$work/src/debian"
printf 'Source: vipd\n\nPackage: vipd\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/sbin/vipd" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || depends='libc6 (>= 2.28), libgcc-s1, libstdc++6'
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$debarch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" packaging/deb/control >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
# gzip rather than dpkg-deb's default xz: seconds instead of most of a minute on 85 MB.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/vipd_${version}_${debarch}.deb" >/dev/null
echo "vipd: $out/vipd_${version}_${debarch}.deb ($(du -h "$out/vipd_${version}_${debarch}.deb" | cut -f1))" >&2
