// Classic pcap files (what `tcpdump -w` writes) to packets: pure, no tcpdump needed.

export interface CapturedPacket {
  /** Seconds since the epoch (with microseconds). */
  time: number;
  /** Link-layer frame (Ethernet) as captured. */
  data: Buffer;
}

/** Classic pcap (not pcapng): 24-byte global header, then 16-byte record headers. */
export function parsePcap(b: Buffer): CapturedPacket[] {
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: CapturedPacket[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > b.length) break; // partial last record
    out.push({ time: sec + frac / (nano ? 1e9 : 1e6), data: Buffer.from(b.subarray(off + 16, off + 16 + incl)) });
    off += 16 + incl;
  }
  return out;
}
