// Facts about the host the k0s input needs and keepalived.conf never does: the NIC of the default
// route (k0s's default `interface`) and the link owning a MAC address (k0s accepts a MAC there).
// Read synchronously from /proc and /sys, which show the caller's network namespace.
import { readdirSync, readFileSync } from 'node:fs';

/** The interface of the IPv4 default route (/proc/net/route), else of the IPv6 one. */
export function defaultRouteInterface(procNet = '/proc/net'): string {
  const v4 = read(`${procNet}/route`).split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  // Destination 00000000 and mask 00000000 = default; the lowest metric wins.
  const d4 = v4.filter((f) => f[1] === '00000000' && f[7] === '00000000' && f[0])
    .sort((a, b) => Number(a[6]) - Number(b[6]))[0];
  if (d4) return d4[0]!;
  const v6 = read(`${procNet}/ipv6_route`).split('\n').map((l) => l.trim().split(/\s+/));
  const d6 = v6.filter((f) => f[0] === '0'.repeat(32) && f[1] === '00' && f[9] && f[9] !== 'lo')
    .sort((a, b) => parseInt(a[5] ?? '0', 16) - parseInt(b[5] ?? '0', 16))[0];
  if (d6) return d6[9]!;
  throw new Error('there is no default route');
}

/** The link whose MAC address is `mac` (case-insensitive), from /sys/class/net. */
export function interfaceForMac(mac: string, sysNet = '/sys/class/net'): string {
  const want = mac.toLowerCase();
  for (const name of readdirSync(sysNet)) {
    let addr = '';
    try {
      addr = readFileSync(`${sysNet}/${name}/address`, 'utf8').trim().toLowerCase();
    } catch {
      continue;
    }
    if (addr === want) return name;
  }
  throw new Error(`no link has the MAC address ${mac}`);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
