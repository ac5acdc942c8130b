// Linux capabilities the daemon needs, checked before anything is touched so a missing one is a
// clear error (naming it) rather than an EPERM from the middle of start-up.
import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;

const NAMES: Record<number, string> = { [CAP_NET_ADMIN]: 'CAP_NET_ADMIN', [CAP_NET_RAW]: 'CAP_NET_RAW' };

/** Effective capability set of this process (CapEff in /proc/self/status). */
export function effectiveCapabilities(status = '/proc/self/status'): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(status, 'utf8'));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

/** Names of the wanted capabilities missing from `effective`. */
export function missingCapabilities(wanted: number[], effective: bigint): string[] {
  return wanted.filter((c) => (effective & (1n << BigInt(c))) === 0n).map((c) => NAMES[c] ?? `capability ${c}`);
}

/** VRRP: addresses and raw protocol-112 sockets; IPVS: generic netlink writes (NET_ADMIN). */
export function requiredCapabilities(opts: { vrrpOnly: boolean; checkOnly: boolean }): number[] {
  if (opts.checkOnly) return [CAP_NET_ADMIN];
  return [CAP_NET_ADMIN, CAP_NET_RAW];
}
