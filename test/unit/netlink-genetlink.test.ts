// Generic netlink: the CTRL_CMD_GETFAMILY request and reply as `genl ctrl get name ...`
// (iproute2 6.1, kernel 6.18) sent and received them, run over a fake transport.
import t from 'tap';
import { GenericNetlink, decodeFamily, decodeGenl, encodeGenl } from '../../src/netif/genetlink.js';
import { NetlinkError } from '../../src/netif/netlink/errors.js';
import { decodeMessages, encodeMessage } from '../../src/netif/netlink/message.js';
import { FakeTransport, ack, hex, reply } from '../helpers/nltest.js';

// `genl ctrl get name nlctrl` request (seq 0x6b06dbdb), REQUEST|ACK.
const getNlctrl = hex(`
  20 00 00 00 10 00 05 00  db db 06 6b 00 00 00 00   // type GENL_ID_CTRL
  03 00 00 00                                        // CTRL_CMD_GETFAMILY, version 0
  0b 00 02 00 6e 6c 63 74  72 6c 00 00               // CTRL_ATTR_FAMILY_NAME "nlctrl"
`);

// Its reply: CTRL_CMD_NEWFAMILY.
const nlctrlReply = hex(`
  88 00 00 00 10 00 00 00  db db 06 6b 01 25 00 00
  01 02 00 00                                        // CTRL_CMD_NEWFAMILY version 2
  0b 00 02 00 6e 6c 63 74  72 6c 00 00               // FAMILY_NAME "nlctrl"
  06 00 01 00 10 00 00 00                            // FAMILY_ID 0x10
  08 00 03 00 02 00 00 00                            // VERSION 2
  08 00 04 00 00 00 00 00                            // HDRSIZE 0
  08 00 05 00 00 00 00 00                            // MAXATTR 0
  2c 00 06 00 14 00 01 00  08 00 01 00 03 00 00 00   // OPS (not read)
  08 00 02 00 0e 00 00 00  14 00 02 00 08 00 01 00
  0a 00 00 00 08 00 02 00  0c 00 00 00
  1c 00 07 00 18 00 01 00  08 00 02 00 10 00 00 00   // MCAST_GROUPS [ { GRP_ID 16,
  0b 00 01 00 6e 6f 74 69  66 79 00 00               //   GRP_NAME "notify" } ]
`);

t.test('family(): request bytes and decoded reply', async (t) => {
  const ft = new FakeTransport((reqs) => [Buffer.concat([reply(reqs[0]!, 0x10, nlctrlReply.subarray(16)), ack(reqs[0]!)])]);
  const g = GenericNetlink.fromTransport(ft);
  const f = await g.family('nlctrl');
  t.same(f, { id: 0x10, name: 'nlctrl', version: 2, maxAttr: 0, groups: new Map([['notify', 16]]) });
  const sent = Buffer.from(ft.sent[0]!);
  sent.writeUInt32LE(0x6b06dbdb, 8);
  sent.writeUInt32LE(0, 12); // our port id; genl(8) leaves 0 for the kernel to fill
  t.equal(sent.toString('hex'), getNlctrl.toString('hex'));
  t.equal(await g.family('nlctrl'), f, 'cached');
  t.equal(ft.sent.length, 1);
  g.close();
});

t.test('family(): a missing family is ENOENT', async (t) => {
  const ft = new FakeTransport((reqs) => [ack(reqs[0]!, -2)]);
  const g = GenericNetlink.fromTransport(ft);
  const err = await g.family('IPVS').catch((e: unknown) => e);
  t.ok(err instanceof NetlinkError);
  t.equal((err as NetlinkError).syscallCode, 'ENOENT');
  t.match((err as NetlinkError).message, /CTRL_CMD_GETFAMILY IPVS failed: ENOENT/);
  g.close();
});

t.test('request/dump/batch carry the family id, command and version', async (t) => {
  const fam = { id: 0x22, name: 'IPVS', version: 1, maxAttr: 9, groups: new Map<string, number>() };
  const ft = new FakeTransport((reqs) => reqs.flatMap((r) => {
    const cmd = r.data[0]!;
    if (cmd === 9) return [ack(r, -3)];
    if (r.header.flags & 0x300) {
      return [Buffer.concat([reply(r, 0x22, encodeGenl(1, 1, Buffer.from([4, 0, 1, 0])), true), reply(r, 0x22, encodeGenl(1, 1), true), encodeMessage({ type: 3, flags: 2, sequence: r.header.sequence, pid: r.header.pid, data: Buffer.alloc(4) })])];
    }
    return [ack(r)];
  }));
  const g = GenericNetlink.fromTransport(ft);
  t.same(await g.request(fam, 5, Buffer.alloc(0)), []);
  const [m] = decodeMessages(ft.sent[0]!);
  t.equal(m!.header.type, 0x22);
  t.same([...m!.data], [5, 1, 0, 0]);
  const parts = await g.dump(fam, 1);
  t.equal(parts.length, 2);
  t.same({ cmd: parts[0]!.cmd, version: parts[0]!.version, attrs: [...parts[0]!.attrs] }, { cmd: 1, version: 1, attrs: [4, 0, 1, 0] });
  const results = await g.batch(fam, [{ cmd: 5, attrs: Buffer.alloc(0) }, { cmd: 9, attrs: Buffer.alloc(0) }]);
  t.same(results[0], []);
  t.equal((results[1] as NetlinkError).syscallCode, 'ESRCH');
  t.match((results[1] as NetlinkError).op, 'IPVS cmd 9');
  g.close();
});

t.test('bad genl payloads', async (t) => {
  const m = decodeMessages(nlctrlReply)[0]!;
  t.throws(() => decodeGenl({ header: m.header, data: Buffer.alloc(2) }), /generic netlink header truncated/);
  t.throws(() => decodeFamily({ cmd: 1, version: 2, attrs: Buffer.alloc(0) }), /lacks a family id/);
  const bad = Buffer.from(m.data.subarray(4));
  bad.writeUInt16LE(5, 12); // FAMILY_ID of 1 byte: uint16 needs 2
  t.throws(() => decodeFamily({ cmd: 1, version: 2, attrs: bad }), /uint16 needs 2 bytes/);
});
