// Addresses on lab nodes, as `ip -j address` reports them: who holds a VIP.
import type { LabNode } from '../../src/lab/lan.js';

/** Addresses on a node's eth0 (or another device) as "address/prefix". */
export async function addressesOf(n: LabNode, dev = 'eth0'): Promise<string[]> {
  const r = await n.exec(['ip', '-j', 'addr', 'show', 'dev', dev]);
  if (r.code !== 0) return [];
  const j = JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

export async function hasAddress(n: LabNode, address: string, dev = 'eth0'): Promise<boolean> {
  return (await addressesOf(n, dev)).some((a) => a.startsWith(`${address}/`));
}

/** Names of the nodes holding `vip`. */
export async function vipHolders(nodes: LabNode[], vip: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) if (await hasAddress(n, vip)) out.push(n.name);
  return out;
}
