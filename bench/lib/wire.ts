// What a capture on the LAN says about a takeover: VRRP adverts (by source address: FRR sends
// every router's adverts from the same virtual MAC) and gratuitous ARPs (by sender MAC).
import type { CapturedPacket } from '../../src/lab/netns-lab.js';
import { parseIpv4Packet } from '../../src/vrrp/packet.js';
import { decodeArp } from '../../src/netif/arp.js';

export interface WireAdvert { time: number; srcMac: string; srcIp: string; vrid: number; priority: number }
export interface WireGarp { time: number; senderMac: string; ip: string }

function mac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Times in epoch ms. */
export function decodeWire(packets: CapturedPacket[]): { adverts: WireAdvert[]; garps: WireGarp[] } {
  const adverts: WireAdvert[] = [];
  const garps: WireGarp[] = [];
  for (const p of packets) {
    const f = p.data;
    if (f.length < 14) continue;
    const type = f.readUInt16BE(12);
    const time = p.time * 1000;
    if (type === 0x0800) {
      const r = parseIpv4Packet(f.subarray(14), { checksum: 'either' });
      if (r.ok) adverts.push({ time, srcMac: mac(f.subarray(6, 12)), srcIp: [...f.subarray(26, 30)].join('.'), vrid: r.advert.vrid, priority: r.advert.priority });
    } else if (type === 0x0806) {
      try {
        const a = decodeArp(f);
        if (a.senderIp === a.targetIp) garps.push({ time, senderMac: a.senderMac, ip: a.senderIp });
      } catch {
        // not an Ethernet/IPv4 ARP
      }
    }
  }
  return { adverts, garps };
}

export interface Takeover {
  /** Reference instant on the wire (or the fault instant where the wire has none), epoch ms. */
  reference?: number;
  firstAdvert?: number;
  firstGarp?: number;
}

/**
 * The takeover as the LAN saw it, after the fault at `fault`:
 *  cut/graceful: the old master's last advert before the new one's first;
 *  tracking: the old master's first advert with the lowered priority;
 *  preempt: no wire reference (a link coming up sends nothing): the fault instant.
 */
export function takeoverOnWire(
  wire: { adverts: WireAdvert[]; garps: WireGarp[] },
  o: {
    fault: number; until: number;
    /** Source addresses of the old and the new master's adverts. */
    oldIp: string; newIp: string;
    /** The MAC the new master's gratuitous ARPs come from (its own, or the virtual MAC). */
    newGarpMac: string;
    vrid: number; vip: string; kind: 'cut' | 'graceful' | 'tracking' | 'preempt'; basePriority: number;
  },
): Takeover {
  const adv = wire.adverts.filter((a) => a.vrid === o.vrid && a.time <= o.until);
  const firstNew = adv.find((a) => a.srcIp === o.newIp && a.time > o.fault && a.priority > 0);
  const firstGarp = wire.garps.find((g) => g.senderMac === o.newGarpMac && g.ip === o.vip && g.time > o.fault && g.time <= o.until);
  let reference: number | undefined;
  if (o.kind === 'preempt') reference = o.fault;
  else if (o.kind === 'tracking') reference = adv.find((a) => a.srcIp === o.oldIp && a.time > o.fault - 1 && a.priority < o.basePriority)?.time;
  else {
    const before = adv.filter((a) => a.srcIp === o.oldIp && a.time < (firstNew?.time ?? o.until) && a.time > o.fault - 5000);
    reference = before[before.length - 1]?.time;
  }
  return { ...(reference !== undefined ? { reference } : {}), ...(firstNew ? { firstAdvert: firstNew.time } : {}), ...(firstGarp ? { firstGarp: firstGarp.time } : {}) };
}
