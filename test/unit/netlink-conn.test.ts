// NetlinkConn over a fake transport: sequence matching, ACKs, dumps, batches, notifications, and
// bad replies that must reject the request they belong to without throwing out of the event loop.
import t from 'tap';
import { NetlinkConn } from '../../src/netif/netlink/conn.js';
import { NetlinkError } from '../../src/netif/netlink/errors.js';
import { decodeMessages, encodeMessage } from '../../src/netif/netlink/message.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST } from '../../src/netif/netlink/constants.js';
import { DecodeError } from '../../src/errors.js';
import { FakeTransport, ack, done, reply } from '../helpers/nltest.js';

/** The rejection reason of p (fails the test if p resolves). */
async function reason(p: Promise<unknown>): Promise<Record<string, unknown>> {
  return p.then(() => ({ resolved: true }), (e: unknown) => e as Record<string, unknown>);
}

const open = (ft: FakeTransport, timeoutMs?: number) => new NetlinkConn(ft, { typeName: (n) => `T${n}`, timeoutMs });

t.test('request: REQUEST|ACK set, seq and port id stamped, ACK resolves with no parts', async (t) => {
  const ft = new FakeTransport((reqs) => [ack(reqs[0]!)]);
  const c = open(ft);
  const parts = await c.request({ type: 20, flags: 0x600, data: Buffer.from([1, 2, 3, 4]) });
  t.same(parts, []);
  const [m] = decodeMessages(ft.sent[0]!);
  t.equal(m!.header.flags, 0x600 | NLM_F_REQUEST | NLM_F_ACK);
  t.equal(m!.header.pid, 4242);
  t.not(m!.header.sequence, 0);
  c.close();
});

t.test('request: a GET reply followed by its ACK', async (t) => {
  const ft = new FakeTransport((reqs) => [Buffer.concat([reply(reqs[0]!, 16, Buffer.alloc(16, 7)), ack(reqs[0]!)])]);
  const c = open(ft);
  const parts = await c.request({ type: 18, flags: 0, data: Buffer.alloc(16) });
  t.equal(parts.length, 1);
  t.equal(parts[0]!.header.type, 16);
  t.equal(parts[0]!.data[0], 7);
  c.close();
});

t.test('dump: parts over several datagrams until NLMSG_DONE', async (t) => {
  const ft = new FakeTransport((reqs) => {
    const r = reqs[0]!;
    return [
      Buffer.concat([reply(r, 20, Buffer.alloc(8, 1), true), reply(r, 20, Buffer.alloc(8, 2), true)]),
      Buffer.concat([reply(r, 20, Buffer.alloc(8, 3), true), done(r)]),
      ack(r), // a kernel that ACKs dumps too: ignored after DONE
    ];
  });
  const c = open(ft);
  const parts = await c.request({ type: 22, flags: NLM_F_DUMP, data: Buffer.alloc(8) });
  t.same(parts.map((p) => p.data[0]), [1, 2, 3]);
  c.close();
});

t.test('dump: NLMSG_DONE with an error, and an interrupted dump', async (t) => {
  const ft = new FakeTransport((reqs) => [done(reqs[0]!, -16)]);
  const c = open(ft);
  t.match(await reason(c.request({ type: 22, flags: NLM_F_DUMP, data: Buffer.alloc(8) })), { syscallCode: 'EBUSY', op: 'T22' });
  c.close();
  const ft2 = new FakeTransport((reqs) => {
    const d = done(reqs[0]!);
    d.writeUInt16LE(NLM_F_MULTI | NLM_F_DUMP_INTR, 6);
    return [d];
  });
  const c2 = open(ft2);
  t.match(await reason(c2.request({ type: 22, flags: NLM_F_DUMP, data: Buffer.alloc(8) })), { syscallCode: 'EINTR' });
  c2.close();
});

t.test('kernel error with extack becomes NetlinkError', async (t) => {
  const ft = new FakeTransport((reqs) => [ack(reqs[0]!, -17, 'ipv4: Address already assigned')]);
  const c = open(ft);
  const err = await c.request({ type: 20, flags: 0, data: Buffer.alloc(8) }).catch((e: unknown) => e);
  t.ok(err instanceof NetlinkError);
  const e = err as NetlinkError;
  t.equal(e.code, 'VIPD_ERR_NETLINK');
  t.equal(e.errno, 17);
  t.equal(e.syscallCode, 'EEXIST');
  t.equal(e.op, 'T20');
  t.equal(e.extack, 'ipv4: Address already assigned');
  t.match(e.message, /T20 failed: EEXIST \(ipv4: Address already assigned\)/);
  c.close();
});

t.test('batch: one write, only the last request asks for an ACK, errors matched by sequence', async (t) => {
  // The kernel handles one write in order and answers errors whether or not NLM_F_ACK is set:
  // the quiet request 0 gets no answer, request 1 its error, request 2 (the last) its ACK.
  const ft = new FakeTransport((reqs) => [ack(reqs[1]!, -19), ack(reqs[2]!)]);
  const c = open(ft);
  const results = await c.batch([
    { type: 20, flags: 0, data: Buffer.alloc(8) },
    { type: 21, flags: 0, data: Buffer.alloc(8) },
    { type: 20, flags: 0, data: Buffer.alloc(8) },
  ]);
  t.equal(ft.sent.length, 1, 'a single sendmsg');
  const sent = decodeMessages(ft.sent[0]!);
  t.equal(sent.length, 3);
  const seqs = sent.map((m) => m.header.sequence);
  t.same(seqs, [seqs[0]!, seqs[0]! + 1, seqs[0]! + 2]);
  t.same(sent.map((m) => (m.header.flags & 0x4) !== 0), [false, false, true], 'NLM_F_ACK on the last only');
  t.same(results[0], [], 'the quiet request succeeded: the last ACK came without an error for it');
  t.ok(results[1] instanceof NetlinkError);
  t.equal((results[1] as NetlinkError).syscallCode, 'ENODEV');
  t.same(results[2], []);
  t.same(await c.batch([]), []);
  c.close();
});

t.test('bad replies reject the pending request and never throw', async (t) => {
  const cases: Array<[string, (req: ReturnType<typeof decodeMessages>[number]) => Buffer | { data: Buffer; truncated: boolean }, RegExp]> = [
    ['truncated header', (r) => ack(r).subarray(0, 12), /header truncated/],
    ['length past the datagram', (r) => ack(r).subarray(0, 30), /runs past the datagram/],
    ['length below header', (r) => { const b = ack(r); b.writeUInt32LE(4, 0); return b; }, /shorter than its header/],
    ['NLMSG_ERROR too short', (r) => encodeMessage({ type: 2, flags: 0, sequence: r.header.sequence, pid: r.header.pid, data: Buffer.alloc(6) }), /payload truncated/],
    ['truncated datagram', (r) => ({ data: ack(r), truncated: true }), /truncated by the receive buffer/],
  ];
  for (const [name, make, re] of cases) {
    const ft = new FakeTransport((reqs) => [make(reqs[0]!)]);
    const c = open(ft);
    const err = await c.request({ type: 20, flags: 0, data: Buffer.alloc(8) }).catch((e: unknown) => e);
    t.ok(err instanceof DecodeError, name);
    t.match((err as Error).message, re, name);
    c.close();
  }
});

t.test('garbage with nothing pending: error event only if listened, never thrown', async (t) => {
  const ft = new FakeTransport();
  const c = open(ft);
  t.doesNotThrow(() => ft.deliver(Buffer.from([1, 2, 3])));
  const errors: Error[] = [];
  c.on('error', (e) => errors.push(e));
  ft.deliver(Buffer.from([1, 2, 3]));
  t.equal(errors.length, 1);
  t.ok(errors[0] instanceof DecodeError);
  c.close();
});

t.test('notifications: multicast datagrams, unknown sequences; other senders ignored', async (t) => {
  const ft = new FakeTransport((reqs) => {
    const r = reqs[0]!;
    return [
      // A multicast copy of our own change carries our seq and pid: still a notification.
      { data: reply(r, 20, Buffer.alloc(8, 9)), groups: 0x10 },
      // A unicast from another process (pid != 0) pretending to answer: dropped.
      { data: ack(r, -1), pid: 999 },
      ack(r),
    ];
  });
  const c = open(ft);
  const notes: number[] = [];
  c.on('notification', (m) => notes.push(m.data[0]!));
  const parts = await c.request({ type: 20, flags: 0, data: Buffer.alloc(8) });
  t.same(parts, [], 'the multicast copy was not taken as a reply');
  ft.deliver(encodeMessage({ type: 16, flags: 0, sequence: 0, pid: 0, data: Buffer.alloc(16, 5) }));
  t.same(notes, [9, 5]);
  c.close();
});

t.test('ENOBUFS: overrun event, pending requests rejected', async (t) => {
  const ft = new FakeTransport();
  const c = open(ft);
  const overruns: Error[] = [];
  c.on('overrun', (e) => overruns.push(e));
  const p = c.request({ type: 18, flags: 0, data: Buffer.alloc(16) });
  const enobufs = Object.assign(new Error('recvmsg: No buffer space available'), { syscallCode: 'ENOBUFS' });
  ft.fail(enobufs);
  await t.rejects(p, /No buffer space/);
  t.equal(overruns.length, 1);
  c.close();
});

t.test('send failure, close and timeout reject pending requests', async (t) => {
  const ft = new FakeTransport();
  const c = open(ft, 20);
  t.match(await reason(c.request({ type: 18, flags: 0, data: Buffer.alloc(16) })), { syscallCode: 'ETIMEDOUT' });
  const p = c.request({ type: 18, flags: 0, data: Buffer.alloc(16) });
  c.close();
  t.match(await reason(p), { code: 'VIPD_ERR_CLOSED' });
  t.match(await reason(c.request({ type: 18, flags: 0, data: Buffer.alloc(16) })), { code: 'VIPD_ERR_CLOSED' });
  t.ok(ft.closed);
  const ft2 = new FakeTransport();
  const c2 = open(ft2);
  ft2.closed = true; // send throws EBADF
  t.match(await reason(c2.request({ type: 18, flags: 0, data: Buffer.alloc(16) })), { code: 'VIPD_ERR_SYSTEM' });
  c2.close();
});

t.test('joinGroup goes to the transport', async (t) => {
  const ft = new FakeTransport();
  const c = open(ft);
  c.joinGroup(1);
  c.joinGroup(5);
  c.leaveGroup(1);
  t.same(ft.groups, [5]);
  c.close();
});
