#!/bin/sh
# PID 1 inside Debian's user-mode-linux kernel (see src/lab/uml.ts and
# ../shared/notes/kernel-lab.md). The root fs is the host's (hostfs), so node, ip and ipvsadm are
# the host's binaries. The host passes `vipd_dir=<dir>` on the kernel command line (it reaches us
# as an environment variable); that directory, on the host fs, holds:
#   cmd.sh   what to run (written by uml.ts: env + `exec node <script> args`)
#   booted   written here: `date +%s%N` when init starts
#   init.log module loading and setup messages
#   output   the command's combined stdout/stderr
#   status   the command's exit status (written last: its presence means "finished")
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
dir="$vipd_dir"

halt_now() {
  sync
  halt -f >/dev/null 2>&1 || poweroff -f >/dev/null 2>&1
  echo o >/proc/sysrq-trigger 2>/dev/null
  # Still here: PID 1 exiting makes the kernel panic, which ends the UML process too.
  exit 1
}

if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "uml-init: vipd_dir not set or missing: '$dir'" >&2
  halt_now
fi
date +%s%N >"$dir/booted"
exec 3>>"$dir/init.log"
log() { echo "uml-init: $*" >&3; }

mount -t proc proc /proc
mount -t sysfs sys /sys
# Own /run and /tmp: `ip netns add` writes /run/netns, which must not land on the host.
# A repository checked out under /tmp or /run (CI clones anywhere) would vanish under those
# tmpfs mounts: hold it by a bind mount and put it back at the same path on top.
keep="${vipd_repo:-}"
case "$keep" in /tmp/*|/run/*) mkdir -p "$dir/repo" && mount --bind "$keep" "$dir/repo" || { log "cannot hold $keep"; keep=; } ;; *) keep= ;; esac
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
if [ -n "$keep" ]; then
  mkdir -p "$keep" && mount --bind "$dir/repo" "$keep" || log "cannot restore $keep"
fi
mount -t devtmpfs devtmpfs /dev 2>/dev/null || log "devtmpfs not mounted, using the host /dev"
mkdir -p /dev/shm /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null

# Modules: the kernel looks in /lib/modules/$(uname -r), which the host does not have. Build a
# module root in a tmpfs from the UML package's modules and index it there (depmod -b), leaving
# the host untouched. The .ko tree is linked, not copied, and depmod -A reuses the package's
# index unless a module is newer: copying 105 MB and re-reading every module through hostfs
# cost ~7 s per boot.
kver=$(uname -r)
mods=/tmp/uml-modules
src="/usr/lib/uml/modules/$kver"
mkdir -p "$mods/lib/modules/$kver"
if [ -d "$src" ]; then
  cp "$src"/modules.* "$mods/lib/modules/$kver/" 2>&3
  ln -s "$src/kernel" "$mods/lib/modules/$kver/kernel"
  if ! depmod -A -b "$mods" "$kver" 2>&3; then
    log "depmod over the linked tree failed; copying the modules"
    rm -rf "$mods/lib/modules/$kver"
    cp -r "$src" "$mods/lib/modules/" 2>&3
    depmod -b "$mods" "$kver" 2>&3 || log "depmod failed"
  fi
else
  log "no modules for $kver under /usr/lib/uml/modules"
fi
wanted="ipv6 ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq
        ip_vs_fo ip_vs_ovf ip_vs_mh dummy veth macvlan bridge"
# One modprobe for all (each process start is slow under UML), then retry stragglers one by one
# to learn which are really missing.
modprobe -a -d "$mods" $wanted 2>&3
missing=""
for m in $wanted; do
  [ -d "/sys/module/$m" ] && continue
  modprobe -d "$mods" "$m" 2>&3 || missing="$missing $m"
done
echo "${missing# }" >"$dir/missing-modules"
[ -n "$missing" ] && log "modules that did not load:$missing"

log "modules loaded at $(date +%s%N)"
ip link set lo up 2>&3 || log "lo did not come up"
date +%s%N >"$dir/ready"

# The command: output to the host fs, status written last.
sh "$dir/cmd.sh" >"$dir/output" 2>&1 </dev/null
echo $? >"$dir/status.tmp"
sync
mv "$dir/status.tmp" "$dir/status"
halt_now
