// The host's network interfaces as the config check needs them, in the caller's network
// namespace: /proc/self/net/dev lists every link (up or down, with or without addresses);
// os.networkInterfaces() gives the addresses.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** Names of the links of this network namespace. */
export function linkNames(procNetDev = '/proc/self/net/dev'): Set<string> {
  const names = new Set<string>();
  let text = '';
  try {
    text = readFileSync(procNetDev, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n').slice(2)) {
    const name = line.split(':')[0]?.trim();
    if (name) names.add(name);
  }
  return names;
}

/** The MTU of a link of this network namespace, if it exists. */
export function interfaceMtu(ifname: string, sysClassNet = '/sys/class/net'): number | undefined {
  if (!/^[^/\0]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..') return undefined;
  try {
    const mtu = Number(readFileSync(`${sysClassNet}/${ifname}/mtu`, 'utf8').trim());
    return Number.isInteger(mtu) && mtu > 0 ? mtu : undefined;
  } catch {
    return undefined;
  }
}

/** The interface that holds `address`, if any. */
export function interfaceOfAddress(address: string): string | undefined {
  const want = address.toLowerCase();
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => a.address.toLowerCase() === want)) return name;
  }
  return undefined;
}
