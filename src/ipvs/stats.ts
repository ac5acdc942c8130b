// Service/destination counters, from IPVS_*_ATTR_STATS64 (all 64-bit) or, on kernels before
// 4.1, IPVS_*_ATTR_STATS (32-bit counters and rates, 64-bit byte counts). Kept apart from the
// identity types: the reconciler compares services and destinations, never their counters.
import type { AttributeDecoder } from '../netif/netlink/attributes.js';
import * as C from './constants.js';

export interface Stats {
  conns: bigint;
  inPackets: bigint;
  outPackets: bigint;
  inBytes: bigint;
  outBytes: bigint;
  /** Rates, per second, over the kernel's estimator window. */
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

export function emptyStats(): Stats {
  return { conns: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
}

const fields: Record<number, keyof Stats> = {
  [C.IPVS_STATS_ATTR_CONNS]: 'conns',
  [C.IPVS_STATS_ATTR_INPKTS]: 'inPackets',
  [C.IPVS_STATS_ATTR_OUTPKTS]: 'outPackets',
  [C.IPVS_STATS_ATTR_INBYTES]: 'inBytes',
  [C.IPVS_STATS_ATTR_OUTBYTES]: 'outBytes',
  [C.IPVS_STATS_ATTR_CPS]: 'cps',
  [C.IPVS_STATS_ATTR_INPPS]: 'inPps',
  [C.IPVS_STATS_ATTR_OUTPPS]: 'outPps',
  [C.IPVS_STATS_ATTR_INBPS]: 'inBps',
  [C.IPVS_STATS_ATTR_OUTBPS]: 'outBps',
};

/** Decodes either nest: each value's width comes from its attribute length (4 or 8 bytes). */
export function decodeStats(d: AttributeDecoder): Stats {
  const s = emptyStats();
  while (d.next()) {
    const field = fields[d.type];
    if (field === undefined) continue; // IPVS_STATS_ATTR_PAD and future attributes
    const b = d.bytes();
    if (b.length === 8) s[field] = b.readBigUInt64LE(0);
    else if (b.length === 4) s[field] = BigInt(b.readUInt32LE(0));
  }
  return s;
}
