// Receive path of src/netif/socket.ts: what a flood of datagrams costs, one recvmsg per datagram
// (how Socket.start() read before) against one recvmmsg per batch (how it reads now).
//
//   node dist/bench/socket-receive.js [--packets 100000] [--size 64]     (root: runs in its own netns)
//
// drain: the socket's queue is filled first (10,000 at a time), then read to the end, so the
// figure is the receive cost alone. flood: a separate sender process sends as fast as it can
// while the socket is started; CPU is this process's (user+system) per datagram delivered.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Socket } from '../src/netif/socket.js';
import { nativeAddon } from '../src/netif/native.js';
import { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUFFORCE } from '../src/netif/constants.js';

const IPPROTO_UDP = 17;
const LO = '127.0.0.1';
const CHUNK = 10_000;
const INNER = 'VIPD_BENCH_NETNS';
const self = fileURLToPath(import.meta.url);

type Mode = 'recvmsg' | 'recvmmsg';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function udp(rcvbuf: number): { sock: Socket; port: number } {
  const sock = Socket.open(AF_INET, SOCK_DGRAM, IPPROTO_UDP, { maxLen: 2048 });
  sock.setOption(SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf);
  sock.bind({ family: 'inet', address: LO, port: 0 });
  const a = sock.localAddress();
  return { sock, port: a?.family === 'inet' ? a.port ?? 0 : 0 };
}

/** The pre-recvmmsg Socket.start(): per readiness, receive() until empty or 64 datagrams. */
function startOneByOne(sock: Socket, onMessage: () => void): () => void {
  const native = nativeAddon();
  const watch = native.watch(sock.fd, () => {
    for (let i = 0; i < 64; i++) {
      if (!sock.receive()) break;
      onMessage();
    }
  });
  return () => native.unwatch(watch);
}

function startDelivery(mode: Mode, sock: Socket, onMessage: () => void): () => void {
  if (mode === 'recvmsg') return startOneByOne(sock, onMessage);
  sock.on('message', onMessage);
  sock.start(64);
  return () => sock.stop();
}

interface Result { mode: Mode; bench: string; packets: number; seconds: number; cpuUs: number }

async function drain(mode: Mode, packets: number, size: number): Promise<Result> {
  const { sock, port } = udp(64 << 20);
  const tx = udp(1 << 20).sock;
  const payload = Buffer.alloc(size, 7);
  const dest = { family: 'inet' as const, address: LO, port };
  let seconds = 0;
  let cpuUs = 0;
  for (let done = 0; done < packets; done += CHUNK) {
    const n = Math.min(CHUNK, packets - done);
    for (let i = 0; i < n; i++) if (!tx.send(payload, dest)) throw new Error('send buffer full');
    let got = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      const stop = startDelivery(mode, sock, () => {
        if (++got === n) {
          stop();
          resolve();
        }
      });
    });
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    sock.removeAllListeners('message');
  }
  sock.close();
  tx.close();
  return { mode, bench: 'drain', packets, seconds, cpuUs };
}

async function flood(mode: Mode, packets: number, size: number): Promise<Result> {
  const { sock, port } = udp(4 << 20);
  let got = 0;
  let first = 0n;
  let last = 0n;
  const cpu0 = process.cpuUsage();
  const stop = startDelivery(mode, sock, () => {
    last = process.hrtime.bigint();
    if (got++ === 0) first = last;
  });
  const sender = spawn(process.execPath, [self, 'send', String(port), String(packets), String(size)], { stdio: 'inherit' });
  await new Promise((r) => sender.on('exit', r));
  await new Promise((r) => setTimeout(r, 200)); // the tail of the queue
  const cpu = process.cpuUsage(cpu0);
  stop();
  sock.close();
  return { mode, bench: 'flood', packets: got, seconds: Number(last - first) / 1e9, cpuUs: cpu.user + cpu.system };
}

/** The flood's sender: bursts of 256 datagrams, yielding to its loop in between. */
async function send(port: number, packets: number, size: number): Promise<void> {
  const tx = udp(1 << 20).sock;
  const payload = Buffer.alloc(size, 7);
  const dest = { family: 'inet' as const, address: LO, port };
  for (let sent = 0; sent < packets;) {
    for (let i = 0; i < 256 && sent < packets; i++) if (tx.send(payload, dest)) sent++;
    await new Promise((r) => setImmediate(r));
  }
  tx.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === 'send') return send(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
  if (!process.env[INNER]) {
    // Loopback traffic of our own: re-run inside a network namespace that dies with us.
    execFileSync('unshare', ['-n', process.execPath, self, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, [INNER]: '1' } });
    return;
  }
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const packets = arg('packets', 100_000);
  const size = arg('size', 64);
  const rows: Result[] = [];
  for (const bench of [drain, flood]) for (const mode of ['recvmsg', 'recvmmsg'] as const) rows.push(await bench(mode, packets, size));
  process.stdout.write(`${packets} datagrams of ${size} bytes, UDP over loopback\n`);
  process.stdout.write('bench  read with   datagrams  datagrams/s  CPU us/datagram\n');
  for (const r of rows) {
    process.stdout.write(`${r.bench.padEnd(6)} ${r.mode.padEnd(10)} ${String(r.packets).padStart(9)}  ${Math.round(r.packets / r.seconds).toString().padStart(11)}  ${(r.cpuUs / r.packets).toFixed(2).padStart(15)}\n`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`socket-receive: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
