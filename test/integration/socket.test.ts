// Socket on the host kernel, UDP over loopback in a network namespace of its own: batch receive
// (recvmmsg) has the shape of receive(), start() delivers a burst within its budget per turn and
// in order, stop() mid-batch loses nothing, truncation of data and of ancillary data is flagged,
// a Socket dropped without close() gives its fd back when collected, and worker threads receive
// concurrently without sharing a buffer and may exit with their sockets open.
import t from 'tap';
import { readdirSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { inOwnNetns } from '../helpers/own-netns.js';
import { Socket, type Datagram } from '../../src/netif/socket.js';
import { AF_INET, IPPROTO_IP, IP_PKTINFO, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF } from '../../src/netif/constants.js';

const IPPROTO_UDP = 17;
const LO = '127.0.0.1';

if (inOwnNetns(t, fileURLToPath(import.meta.url), { nodeArgs: ['--expose-gc'] })) inner();

function udp(opts: { maxLen?: number; controlLen?: number } = {}): { sock: Socket; port: number } {
  const sock = Socket.open(AF_INET, SOCK_DGRAM, IPPROTO_UDP, opts);
  sock.setOption(SOL_SOCKET, SO_RCVBUF, 4 << 20);
  sock.bind({ family: 'inet', address: LO, port: 0 });
  const local = sock.localAddress();
  return { sock, port: local?.family === 'inet' ? local.port ?? 0 : 0 };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * A worker that receives `count` datagrams on a socket of its own, checks each payload is whole
 * (every byte is the sequence number's low byte), then ends its thread WITHOUT closing or stopping it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.socketModule).then(({ Socket }) => {
  const sock = Socket.open(2, 2, 17, { maxLen: 2048 });
  sock.setOption(1, 33, 16 << 20); // SO_RCVBUFFORCE
  sock.bind({ family: 'inet', address: '127.0.0.1', port: 0 });
  let got = 0, bad = 0;
  sock.on('message', (d) => {
    const seq = d.data.readUInt32LE(0);
    for (let i = 4; i < d.data.length; i++) if (d.data[i] !== (seq & 0xff)) { bad++; break; }
    if (++got === workerData.count) {
      parentPort.postMessage({ got, bad });
      setImmediate(() => process.exit(0)); // ends this worker's env, the socket still started
    }
  });
  sock.start();
  parentPort.postMessage({ port: sock.localAddress().port });
});
`;

function inner(): void {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const tx = udp().sock;
  t.teardown(() => tx.close());
  const send = (port: number, n: number, from = 0) => {
    for (let i = from; i < from + n; i++) {
      if (!tx.send(Buffer.from(`datagram ${i}`), { family: 'inet', address: LO, port })) throw new Error(`datagram ${i} not sent`);
    }
  };
  const texts = (ds: Datagram[]) => ds.map((d) => d.data.toString());
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => `datagram ${from + i}`);

  t.test('receiveMany: queued datagrams in one call, each shaped like receive()', async (t) => {
    const { sock, port } = udp();
    t.teardown(() => sock.close());
    send(port, 10);
    const one = sock.receive();
    t.match(one, { data: Buffer.from('datagram 0'), source: { family: 'inet', address: LO }, truncated: false, controlTruncated: false });
    const many = sock.receiveMany(64);
    t.same(texts(many), range(1, 9));
    t.same(Object.keys(many[0]!).sort(), Object.keys(one!).sort());
    t.same(sock.receiveMany(), [], 'empty when nothing is queued');
    t.equal(sock.receive(), null);
  });

  t.test('truncation of the data and of the ancillary data is flagged', async (t) => {
    const small = udp({ maxLen: 8, controlLen: 8 });
    const roomy = udp({ controlLen: 256 });
    t.teardown(() => { small.sock.close(); roomy.sock.close(); });
    for (const s of [small.sock, roomy.sock]) s.setOption(IPPROTO_IP, IP_PKTINFO, 1);
    send(small.port, 2);
    send(roomy.port, 1);
    const [a, b] = [small.sock.receive()!, small.sock.receiveMany()[0]!];
    for (const d of [a, b]) {
      t.equal(d.data.length, 8);
      t.equal(d.truncated, true, 'data cut to maxLen');
      t.equal(d.controlTruncated, true, 'IP_PKTINFO did not fit 8 bytes');
    }
    const c = roomy.sock.receive()!;
    t.match(c, { truncated: false, controlTruncated: false, destination: LO, ifindex: 1 });
  });

  t.test('start(): a burst arrives whole and in order, at most `budget` per turn', async (t) => {
    const { sock, port } = udp();
    t.teardown(() => sock.close());
    send(port, 1000);
    const got: string[] = [];
    const perTurn: number[] = [];
    let inTurn = 0;
    await new Promise<void>((resolve) => {
      sock.on('message', (d) => {
        // One readiness callback = one microtask checkpoint after it.
        if (inTurn++ === 0) queueMicrotask(() => { perTurn.push(inTurn); inTurn = 0; });
        got.push(d.data.toString());
        if (got.length === 1000) resolve();
      });
      sock.start(64);
    });
    t.same(got, range(0, 1000));
    t.ok(Math.max(...perTurn) <= 64, `at most 64 per turn (max ${Math.max(...perTurn)})`);
    t.ok(perTurn.length >= 16, `${perTurn.length} turns`);
  });

  t.test('stop() in a listener: what was read but not delivered is kept', async (t) => {
    const { sock, port } = udp();
    t.teardown(() => sock.close());
    send(port, 10);
    const got: string[] = [];
    const onMessage = (d: Datagram) => {
      got.push(d.data.toString());
      if (got.length === 3) sock.stop();
    };
    sock.on('message', onMessage);
    sock.start();
    while (got.length < 3) await turn();
    await turn();
    t.same(got, range(0, 3), 'delivery paused after the third');
    t.same(texts([sock.receive()!, ...sock.receiveMany(2)]), range(3, 3), 'receive() takes the rest first');
    sock.start();
    while (got.length < 7) await turn();
    t.same(got, [...range(0, 3), ...range(6, 4)], 'start() delivers the rest without new readiness');
  });

  t.test('a throwing listener is reported and the batch goes on', async (t) => {
    const { sock, port } = udp();
    t.teardown(() => sock.close());
    send(port, 5);
    const got: string[] = [];
    const errors: Error[] = [];
    sock.on('message', (d) => {
      got.push(d.data.toString());
      if (got.length === 2) throw new Error('listener bug');
    });
    sock.on('error', (e) => errors.push(e));
    sock.start();
    while (got.length < 5) await turn();
    t.same(got, range(0, 5));
    t.match(errors, [{ message: 'listener bug' }]);
  });

  t.test('worker threads: concurrent receives stay whole; exiting with a started socket is clean', async (t) => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const count = 4000;
    const socketModule = new URL('../../src/netif/socket.js', import.meta.url).href;
    const workers = [0, 1].map(() => new Worker(WORKER, { eval: true, workerData: { socketModule, count } }));
    const exits = workers.map((w) => new Promise((r) => w.once('exit', r)));
    const results = workers.map((w) => new Promise<{ got: number; bad: number }>((r) => w.on('message', (m: { got?: number; bad: number }) => { if (m.got !== undefined) r(m as { got: number; bad: number }); })));
    const ports = await Promise.all(workers.map((w) => new Promise<number>((r) => w.once('message', (m: { port: number }) => r(m.port)))));
    const own = udp();
    own.sock.setOption(SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, 16 << 20);
    let ownBad = 0;
    let ownGot = 0;
    own.sock.on('message', (d) => {
      const seq = d.data.readUInt32LE(0);
      if (!d.data.subarray(4).every((b) => b === (seq & 0xff))) ownBad++;
      ownGot++;
    });
    own.sock.start();
    const payload = Buffer.alloc(1200);
    for (let seq = 0; seq < count; seq++) {
      payload.writeUInt32LE(seq, 0);
      payload.fill(seq & 0xff, 4);
      for (const port of [...ports, own.port]) tx.send(payload, { family: 'inet', address: LO, port });
      if (seq % 100 === 99) await turn();
    }
    const done = await Promise.all(results);
    while (ownGot < count) await turn();
    own.sock.close();
    t.same(done, [{ got: count, bad: 0 }, { got: count, bad: 0 }], 'each worker got every datagram whole');
    t.equal(ownBad, 0, 'so did the main thread');
    await Promise.all(exits);
    t.equal(fds(), before, 'the workers\' sockets were closed with their envs');
  });

  t.test('a worker that alone loaded the addon can end with a started socket', async (t) => {
    // Node unloads a worker's addons with its env: a libuv close callback left for later would
    // then jump into unmapped code. This process never loads the addon on its main thread.
    const socketModule = new URL('../../src/netif/socket.js', import.meta.url).href;
    const main = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`import(${JSON.stringify(socketModule)}).then(({ Socket }) => {
        const s = Socket.open(16, 3, 0); s.start(); setImmediate(() => process.exit(0));
      });\`, { eval: true });
      w.on('exit', (code) => console.log('worker exited', code));
    `;
    const out = execFileSync(process.execPath, ['-e', main], { encoding: 'utf8', timeout: 20_000 });
    t.equal(out.trim(), 'worker exited 0');
  });

  t.test('a Socket dropped without close() gives its fd back when collected; a started one lives', async (t) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
    const link = (fd: number) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return undefined;
      }
    };
    let fd = -1;
    let inode: string | undefined;
    (() => {
      const { sock } = udp();
      fd = sock.fd;
      inode = link(fd);
    })();
    t.match(inode, /^socket:/);
    const started = (() => {
      const { sock, port } = udp();
      const got: string[] = [];
      sock.on('message', (d) => got.push(d.data.toString()));
      sock.start();
      sock.ref(false); // dropped, never closed: must not hold the test process open
      return { port, got, fd: sock.fd };
    })();
    for (let i = 0; i < 50 && link(fd) === inode; i++) {
      gc();
      await turn();
    }
    t.not(link(fd), inode, `fd ${fd} closed by the finalizer`);
    send(started.port, 1);
    while (started.got.length < 1) await turn();
    t.same(started.got, range(0, 1), 'the started socket was not collected');
    t.match(link(started.fd), /^socket:/);
  });
}
