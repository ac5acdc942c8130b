// RtNetlink over fake transports: idempotent add/delete, link lookup errors, events.
import t from 'tap';
import { RtNetlink, NoLinkError } from '../../src/netif/rtnetlink.js';
import { NetlinkError } from '../../src/netif/netlink/errors.js';
import { encodeMessage } from '../../src/netif/netlink/message.js';
import { AttributeEncoder } from '../../src/netif/netlink/attributes.js';
import { encodeIfinfomsg } from '../../src/netif/rtnetlink/link.js';
import { encodeIfaddrmsg } from '../../src/netif/rtnetlink/address.js';
import { FakeTransport, ack, done, reply, type Responder } from '../helpers/nltest.js';

function linkMsg(index: number, name: string, mac: string, flags: number): Buffer {
  const attrs = new AttributeEncoder().string(3, name).bytes(1, Buffer.from(mac.split(':').map((x) => parseInt(x, 16))))
    .uint32(4, 1500).uint8(16, 6).nested(18, (i) => i.string(1, 'veth')).encode();
  return Buffer.concat([encodeIfinfomsg({ index, flags }), attrs]);
}

function client(respond: Responder): { rt: RtNetlink; transports: FakeTransport[] } {
  const transports: FakeTransport[] = [];
  const rt = RtNetlink.fromTransport(() => {
    const ft = new FakeTransport(respond);
    transports.push(ft);
    return ft;
  });
  return { rt, transports };
}

t.test('addAddress/deleteAddress: idempotent only when asked', async (t) => {
  const errno: Record<number, number> = { 20: -17, 21: -99 };
  const { rt } = client((reqs) => [ack(reqs[0]!, errno[reqs[0]!.header.type] ?? 0)]);
  const a = { ifindex: 3, address: '10.1.2.3', prefixLength: 24 };
  await rt.addAddress(a, { exist: 'ok' });
  const e1 = await rt.addAddress(a).catch((e: unknown) => e);
  t.ok(e1 instanceof NetlinkError);
  t.equal((e1 as NetlinkError).syscallCode, 'EEXIST');
  await rt.deleteAddress(a, { missing: 'ok' });
  const e2 = await rt.deleteAddress(a).catch((e: unknown) => e);
  t.equal((e2 as NetlinkError).syscallCode, 'EADDRNOTAVAIL');
  await rt.addAddressLabel({ prefix: 'fd00::', prefixLength: 64, label: 9 }, { exist: 'ok' });
  rt.close();
});

t.test('links, link by name/index/MAC, missing link', async (t) => {
  const { rt } = client((reqs) => {
    const r = reqs[0]!;
    if (r.header.flags & 0x300) {
      return [Buffer.concat([reply(r, 16, linkMsg(1, 'lo', '00:00:00:00:00:00', 9), true), reply(r, 16, linkMsg(3, 'va', '02:aa:bb:cc:dd:ee', 0x1003), true), done(r)])];
    }
    const index = r.data.readInt32LE(4);
    if (index === 3 || r.data.includes(Buffer.from('va\0'))) return [Buffer.concat([reply(r, 16, linkMsg(3, 'va', '02:aa:bb:cc:dd:ee', 0x1003)), ack(r)])];
    return [ack(r, -19)];
  });
  const links = await rt.links();
  t.same(links.map((l) => l.name), ['lo', 'va']);
  t.same(links[1], { index: 3, name: 'va', mac: '02:aa:bb:cc:dd:ee', flags: 0x1003, up: true, operstate: 'up', mtu: 1500, kind: 'veth' });
  t.equal((await rt.link('va')).index, 3);
  t.equal((await rt.link(3)).name, 'va');
  t.equal((await rt.link('02:AA:BB:CC:DD:EE')).name, 'va');
  for (const missing of ['nope0', 7, '02:00:00:00:00:01'] as const) {
    const err = await rt.link(missing).catch((e: unknown) => e);
    t.ok(err instanceof NoLinkError, `${missing}`);
    t.equal((err as NoLinkError).code, 'VIPD_ERR_NO_LINK');
  }
  const del = await rt.deleteLink('nope0').catch((e: unknown) => e);
  t.ok(del instanceof NoLinkError);
  await rt.deleteLink('nope0', { missing: 'ok' });
  rt.close();
});

t.test('addresses(): filters and skips other families', async (t) => {
  const addr = (family: number, index: number, ip: number[]): Buffer =>
    Buffer.concat([encodeIfaddrmsg({ family, prefixLength: 24, index }), new AttributeEncoder().bytes(2, Buffer.from(ip)).encode()]);
  const { rt } = client((reqs) => {
    const r = reqs[0]!;
    return [Buffer.concat([
      reply(r, 20, addr(2, 3, [10, 0, 0, 1]), true), reply(r, 20, addr(2, 4, [10, 0, 0, 2]), true),
      reply(r, 20, addr(28, 3, [1, 2, 3, 4]), true), done(r),
    ])];
  });
  t.same((await rt.addresses({ ifindex: 3 })).map((a) => a.address), ['10.0.0.1']);
  t.equal((await rt.addresses()).length, 2);
  rt.close();
});

t.test('subscribe(): link and address events, bad notifications reported not thrown', async (t) => {
  const { rt, transports } = client((reqs) => [ack(reqs[0]!)]);
  const sub = rt.subscribe();
  const ft = transports[1]!;
  const events: unknown[] = [];
  sub.on('link', (l, o) => events.push(['link', l.name, l.up, o.deleted]));
  sub.on('address', (a, o) => events.push(['address', a.address, o.deleted]));
  const note = (type: number, data: Buffer) => ft.deliver({ data: encodeMessage({ type, flags: 0, sequence: 0, pid: 0, data }), groups: 1 });
  note(16, linkMsg(3, 'va', '02:aa:bb:cc:dd:ee', 0x1002));
  note(17, linkMsg(3, 'va', '02:aa:bb:cc:dd:ee', 0x1002));
  note(21, Buffer.concat([encodeIfaddrmsg({ family: 10, prefixLength: 64, index: 3 }), new AttributeEncoder().bytes(1, Buffer.alloc(16, 0xfd)).encode()]));
  t.doesNotThrow(() => note(20, Buffer.alloc(3)));
  const errors: Error[] = [];
  sub.on('error', (e) => errors.push(e));
  note(20, Buffer.alloc(3));
  t.same(events, [['link', 'va', false, false], ['link', 'va', false, true], ['address', 'fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd', true]]);
  t.equal(errors.length, 1);
  const overruns: Error[] = [];
  sub.on('overrun', (e) => overruns.push(e));
  ft.fail(Object.assign(new Error('ENOBUFS'), { syscallCode: 'ENOBUFS' }));
  t.equal(overruns.length, 1);
  rt.close();
  t.ok(ft.closed, 'closing the client closes its subscriptions');
});

