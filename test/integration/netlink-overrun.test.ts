// A netlink overrun on the host kernel, in a network namespace of its own: a subscription with a
// tiny receive buffer misses a burst of changes made while the event loop is blocked. The kernel
// reports ENOBUFS once; it must reach the subscriber as one 'overrun' (resync), never as a fatal
// error, and the socket must keep hearing later changes. End to end, a VrrpRouter whose link-down
// notification was lost in the overrun finds the link down by resyncing, and hears it come back.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inOwnNetns } from '../helpers/own-netns.js';
import { RtNetlink } from '../../src/netif/rtnetlink.js';
import { SocketTransport, type NetlinkTransport } from '../../src/netif/netlink/transport.js';
import { VrrpRouter } from '../../src/vrrp/router.js';
import type { StateChange } from '../../src/vrrp/instance.js';

const NETLINK_ROUTE = 0;
const run = promisify(execFile);
const ip = (args: string[]) => run('ip', args, { timeout: 10_000 });

if (inOwnNetns(t, fileURLToPath(import.meta.url))) inner();

/**
 * rtnetlink whose subscriptions get a receive buffer of (the kernel's minimum for) 1 KiB, and
 * that counts the socket errors they see.
 */
function tinyBufferRtnetlink(): { rt: RtNetlink; socketErrors: Error[] } {
  const socketErrors: Error[] = [];
  const rt = RtNetlink.fromTransport((groups): NetlinkTransport => {
    const tr = new SocketTransport(NETLINK_ROUTE, groups, groups ? { receiveBufferBytes: 1024 } : {});
    if (!groups) return tr;
    const start = tr.start.bind(tr);
    tr.start = (onDatagram, onError) => start(onDatagram, (e) => { socketErrors.push(e); onError(e); });
    return tr;
  });
  return { rt, socketErrors };
}

/** 200 address changes, then `then`, in one `ip -batch` run that blocks this event loop throughout. */
function burstWhileBlocked(dev: string, base: number, then: string[] = []): void {
  const cmds = Array.from({ length: 200 }, (_, i) => `address add 10.${base}.${i >> 8}.${(i & 255) + 1}/32 dev ${dev}`);
  execFileSync('ip', ['-batch', '-'], { input: `${[...cmds, ...then].join('\n')}\n` });
}

function until<T>(what: string, ms: number, poll: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function inner(): void {
  t.before(async () => {
    await ip(['link', 'set', 'lo', 'up']);
    await ip(['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    await ip(['address', 'add', '10.77.0.1/24', 'dev', 'va']);
    await ip(['link', 'set', 'va', 'up']);
    await ip(['link', 'set', 'vb', 'up']);
  });

  t.test('an overrun is one overrun event, and the subscription keeps hearing', async (t) => {
    const { rt, socketErrors } = tinyBufferRtnetlink();
    t.teardown(() => rt.close());
    const sub = rt.subscribe();
    const overruns: Error[] = [];
    const errors: Error[] = [];
    const links: string[] = [];
    sub.on('overrun', (e) => overruns.push(e));
    sub.on('error', (e) => errors.push(e));
    sub.on('link', (l) => links.push(`${l.name} ${l.flags & 1 ? 'up' : 'down'}`));

    burstWhileBlocked('vb', 50);
    await until('the overrun', 5000, () => (overruns.length ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    t.match(overruns, [{ syscallCode: 'ENOBUFS', code: 'VIPD_ERR_SYSTEM' }], 'the burst: ENOBUFS as one overrun');
    t.equal(socketErrors.length, 1, 'the socket reported it once');

    await ip(['link', 'set', 'vb', 'down']);
    await until('vb down', 5000, () => (links.includes('vb down') ? true : undefined));
    await ip(['link', 'set', 'vb', 'up']);
    await until('vb up', 5000, () => (links.includes('vb up') ? true : undefined));
    t.pass('link events still arrive after the overrun');
    // A link flap is itself a burst for a 4 KiB buffer: further overruns are real ones, still no error.
    t.same(errors, [], 'no error event');
  });

  t.test('VrrpRouter: a link-down lost in an overrun is found by the resync', async (t) => {
    const { rt, socketErrors } = tinyBufferRtnetlink();
    const router = new VrrpRouter({ rtnetlink: rt, announce: { gratuitousArp: () => undefined, unsolicitedNa: () => undefined } });
    const states: StateChange[] = [];
    const errors: Error[] = [];
    router.on('state', (s) => states.push(s));
    router.on('error', (e) => errors.push(e));
    t.teardown(async () => {
      await router.close();
      rt.close();
    });
    await router.add({
      name: 'vi', vrid: 51, version: 3, family: 4, interface: 'va', priority: 100, advertIntervalCs: 10,
      preempt: true, preemptDelayMs: 0, acceptMode: false, virtualAddresses: [{ address: '10.77.0.100', prefixLength: 24 }],
    });
    const faults = () => states.filter((s) => s.state === 'fault');
    t.same(faults(), [], 'not in FAULT while va is up');

    burstWhileBlocked('va', 60, ['link set va down']);
    const fault = await until('FAULT', 5000, () => faults()[0]);
    t.match(fault, { instance: 'vi', detail: /link:va/ }, 'FAULT for link va, found by the resync');
    t.match(socketErrors, [{ syscallCode: 'ENOBUFS' }]);

    await ip(['link', 'set', 'va', 'up']);
    const back = await until('leaving FAULT', 5000, () => states.find((s) => s.previous === 'fault'));
    t.not(back.state, 'fault', `back to ${back.state} when va came up`);
    t.same(errors, [], 'no router error');
  });
}
