// Micro-measurement of one instance's receive path (datagram -> validation -> state machine -> timer
// re-arm), without sockets: a backup fed its master's adverts. Prints ns per receive and bytes
// allocated per receive (young-generation growth with a semi-space large enough that no scavenge runs).
//
//   node --min-semi-space-size=512 --max-semi-space-size=512 --expose-gc dist/bench/receive-micro.js
import { VrrpInstance, type Clock, type InstanceConfig } from '../src/vrrp/instance.js';
import type { VrrpChannel, VrrpDatagram } from '../src/vrrp/channel.js';
import { encodeAdvertisement } from '../src/vrrp/packet.js';
import { passwordAuthData } from '../src/vrrp/auth.js';
import type { Advertisement } from '../src/vrrp/types.js';

let t = 0;
const clock: Clock = { now: () => t, setTimeout: () => 1, clearTimeout: () => undefined };
const channel = { send: () => true, drain: () => 0 } as unknown as VrrpChannel;
const env = {
  channel,
  link: { ifindex: 2, name: 'eth0', mac: '02:00:00:00:00:02' },
  links: new Map(),
  primaryAddress: '10.0.0.2',
  addresses: { addAddress: async () => undefined, deleteAddress: async () => undefined },
  announce: { gratuitousArp: () => undefined, unsolicitedNa: () => undefined },
  clock,
};

function ipv4(adv: Advertisement, source: string, destination = '224.0.0.18'): Buffer {
  const payload = encodeAdvertisement(adv, { source, destination });
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = 255;
  h[9] = 112;
  Buffer.from(source.split('.').map(Number)).copy(h, 12);
  Buffer.from(destination.split('.').map(Number)).copy(h, 16);
  return Buffer.concat([h, payload]);
}

interface Case { name: string; cfg: InstanceConfig; datagram: VrrpDatagram }

const base = {
  interface: 'eth0', priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: true,
  virtualAddresses: [{ address: '10.0.0.100', prefixLength: 24 }],
};
const dg = (data: Buffer): VrrpDatagram => ({ data, family: 4, source: '10.0.0.1', destination: '224.0.0.18', ttl: 255, ifindex: 2, truncated: false });
const cases: Case[] = [
  {
    name: 'v3 IPv4, 1 VIP',
    cfg: { ...base, name: 'v3', vrid: 51, version: 3, family: 4 },
    datagram: dg(ipv4({ version: 3, vrid: 51, priority: 200, advertIntervalCs: 100, family: 4, addresses: ['10.0.0.100'] }, '10.0.0.1')),
  },
  {
    name: 'v2 IPv4 PASS, 1 VIP',
    cfg: { ...base, name: 'v2', vrid: 52, version: 2, family: 4, authPass: 'secret' },
    datagram: dg(ipv4({ version: 2, vrid: 52, priority: 200, advertIntervalCs: 100, family: 4, addresses: ['10.0.0.100'], authType: 1, authData: passwordAuthData('secret') }, '10.0.0.1')),
  },
];

const gc = (globalThis as { gc?: () => void }).gc;

for (const c of cases) {
  const inst = new VrrpInstance(c.cfg, env as never);
  await inst.start();
  const N = 200_000;
  for (let i = 0; i < N; i++) { t += 1; inst.receive(c.datagram); } // warm up (JIT)
  const ALLOC_N = 20_000;
  gc?.();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < ALLOC_N; i++) { t += 1; inst.receive(c.datagram); }
  const bytes = (process.memoryUsage().heapUsed - h0) / ALLOC_N;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = process.hrtime.bigint();
    for (let i = 0; i < N; i++) { t += 1; inst.receive(c.datagram); }
    runs.push(Number(process.hrtime.bigint() - s) / N);
  }
  runs.sort((a, b) => a - b);
  if (inst.state !== 'backup' || inst.stats.rcvdAdvertisements < N) throw new Error(`${c.name}: adverts were not accepted`);
  process.stdout.write(`${c.name.padEnd(22)} ${runs[2]!.toFixed(0).padStart(6)} ns/receive (best ${runs[0]!.toFixed(0)})  ${gc ? `${bytes.toFixed(0).padStart(5)} B/receive` : '(run with --expose-gc for bytes)'}\n`);
  await inst.stop();
}
