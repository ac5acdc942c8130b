// keepalived's firewall, in vipd's own nftables tables (`ip vipd_vrrp`, `ip6 vipd_vrrp`), as
// keepalived 2.2.7 programs its `keepalived` tables (observed with `nft list ruleset`):
// - no_accept: while a master that is not the address owner holds its VIPs, packets to them are
//   dropped on input, and packets from them on output (hook priority filter - 1); IPv6 neighbour
//   discovery passes (the VIPs still resolve: they are there to route through);
// - VMACs: IGMP / MLD reports leaving a VMAC are sent on its interface instead (dup to, then drop),
//   and IPv6 router solicitations from a VMAC are dropped.
// Each change rewrites both tables in one `nft -f` transaction, in order (a crash leaves the last
// ruleset; reset() at the next start removes it). The rules are data (rulesets(), pure).
import { deleteTableRuleset, replaceTableRuleset, runNft, type NftRunner } from '../netif/nftables.js';
import { ipFamily } from '../netif/ip-address.js';
import { VipdError } from '../errors.js';
import type { AcceptFilter } from './instance.js';

export const FILTER_TABLE = 'vipd_vrrp';

export interface FilterState {
  /** Addresses whose traffic is dropped, by instance. */
  blocked: ReadonlyMap<string, readonly string[]>;
  /** VMAC name -> its interface, by family. */
  vmacs: ReadonlyMap<string, { base: string; family: 4 | 6 }>;
}

const q = (name: string) => JSON.stringify(name);

/** The `nft -f` transaction that makes both tables hold `state` (deletes a table left empty). Pure. */
export function filterRuleset(state: FilterState): string {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const table = { family: family === 4 ? 'ip' as const : 'ip6' as const, name: FILTER_TABLE };
    const addrs = [...new Set([...state.blocked.values()].flat().filter((a) => ipFamily(a) === family))].sort();
    const vmacs = [...state.vmacs].filter(([, v]) => v.family === family).sort(([a], [b]) => a.localeCompare(b));
    if (addrs.length === 0 && vmacs.length === 0) {
      out.push(deleteTableRuleset(table));
      continue;
    }
    const ip = family === 4 ? 'ip' : 'ip6';
    const body: string[] = [];
    const input: string[] = [];
    const output: string[] = [];
    if (addrs.length) {
      body.push(`  set vips { type ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'}; elements = { ${addrs.join(', ')} } }`);
      if (family === 6) {
        for (const c of [input, output]) c.push('    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept');
      }
      input.push(`    ${ip} daddr @vips drop`);
      output.push(`    ${ip} saddr @vips drop`);
    }
    if (vmacs.length) {
      body.push(`  map vmac_map { type iface_index : iface_index; elements = { ${vmacs.map(([n, v]) => `${q(n)} : ${q(v.base)}`).join(', ')} } }`);
      if (family === 4) {
        output.push('    ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop');
      } else {
        body.push(`  set vmac_set { type iface_index; elements = { ${vmacs.map(([n]) => q(n)).join(', ')} } }`);
        output.push('    icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop');
        output.push('    icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop');
      }
    }
    if (input.length) body.push('  chain in {', '    type filter hook input priority filter - 1; policy accept;', ...input, '  }');
    body.push('  chain out {', '    type filter hook output priority filter - 1; policy accept;', ...output, '  }');
    out.push(replaceTableRuleset(table, body.join('\n')));
  }
  return out.join('');
}

/** The tables as the router's instances need them; changes are applied one after another. */
export class NftFilter implements AcceptFilter {
  readonly #run: NftRunner;
  readonly #blocked = new Map<string, readonly string[]>();
  readonly #vmacs = new Map<string, { base: string; family: 4 | 6 }>();
  #queue: Promise<void> = Promise.resolve();
  /** A run queued and not started yet: later changes ride on it. */
  #pending: Promise<void> | undefined;

  constructor(run: NftRunner = runNft) {
    this.#run = run;
  }

  block(instance: string, addresses: readonly string[]): Promise<void> {
    this.#blocked.set(instance, [...addresses]);
    return this.#apply();
  }

  unblock(instance: string): Promise<void> {
    if (!this.#blocked.delete(instance)) return this.#queue;
    return this.#apply();
  }

  addVmac(name: string, base: string, family: 4 | 6): Promise<void> {
    this.#vmacs.set(name, { base, family });
    return this.#apply();
  }

  removeVmac(name: string): Promise<void> {
    if (!this.#vmacs.delete(name)) return this.#queue;
    return this.#apply();
  }

  /** Removes both tables whatever they hold (a run that died may have left them). */
  reset(): Promise<void> {
    this.#blocked.clear();
    this.#vmacs.clear();
    return this.#apply();
  }

  /** Each run writes the state as it is when the run starts; changes made before that share it. */
  #apply(): Promise<void> {
    if (this.#pending) return this.#pending;
    const p = this.#queue.then(async () => {
      this.#pending = undefined;
      const ruleset = filterRuleset({ blocked: this.#blocked, vmacs: this.#vmacs });
      const r = await this.#run(ruleset);
      if (r.code !== 0) {
        const why = r.error ?? (r.stderr?.trim() || (r.timedOut ? 'timed out' : `exit ${String(r.code ?? r.signal)}`));
        throw new VipdError('VIPD_ERR_NFT', `nftables table ${FILTER_TABLE}: ${why}`);
      }
    });
    this.#pending = p;
    this.#queue = p.catch(() => undefined);
    return p;
  }
}
