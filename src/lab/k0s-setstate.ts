// k0s's keepalived-setstate as a lab script: on a VRRP notify it re-points the consumed include at
// the generated virtual servers (MASTER) or at /dev/null, then SIGHUPs the daemon. The state is
// read back from the VIP on eth0 rather than trusted from $1: MASTER and BACKUP notifications of a
// quick flap run concurrently and may finish out of order (k0s's script has the same race; its
// controller reconciles from the latest state).
export function k0sSetstateScript(o: { dir: string; vip: string; pidFile: string; settleS: number }): string {
  return `#!/bin/sh
cd ${o.dir} || exit 1
exec 9>lock
flock 9
sleep ${o.settleS}
if ip -o -4 addr show dev eth0 | grep -q " ${o.vip}/"; then ln -sfn keepalived-virtualservers-generated.conf keepalived-virtualservers-consumed.conf.new
else ln -sfn /dev/null keepalived-virtualservers-consumed.conf.new; fi
mv -T keepalived-virtualservers-consumed.conf.new keepalived-virtualservers-consumed.conf
kill -HUP "$(cat ${o.pidFile})"
`;
}
