// k0s host setup around VRRP: every VIP on dummyvip0 as /32 or /128 (LVS-DR real servers accept VIP
// traffic), the LVS-DR ARP settings on the VRRP interfaces, address labels for IPv6 VIPs.
// hostSetup/hostChanges are pure; K0sHost applies them (idempotent adds, so a reload also repairs).
import type { Logger } from 'pino';
import type { VipdConfig } from '../config/types.js';
import type { DaemonDeps } from './deps.js';

export interface HostAddress { link: string; address: string; prefixLength: number }
export interface HostLabel { prefix: string; prefixLength: number; label: number }

export interface HostSetup {
  /** The dummy link holding every VIP (never brought up). */
  dummyLink?: string;
  addresses: HostAddress[];
  /** Interfaces that get arp_ignore=1 / arp_announce=2. */
  arpInterfaces: string[];
  labels: HostLabel[];
}

export interface HostChanges {
  /** Applied whole each time (every step is idempotent). */
  setup: HostSetup;
  removeAddresses: HostAddress[];
  removeLabels: HostLabel[];
}

export function hostSetup(config: VipdConfig): HostSetup {
  const setup: HostSetup = { addresses: [], arpInterfaces: [], labels: [] };
  const k = config.k0s;
  if (!k) return setup;
  const vips = config.vrrpInstances.flatMap((i) => i.virtualIpAddresses.map((v) => ({ instance: i.name, ...v })));
  if (k.dummyVipInterface) {
    setup.dummyLink = k.dummyVipInterface;
    const seen = new Set<string>();
    for (const v of vips) {
      if (seen.has(v.address)) continue;
      seen.add(v.address);
      setup.addresses.push({ link: k.dummyVipInterface, address: v.address, prefixLength: v.family === 6 ? 128 : 32 });
    }
    // The VIPs on dummyvip0 are local on every controller, so with Linux's defaults every controller
    // answers ARP for them and clients bypass IPVS (measured: bench/README.md). LVS-DR's usual
    // settings on the VRRP interfaces leave the answering to the master, which holds the VIP there.
    setup.arpInterfaces = [...new Set(config.vrrpInstances.map((i) => i.interface))];
  }
  for (const v of vips) {
    const label = k.ipv6AddressLabels[v.instance];
    if (v.family === 6 && label !== undefined) setup.labels.push({ prefix: v.address, prefixLength: 128, label });
  }
  return setup;
}

const addressKey = (a: HostAddress) => `${a.link}/${a.address}/${a.prefixLength}`;
const labelKey = (l: HostLabel) => `${l.prefix}/${l.prefixLength}/${l.label}`;

export function hostChanges(old: HostSetup | undefined, next: HostSetup): HostChanges {
  const keepA = new Set(next.addresses.map(addressKey));
  const keepL = new Set(next.labels.map(labelKey));
  return {
    setup: next,
    removeAddresses: (old?.addresses ?? []).filter((a) => !keepA.has(addressKey(a))),
    removeLabels: (old?.labels ?? []).filter((l) => !keepL.has(labelKey(l))),
  };
}

/** A name the kernel could have given a link: it goes into a /proc/sys path. */
const LINK_NAME = /^(?!\.\.?$)[^/\s]{1,15}$/;

export class K0sHost {
  #deps: Pick<DaemonDeps, 'hostNetlink' | 'writeSysctl'>;
  #log: Logger;

  constructor(deps: Pick<DaemonDeps, 'hostNetlink' | 'writeSysctl'>, log: Logger) {
    this.#deps = deps;
    this.#log = log;
  }

  async apply(c: HostChanges): Promise<void> {
    const { setup } = c;
    if (!setup.dummyLink && !setup.labels.length && !c.removeAddresses.length && !c.removeLabels.length) return;
    const nl = this.#deps.hostNetlink();
    if (setup.dummyLink) {
      await nl.createLink({ name: setup.dummyLink, kind: 'dummy' }, { exist: 'ok' });
      const link = await nl.link(setup.dummyLink);
      for (const a of setup.addresses) {
        await nl.addAddress({ ifindex: link.index, address: a.address, prefixLength: a.prefixLength, noDad: true }, { exist: 'ok' });
      }
    }
    for (const a of c.removeAddresses) {
      try {
        const link = await nl.link(a.link);
        await nl.deleteAddress({ ifindex: link.index, address: a.address, prefixLength: a.prefixLength }, { missing: 'ok' });
      } catch (err) {
        this.#log.warn(`${a.link}: removing ${a.address}/${a.prefixLength}: ${(err as Error).message}`);
      }
    }
    for (const ifname of setup.arpInterfaces) this.#lvsDrArp(ifname);
    for (const l of setup.labels) await nl.addAddressLabel(l, { exist: 'ok' });
    for (const l of c.removeLabels) {
      await nl.deleteAddressLabel(l, { missing: 'ok' }).catch((err: Error) => this.#log.warn(`address label ${l.prefix}: ${err.message}`));
    }
  }

  /** arp_ignore=1 (answer only for addresses of the asking interface), arp_announce=2 (best local source). */
  #lvsDrArp(ifname: string): void {
    if (!LINK_NAME.test(ifname)) {
      this.#log.warn(`interface ${JSON.stringify(ifname)} is not a link name; its ARP settings are left alone`);
      return;
    }
    for (const [key, value] of [['arp_ignore', '1'], ['arp_announce', '2']] as const) {
      const sysctl = `net/ipv4/conf/${ifname}/${key}`;
      try {
        this.#deps.writeSysctl(sysctl, value);
      } catch (err) {
        this.#log.warn(`/proc/sys/${sysctl}: ${(err as Error).message}; every controller may answer ARP for the VIPs (LVS-DR)`);
      }
    }
  }
}
