// VRRP adverts (any version, IPv4 and IPv6) decoded out of the Ethernet frames of a capture.
import type { CapturedPacket } from '../../src/lab/pcap.js';
import { parseIpv4Packet, parseVrrpMessage, type ReceivedAdvertisement } from '../../src/vrrp/packet.js';
import { bytesToIp } from '../../src/netif/ip-address.js';

export interface CapturedAdvert {
  time: number;
  srcMac: string;
  advert: ReceivedAdvertisement;
}

/** VRRP adverts (valid ones, any version) in Ethernet frames from a capture. */
export function vrrpAdverts(packets: CapturedPacket[]): CapturedAdvert[] {
  const out: CapturedAdvert[] = [];
  for (const p of packets) {
    const f = p.data;
    if (f.length < 14) continue;
    const srcMac = [...f.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const type = f.readUInt16BE(12);
    if (type === 0x0800) {
      const r = parseIpv4Packet(f.subarray(14), { checksum: 'either' });
      if (r.ok) out.push({ time: p.time, srcMac, advert: r.advert });
    } else if (type === 0x86dd && f.length >= 54 && f[14 + 6] === 112) {
      const ip = f.subarray(14);
      const len = ip.readUInt16BE(4);
      const r = parseVrrpMessage(ip.subarray(40, 40 + len), { family: 6, source: bytesToIp(ip.subarray(8, 24)), destination: bytesToIp(ip.subarray(24, 40)), ttl: ip[7]! });
      if (r.ok) out.push({ time: p.time, srcMac, advert: r.advert });
    }
  }
  return out;
}
