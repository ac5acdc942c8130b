// The addon's advert thread (native/advert.c) on loopback UDP: it repeats the bytes it was handed
// on its interval from a dup of the socket (closing ours does not stop it), stops when its lease
// runs out and resumes at a renewal (one advert, counted late, no burst), reports send errors
// through the callback, and sends nothing once stopped. A worker has its own thread, torn down
// with it.
import t from 'tap';
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { ADVERT_COUNTERS, nativeAddon } from '../../src/netif/native.js';
import { encodeSockAddr } from '../../src/netif/sockaddr.js';
import { sleep } from '../helpers/sleep.js';

const AF_INET = 2;
const SOCK_DGRAM = 2;

async function receiver(): Promise<{ port: number; got: Buffer[]; close(): void }> {
  const rx = dgram.createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  const got: Buffer[] = [];
  rx.on('message', (m) => got.push(m));
  return { port: rx.address().port, got, close: () => rx.close() };
}

t.test('repeats, stops at the lease, resumes at a renewal, stops for good at stop()', async (t) => {
  const native = nativeAddon();
  const rx = await receiver();
  t.teardown(() => rx.close());
  const h = native.socket(AF_INET, SOCK_DGRAM, 0);
  const dest = encodeSockAddr({ family: 'inet', address: '127.0.0.1', port: rx.port });
  native.advertCallback(() => undefined);
  native.advertSchedule(901, h.fd, [Buffer.from('advert')], [dest], [Buffer.alloc(0)], 20, 0, 400);
  native.close(h); // the thread has its own dup
  await sleep(200);
  const out = new Float64Array(ADVERT_COUNTERS * 2);
  const arrived = rx.got.length;
  native.advertRenew(Int32Array.from([901, 999]), out);
  t.ok(arrived >= 3 && arrived <= 12, `about 10 adverts in 200 ms at 20 ms (${arrived})`);
  t.ok(rx.got.every((m) => m.toString() === 'advert'), 'the bytes handed over');
  // The count is read at the renewal; a datagram sent just before may not have reached our
  // 'message' handler yet: it has by the time the next few arrive.
  await sleep(30);
  t.ok(out[0]! >= arrived && out[0]! <= rx.got.length, `counted as sent (${out[0]}; ${arrived} arrived before the renewal, ${rx.got.length} after)`);
  t.ok(out[3]! > -20 && out[3]! <= 20, `next due within an interval (${out[3]} ms; just below 0: due, the thread about to send)`);
  t.same([...out.subarray(ADVERT_COUNTERS)], [-1, -1, -1, -1], 'an unknown id: -1s');

  // No renewal for 800 ms: it stops 400 ms after the last one.
  const n0 = rx.got.length;
  await sleep(800);
  const during = rx.got.length - n0;
  t.ok(during >= 5 && during <= 24, `stopped when the lease ran out (${during} adverts in 800 ms, about 20 until then)`);
  const n1 = rx.got.length;
  await sleep(100);
  t.equal(rx.got.length, n1, 'nothing while the lease is out');
  native.advertRenew(Int32Array.from([901]), out);
  await sleep(50);
  const resumed = rx.got.length - n1;
  t.ok(resumed >= 1 && resumed <= 4, `resumed at the renewal, no burst (${resumed} in 50 ms)`);
  t.equal(native.advertStop(901, out), true);
  t.ok(out[1]! >= 1 && out[2]! > 100, `the advert after the pause counted late (${out[1]}, worst ${Math.round(out[2]!)} ms)`);
  const n2 = rx.got.length;
  await sleep(100);
  t.equal(rx.got.length, n2, 'nothing after stop()');
  t.equal(native.advertStop(901, out), false, 'stopped already');
});

t.test('send errors come back through the callback', async (t) => {
  const native = nativeAddon();
  const errors: Array<[number, number, string | undefined]> = [];
  native.advertCallback((list) => { for (const [id, index, e] of list) errors.push([id, index, e.code]); });
  const h = native.socket(AF_INET, SOCK_DGRAM, 0);
  t.teardown(() => native.close(h));
  const v6 = encodeSockAddr({ family: 'inet6', address: '::1', port: 9 });
  native.advertSchedule(902, h.fd, [Buffer.from('x')], [v6], [Buffer.alloc(0)], 10, 0, 1000);
  await sleep(60);
  native.advertStop(902, new Float64Array(ADVERT_COUNTERS));
  await sleep(10);
  t.ok(errors.length >= 2, `reported (${errors.length})`);
  t.same(errors[0], [902, 0, 'EAFNOSUPPORT'], 'schedule, destination, errno name');
  t.throws(() => native.advertSchedule(903, 99999, [Buffer.from('x')], [v6], [Buffer.alloc(0)], 10, 0, 1000), { code: 'EBADF' }, 'a closed fd');
  t.throws(() => native.advertSchedule(903, h.fd, [], [], [], 10, 0, 1000), { code: 'EINVAL' }, 'no message');
  t.throws(() => native.advertSchedule(903, h.fd, [Buffer.from('x')], [v6], [Buffer.alloc(0)], 0, 0, 1000), { code: 'EINVAL' }, 'no interval');
});

t.test('a worker has its own advert thread, gone with the worker', async (t) => {
  const rx = await receiver();
  t.teardown(() => rx.close());
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.native).then(async ({ nativeAddon }) => {
      const n = nativeAddon();
      const h = n.socket(2, 2, 0);
      n.advertCallback(() => {});
      n.advertSchedule(1, h.fd, [Buffer.from('worker')], [Buffer.from(workerData.dest)], [Buffer.alloc(0)], 10, 0, 5000);
      setTimeout(() => parentPort.postMessage('sent'), 100);
    });`;
  const dest = encodeSockAddr({ family: 'inet', address: '127.0.0.1', port: rx.port });
  const w = new Worker(code, { eval: true, workerData: { native: new URL('../../src/netif/native.js', import.meta.url).href, dest } });
  await new Promise((r) => w.once('message', r));
  await w.terminate(); // the schedule is still running: the env's teardown stops the thread
  const n = rx.got.length;
  t.ok(n >= 3, `the worker's thread sent (${n})`);
  await sleep(100);
  t.equal(rx.got.length, n, 'nothing after the worker ended');
});
