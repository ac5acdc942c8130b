// The nftables rules that send VIP:apiPort to the userspace proxy, as k0s's iptables rule does
// (`-t nat -A PREROUTING -d VIP -p tcp --dport 6443 -j REDIRECT --to-port 6444`), plus the same in
// nat output so clients on the master itself are balanced too. One vipd-named inet table holds
// both families; it is replaced whole (src/netif/nftables.ts), so the VIPs of the instances that
// are MASTER now are exactly what it redirects.
import { isIPv4 } from 'node:net';
import type { NftTable } from '../netif/nftables.js';

export const PROXY_REDIRECT_TABLE: NftTable = { family: 'inet', name: 'vipd_k0s_proxy' };

/** The table's body (chains and rules), pure. No VIPs: no table at all (the caller deletes it). */
export function redirectRuleset(vips: readonly string[], apiPort: number, proxyPort: number): string {
  const rules = [...new Set(vips)].map((vip) => `    ${isIPv4(vip) ? 'ip' : 'ip6'} daddr ${vip} tcp dport ${apiPort} redirect to :${proxyPort}`);
  // -100 is dstnat's value; nft 1.0.6 accepts the name in prerouting but not in output.
  const chain = (name: string, hook: string) => [
    `  chain ${name} {`,
    `    type nat hook ${hook} priority -100; policy accept;`,
    ...rules,
    '  }',
  ];
  return [...chain('prerouting', 'prerouting'), ...chain('output', 'output')].join('\n');
}
