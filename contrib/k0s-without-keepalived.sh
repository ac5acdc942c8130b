#!/bin/sh
# Takes keepalived out of a k0s executable (k0s >= 1.36), so that k0s runs the keepalived it finds
# instead of extracting its own: <data-dir>/bin/keepalived (a symlink to vipd), else `keepalived`
# on PATH. See README "For k0s".
#
# A k0s executable is the program with a zip of its embedded binaries appended (k0s's Makefile:
# `cat embedded-binaries-linux.zip >> k0s`). At every start k0s (pkg/assets/stage.go) extracts
# an embedded binary again unless the staged file has its size and k0s's own mtime, so a vipd put
# at <data-dir>/bin/keepalived would be overwritten; an entry that is not in the zip is not
# extracted, and k0s uses the existing file. `zip -A` makes the zip's offsets count from the
# start of the file (Go's reader accepts both), `zip -d` removes the entry.
#
# Usage: k0s-without-keepalived.sh [K0S]   (default /usr/local/bin/k0s; needs zip and unzip)
# Idempotent: does nothing when keepalived is not embedded. Safe as ExecStartPre of the k0s
# service, so that an upgraded k0s executable is treated before it starts.
set -eu
k0s=${1:-/usr/local/bin/k0s}
me=${0##*/}
for c in zip unzip; do
  command -v "$c" >/dev/null 2>&1 || { echo "$me: $c is missing (apt-get install zip unzip)" >&2; exit 1; }
done
[ -f "$k0s" ] || { echo "$me: $k0s: no such file" >&2; exit 1; }
# unzip exits 1 (a warning) for the program before the zip, 9 when there is no zip at all.
set +e
entries=$(unzip -Z1 "$k0s" 2>/dev/null)
rc=$?
set -e
if [ "$rc" -gt 1 ]; then
  echo "$me: $k0s has no zip payload: k0s < 1.36 compiles its binaries in, or it was built without them (README: For k0s)" >&2
  exit 1
fi
if ! printf '%s\n' "$entries" | grep -qx keepalived; then
  echo "$me: $k0s: keepalived is not embedded, nothing to do"
  exit 0
fi
# Work on a copy next to it (zip insists on a .zip name), then rename it into place: the k0s
# executable may be running, and a rename never leaves a half-written one.
tmp=$(mktemp --suffix=.zip "$k0s.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp -p "$k0s" "$tmp"
zip -qA "$tmp"
zip -qd "$tmp" keepalived
if unzip -Z1 "$tmp" 2>/dev/null | grep -qx keepalived; then
  echo "$me: keepalived is still in $tmp; $k0s left as it was" >&2
  exit 1
fi
chmod --reference="$k0s" "$tmp"
chown --reference="$k0s" "$tmp" 2>/dev/null || true
mv -f "$tmp" "$k0s"
trap - EXIT
echo "$me: $k0s: keepalived removed; k0s now runs <data-dir>/bin/keepalived or keepalived from PATH"
