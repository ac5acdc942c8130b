// Kernel receive timestamps: SCM_TIMESTAMPNS out of the control data (layout of struct cmsghdr +
// struct timespec, <linux/socket.h>, 64-bit), and ReceiveTimes, which maps them to performance.now()
// and refuses them across a step of the realtime clock. Pure: no sockets.
import t from 'tap';
import { parseControl } from '../../src/netif/cmsg.js';
import { PERFORMANCE_ORIGIN_MS, ReceiveTimes } from '../../src/netif/receive-time.js';

/** One cmsghdr { size_t len; int level; int type; } + data, padded to 8 bytes. */
function cmsg(level: number, type: number, data: Buffer): Buffer {
  const b = Buffer.alloc((16 + data.length + 7) & ~7);
  b.writeBigUInt64LE(BigInt(16 + data.length), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  data.copy(b, 16);
  return b;
}

t.test('SCM_TIMESTAMPNS (SOL_SOCKET 1, type 35): struct timespec as realtime ms, beside IP_PKTINFO and IP_TTL', async (t) => {
  const ts = Buffer.alloc(16);
  ts.writeBigInt64LE(1_796_196_656n, 0); // tv_sec
  ts.writeBigInt64LE(81_324_200n, 8); // tv_nsec
  const pktinfo = Buffer.alloc(12);
  pktinfo.writeInt32LE(3, 0);
  Buffer.from([224, 0, 0, 18]).copy(pktinfo, 8);
  const ttl = Buffer.alloc(4);
  ttl.writeInt32LE(255, 0);
  const info = parseControl(Buffer.concat([cmsg(1, 35, ts), cmsg(0, 8, pktinfo), cmsg(0, 2, ttl)]));
  t.equal(info.ifindex, 3);
  t.equal(info.destination, '224.0.0.18');
  t.equal(info.ttl, 255);
  t.ok(Math.abs(info.kernelTimeMs! - 1_796_196_656_081.3242) < 1e-3, `${info.kernelTimeMs} ms`);
  t.equal(parseControl(cmsg(1, 35, Buffer.alloc(8))).kernelTimeMs, undefined, 'a short timespec is ignored');
});

t.test('ReceiveTimes: kernel time minus the clock offset, on performance.now(), kept within the read', async (t) => {
  const OFFSET = 1_796_000_000_000; // realtime - monotonic, ms
  const kernel = (perf: number, offset = OFFSET) => perf + PERFORMANCE_ORIGIN_MS + offset;
  const r = new ReceiveTimes(100);
  r.read(200, 201, OFFSET, true);
  t.ok(Math.abs(r.arrival(kernel(150), OFFSET)! - 150) < 1e-3, 'arrival 150');
  t.equal(r.arrival(kernel(90), OFFSET), 100, 'not before the queue was last seen empty (here: the socket opened)');
  t.equal(r.arrival(kernel(205), OFFSET), 201, 'not after the read returned');
  r.read(300, 301, OFFSET + 0.0004, false);
  t.equal(r.arrival(kernel(150), OFFSET), 200, 'the previous read found the queue empty at 200: nothing read now came before');
});

t.test('ReceiveTimes: a step of the realtime clock since the queue was last empty makes receive times unknown', async (t) => {
  const OFFSET = 1_796_000_000_000;
  const r = new ReceiveTimes(0);
  r.read(10, 11, OFFSET, true);
  // The clock jumps 1 s forward while a packet waits: stamped on the old scale, read with the new offset.
  r.read(500, 501, OFFSET + 1000, true);
  t.equal(r.arrival(OFFSET + PERFORMANCE_ORIGIN_MS + 400, OFFSET + 1000), undefined, 'stepped forward: unknown (never early)');
  // From the next read on the new offset is the known one.
  r.read(600, 601, OFFSET + 1000, true);
  t.ok(Math.abs(r.arrival(OFFSET + 1000 + PERFORMANCE_ORIGIN_MS + 550, OFFSET + 1000)! - 550) < 1e-3);
  r.read(700, 701, OFFSET - 5000, false);
  t.equal(r.arrival(OFFSET - 5000 + PERFORMANCE_ORIGIN_MS + 650, OFFSET - 5000), undefined, 'stepped back: unknown');
  r.empty(800);
  r.read(900, 901, OFFSET - 5000, false);
  t.ok(Math.abs(r.arrival(OFFSET - 5000 + PERFORMANCE_ORIGIN_MS + 850, OFFSET - 5000)! - 850) < 1e-3, 'an empty read takes the latest offset');
});
