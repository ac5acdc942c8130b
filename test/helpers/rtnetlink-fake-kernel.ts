// An in-memory rtnetlink kernel behind nltest's FakeTransport (like ipvs-fake-kernel.ts for IPVS):
// links, addresses and IPv6 address labels, decoded and answered with the real codecs, so a real
// RtNetlink client runs against it. `autoLinks` makes any asked-for name exist (an up link with an
// IPv4 and a link-local IPv6 address), for tests that generate interface names.
import { RtNetlink } from '../../src/netif/rtnetlink.js';
import { AttributeEncoder } from '../../src/netif/netlink/attributes.js';
import type { NetlinkMessage } from '../../src/netif/netlink/message.js';
import { decodeLink, encodeIfinfomsg } from '../../src/netif/rtnetlink/link.js';
import { decodeAddress, encodeIfaddrmsg } from '../../src/netif/rtnetlink/address.js';
import { decodeAddressLabel } from '../../src/netif/rtnetlink/addrlabel.js';
import { ipToBytes, macToBytes } from '../../src/netif/ip-address.js';
import {
  RTM_DELADDR, RTM_DELADDRLABEL, RTM_DELLINK, RTM_GETADDR, RTM_GETADDRLABEL, RTM_GETLINK, RTM_NEWADDR, RTM_NEWADDRLABEL, RTM_NEWLINK,
} from '../../src/netif/rtnetlink/constants.js';
import { FakeTransport, ack, done, reply } from './nltest.js';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFF_LOWER_UP = 0x10000;
const errno = { EEXIST: -17, ENODEV: -19, EADDRNOTAVAIL: -99, ENOENT: -2 };

export interface FakeLink { index: number; name: string; mac: string; flags: number; kind?: string }
export interface FakeAddress { ifindex: number; address: string; prefixLength: number; label?: string }

export class FakeRtnetlinkKernel {
  readonly links = new Map<string, FakeLink>();
  readonly addresses: FakeAddress[] = [];
  readonly labels: Array<{ prefix: string; prefixLength: number; label: number }> = [];
  /** Request types seen, in order (RTM_* numbers). */
  readonly requests: number[] = [];
  autoLinks: boolean;
  #next = 2;

  constructor(opts: { autoLinks?: boolean } = {}) {
    this.autoLinks = opts.autoLinks ?? false;
  }

  /** Adds an up link with an IPv4 address (10.99.<index>.1/24) and an IPv6 link-local. */
  addLink(name: string, opts: { kind?: string; up?: boolean; ipv4?: string } = {}): FakeLink {
    const index = this.#next++;
    const link: FakeLink = {
      index, name, mac: `02:00:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`,
      flags: opts.up === false ? 0 : IFF_UP | IFF_RUNNING | IFF_LOWER_UP, ...(opts.kind ? { kind: opts.kind } : {}),
    };
    this.links.set(name, link);
    if (opts.kind !== 'dummy') {
      this.addresses.push({ ifindex: index, address: opts.ipv4 ?? `10.99.${index & 0xff}.1`, prefixLength: 24 });
      this.addresses.push({ ifindex: index, address: `fe80::${index.toString(16)}`, prefixLength: 64 });
    }
    return link;
  }

  addressesOf(name: string): string[] {
    const l = this.links.get(name);
    return l ? this.addresses.filter((a) => a.ifindex === l.index).map((a) => `${a.address}/${a.prefixLength}`) : [];
  }

  /** A real RtNetlink client over this kernel. */
  client(): RtNetlink {
    return RtNetlink.fromTransport(() => new FakeTransport((reqs) => reqs.map((r) => this.#answer(r))));
  }

  #find(which: string | number): FakeLink | undefined {
    for (const l of this.links.values()) if (l.name === which || l.index === which) return l;
    if (typeof which === 'string' && which && this.autoLinks) return this.addLink(which);
    return undefined;
  }

  #answer(r: NetlinkMessage): Buffer {
    this.requests.push(r.header.type);
    const dump = (r.header.flags & 0x300) !== 0;
    switch (r.header.type) {
      case RTM_GETLINK: {
        if (dump) return Buffer.concat([...[...this.links.values()].map((l) => reply(r, RTM_NEWLINK, linkBody(l), true)), done(r)]);
        const q = decodeLink(r);
        const l = this.#find(q.name || q.index);
        return l ? Buffer.concat([reply(r, RTM_NEWLINK, linkBody(l)), ack(r)]) : ack(r, errno.ENODEV);
      }
      case RTM_NEWLINK: {
        const q = decodeLink(r);
        if (!q.name) return ack(r); // set up/down of an index: accepted
        if (this.links.has(q.name)) return ack(r, errno.EEXIST);
        this.addLink(q.name, { kind: q.kind ?? 'dummy', up: false });
        return ack(r);
      }
      case RTM_DELLINK: {
        const q = decodeLink(r);
        const l = this.#find(q.name || q.index);
        if (!l) return ack(r, errno.ENODEV);
        this.links.delete(l.name);
        return ack(r);
      }
      case RTM_GETADDR:
        return Buffer.concat([...this.addresses.map((a) => reply(r, RTM_NEWADDR, addressBody(a), true)), done(r)]);
      case RTM_NEWADDR: {
        const a = decodeAddress(r)!;
        if (![...this.links.values()].some((l) => l.index === a.ifindex)) return ack(r, errno.ENODEV);
        if (this.addresses.some((x) => x.ifindex === a.ifindex && x.address === a.address)) return ack(r, errno.EEXIST);
        this.addresses.push({ ifindex: a.ifindex, address: a.address, prefixLength: a.prefixLength, ...(a.label ? { label: a.label } : {}) });
        return ack(r);
      }
      case RTM_DELADDR: {
        const a = decodeAddress(r)!;
        const i = this.addresses.findIndex((x) => x.ifindex === a.ifindex && x.address === a.address && x.prefixLength === a.prefixLength);
        if (i < 0) return ack(r, errno.EADDRNOTAVAIL);
        this.addresses.splice(i, 1);
        return ack(r);
      }
      case RTM_GETADDRLABEL:
        return done(r);
      case RTM_NEWADDRLABEL: {
        const l = decodeAddressLabel(r);
        if (this.labels.some((x) => x.prefix === l.prefix && x.prefixLength === l.prefixLength)) return ack(r, errno.EEXIST);
        this.labels.push({ prefix: l.prefix, prefixLength: l.prefixLength, label: l.label });
        return ack(r);
      }
      case RTM_DELADDRLABEL: {
        const l = decodeAddressLabel(r);
        const i = this.labels.findIndex((x) => x.prefix === l.prefix && x.prefixLength === l.prefixLength);
        if (i < 0) return ack(r, errno.ENOENT);
        this.labels.splice(i, 1);
        return ack(r);
      }
      default:
        return ack(r, -95); // EOPNOTSUPP
    }
  }
}

function linkBody(l: FakeLink): Buffer {
  const e = new AttributeEncoder().string(3, l.name).bytes(1, macToBytes(l.mac)).uint32(4, 1500).uint8(16, l.flags & IFF_RUNNING ? 6 : 2);
  if (l.kind) e.nested(18, (i) => i.string(1, l.kind!));
  return Buffer.concat([encodeIfinfomsg({ index: l.index, flags: l.flags }), e.encode()]);
}

function addressBody(a: FakeAddress): Buffer {
  const v6 = a.address.includes(':');
  const bytes = ipToBytes(a.address);
  const scope = v6 && a.address.startsWith('fe80') ? 253 : 0;
  const e = new AttributeEncoder().bytes(2, bytes).bytes(1, bytes);
  if (a.label) e.string(3, a.label);
  return Buffer.concat([encodeIfaddrmsg({ family: v6 ? 10 : 2, prefixLength: a.prefixLength, scope, index: a.ifindex }), e.encode()]);
}
