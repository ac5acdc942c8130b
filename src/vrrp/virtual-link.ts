// keepalived use_vmac / use_ipvlan: the link an instance runs on instead of its interface.
//
// A VMAC is a macvlan (mode private) of the interface with the virtual router MAC; the VIPs go on it,
// and adverts and GARPs leave with that MAC (unless vmac_xmit_base: adverts use the interface). An
// ipvlan (L2) shares the interface's MAC and holds an address of its own. What keepalived 2.2.7 sets
// (observed with `sysctl -a` before and after):
//   IPv4 VMAC     arp_ignore 1, accept_local 1, rp_filter 0, promote_secondaries 1 on the VMAC, IPv6
//                 off there (disable_ipv6 1, addr_gen_mode none); arp_ignore 1, arp_filter 1 on the
//                 interface (left set at exit, as keepalived); with net.ipv4.conf.all.rp_filter > 0:
//                 every interface and `default` get max(theirs, all), then all 0; restored at exit.
//   IPv6 VMAC     addr_gen_mode none, and the interface's link-local address (adverts come from it).
// A link of that name left by a run that died is replaced; ours are deleted when the instance stops.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { VipdError } from '../errors.js';
import type { CreateLinkSpec, IpvlanMode, Link } from '../netif/rtnetlink/link.js';
import type { ResolvedInstanceConfig } from './instance-config.js';
import { vmacAddress } from './instance-config.js';

/** What the module needs of rtnetlink (RtNetlink implements it). */
export interface LinkOps {
  link(which: string | number): Promise<Link>;
  links(): Promise<Link[]>;
  createLink(spec: CreateLinkSpec): Promise<void>;
  deleteLink(which: string | number, opts?: { missing?: 'ok' | 'error' }): Promise<void>;
  setLinkUp(ifindex: number, up: boolean): Promise<void>;
  addAddress(a: { ifindex: number; address: string; prefixLength: number; noDad?: boolean }, opts?: { exist?: 'ok' | 'error' }): Promise<void>;
}

/** /proc/sys, by key ("net/ipv4/conf/eth0/arp_ignore"). */
export interface SysctlOps {
  /** The value, trimmed; undefined when there is no such key. */
  read(key: string): string | undefined;
  write(key: string, value: string): void;
  /** The entries of a directory ("net/ipv4/conf": the interfaces, all, default). */
  list(dir: string): string[];
}

/** The host's /proc/sys. */
export const procSysctl: SysctlOps = {
  read: (key) => {
    try {
      return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
    } catch {
      return undefined;
    }
  },
  write: (key, value) => writeFileSync(`/proc/sys/${key}`, value),
  list: (dir) => readdirSync(`/proc/sys/${dir}`),
};

export interface VirtualLinkSpec {
  kind: 'macvlan' | 'ipvlan';
  name: string;
  family: 4 | 6;
  /** macvlan: the virtual router MAC. */
  mac?: string;
  mode: 'private' | IpvlanMode;
  /** ipvlan: its own address. */
  address?: { address: string; prefixLength: number };
  /** Adverts go out (and come in) on the interface, not on this link. */
  xmitBase: boolean;
}

/** The link an instance asks for, or undefined. Pure. */
export function virtualLinkOf(c: ResolvedInstanceConfig, prefix = 'vrrp'): VirtualLinkSpec | undefined {
  if (c.vmac) {
    return {
      kind: 'macvlan', name: c.vmac.name ?? `${prefix}.${c.vrid}`, family: c.family, mac: vmacAddress(c.vmac.mac, c.vrid, c.family),
      mode: 'private', xmitBase: c.vmac.xmitBase ?? false,
    };
  }
  if (c.ipvlan) {
    const a = c.ipvlan.address;
    const slash = a?.indexOf('/') ?? -1;
    return {
      kind: 'ipvlan', name: c.ipvlan.name ?? `${prefix}.${c.vrid}`, family: c.family, mode: c.ipvlan.mode ?? 'bridge', xmitBase: false,
      ...(a ? { address: { address: slash < 0 ? a : a.slice(0, slash), prefixLength: slash < 0 ? (c.family === 4 ? 32 : 128) : Number(a.slice(slash + 1)) } } : {}),
    };
  }
  return undefined;
}

/** The sysctls of one link and of its interface, in the order to write them. Pure. */
export function linkSysctls(spec: VirtualLinkSpec, base: string): Array<[string, string]> {
  const on = (f: 4 | 6, dev: string, key: string, v: string): [string, string] => [`net/ipv${f}/conf/${dev}/${key}`, v];
  if (spec.family === 6) return [on(6, spec.name, 'addr_gen_mode', '1')];
  return [
    on(6, spec.name, 'addr_gen_mode', '1'),
    on(6, spec.name, 'disable_ipv6', '1'),
    on(4, spec.name, 'arp_ignore', '1'),
    on(4, spec.name, 'accept_local', '1'),
    on(4, spec.name, 'rp_filter', '0'),
    on(4, spec.name, 'promote_secondaries', '1'),
    on(4, base, 'arp_ignore', '1'),
    on(4, base, 'arp_filter', '1'),
  ];
}

/** Creates, tracks and removes the instances' VMACs and ipvlans. */
export class VirtualLinks {
  readonly #rt: LinkOps;
  readonly #sysctl: SysctlOps;
  readonly #ours = new Map<string, number>();
  /** rp_filter values to put back when the last IPv4 link goes (keepalived restores them at exit). */
  #rpFilter: Array<[string, string]> | undefined;

  constructor(rt: LinkOps, sysctl: SysctlOps) {
    this.#rt = rt;
    this.#sysctl = sysctl;
  }

  /** The link for `spec` on `base`, created fresh (a stale one of ours is replaced). */
  async create(spec: VirtualLinkSpec, base: Link, linkLocal?: string): Promise<Link> {
    if (this.#ours.has(spec.name)) throw new VipdError('VIPD_ERR_DUPLICATE', `interface ${spec.name} is already used by another VRRP instance`);
    const existing = await this.#rt.link(spec.name).catch(() => undefined);
    if (existing) {
      // Ours from a run that died (same kind, same parent): replaced, so nothing of it survives.
      if (existing.kind !== spec.kind || existing.parent !== base.index) {
        throw new VipdError('VIPD_ERR_LINK_EXISTS', `interface ${spec.name} exists and is not a ${spec.kind} of ${base.name}; name the ${spec.kind === 'macvlan' ? 'VMAC' : 'ipvlan'} otherwise`);
      }
      await this.#rt.deleteLink(existing.index, { missing: 'ok' });
    }
    await this.#rt.createLink({ name: spec.name, kind: spec.kind, parent: base.index, mode: spec.mode, ...(spec.mac ? { mac: spec.mac } : {}) });
    const link = await this.#rt.link(spec.name);
    this.#ours.set(spec.name, link.index);
    try {
      if (spec.family === 4) this.#spreadRpFilter();
      for (const [k, v] of linkSysctls(spec, base.name)) this.#sysctl.write(k, v);
      await this.#rt.setLinkUp(link.index, true);
      if (spec.address) await this.#rt.addAddress({ ifindex: link.index, ...spec.address }, { exist: 'ok' });
      if (spec.family === 6 && linkLocal) await this.#rt.addAddress({ ifindex: link.index, address: linkLocal, prefixLength: 64, noDad: true }, { exist: 'ok' });
      return await this.#rt.link(link.index);
    } catch (err) {
      await this.remove(spec.name).catch(() => undefined);
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    const index = this.#ours.get(name);
    if (index === undefined) return;
    this.#ours.delete(name);
    await this.#rt.deleteLink(index, { missing: 'ok' });
    if (this.#ours.size === 0) this.#restoreRpFilter();
  }

  /** keepalived: with all.rp_filter on, each interface keeps the stricter value and `all` goes to 0 (a VMAC needs that). */
  #spreadRpFilter(): void {
    if (this.#rpFilter) return;
    const all = Number(this.#sysctl.read('net/ipv4/conf/all/rp_filter') ?? '0');
    if (!(all > 0)) return;
    const saved: Array<[string, string]> = [['net/ipv4/conf/all/rp_filter', String(all)]];
    for (const dev of this.#sysctl.list('net/ipv4/conf')) {
      if (dev === 'all') continue;
      const key = `net/ipv4/conf/${dev}/rp_filter`;
      const v = Number(this.#sysctl.read(key) ?? '0');
      if (v >= all) continue;
      saved.push([key, String(v)]);
      this.#sysctl.write(key, String(all));
    }
    this.#sysctl.write('net/ipv4/conf/all/rp_filter', '0');
    this.#rpFilter = saved;
  }

  #restoreRpFilter(): void {
    const saved = this.#rpFilter;
    this.#rpFilter = undefined;
    for (const [k, v] of saved ?? []) {
      try {
        this.#sysctl.write(k, v);
      } catch {
        // an interface gone since: nothing to restore there
      }
    }
  }
}
