// Gratuitous ARP (both forms) and unsolicited NA sent by our Announcer from node a are seen by an
// AF_PACKET socket (SOCK_RAW, ETH_P_ALL, bound to eth0) in node b and decode with our parsers;
// tshark, when installed, agrees on the fields that matter (opcode, Override flag, checksum).
import t from 'tap';
import { decodeArp, isGratuitousArp } from '../../src/netif/arp.js';
import { decodeNeighborAdvert } from '../../src/netif/ndp.js';
import { capture, createLan } from '../helpers/netns-lab.js';
import { jsonLines } from '../helpers/json-lines.js';
import { requireEnv } from '../helpers/require.js';

const TOOL = 'dist/test/fixtures/packet-tool.js';

t.test('announcements cross the LAN and decode', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip', 'tcpdump'] })) return;
  const lab = await createLan(t, ['a', 'b']);
  const a = lab.node('a');
  const b = lab.node('b');
  const vip4 = a.ipv4.replace(/\.\d+$/, '.100');
  const vip6 = a.ipv6.replace(/::\d+$/, '::100');

  const listener = jsonLines(b.spawn(['node', TOOL, 'listen-packet', String(b.ifindex)]));
  await listener.next((l) => l.ready === true);
  const cap = await capture(lab, b, 'arp or (icmp6 and ip6[40] == 136)');

  const announce = async (kind: string, address: string) => {
    const r = await a.exec(['node', TOOL, 'announce', String(a.ifindex), a.mac, address, kind]);
    t.equal(r.code, 0, `announce ${kind}: ${r.stderr}`);
    t.match(r.stdout, /"sent":true/);
  };
  const frames = () => listener.lines.filter((l) => typeof l.frame === 'string').map((l) => ({ etherType: l.etherType, data: Buffer.from(l.frame as string, 'hex') }));

  await t.test('gratuitous ARP, request form', async (t) => {
    await announce('request', vip4);
    const line = await listener.next((l) => l.etherType === 0x0806 && decodeArp(Buffer.from(l.frame as string, 'hex')).op === 1);
    t.equal(line.ifindex, b.ifindex, 'arrived on b eth0');
    const arp = decodeArp(Buffer.from(line.frame as string, 'hex'));
    t.same(arp, {
      ethDestination: 'ff:ff:ff:ff:ff:ff', ethSource: a.mac, op: 1,
      senderMac: a.mac, senderIp: vip4, targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: vip4,
    });
    t.ok(isGratuitousArp(arp));
  });

  await t.test('gratuitous ARP, reply form', async (t) => {
    await announce('reply', vip4);
    const line = await listener.next((l) => l.etherType === 0x0806 && decodeArp(Buffer.from(l.frame as string, 'hex')).op === 2);
    const arp = decodeArp(Buffer.from(line.frame as string, 'hex'));
    t.equal(arp.op, 2);
    t.equal(arp.senderMac, a.mac);
    t.equal(arp.senderIp, vip4);
    t.equal(arp.targetIp, vip4);
    t.equal(arp.ethDestination, 'ff:ff:ff:ff:ff:ff');
  });

  await t.test('unsolicited NA', async (t) => {
    await announce('na', vip6);
    const isNa = (l: Record<string, unknown>, router: boolean) => {
      if (l.etherType !== 0x86dd) return false;
      try {
        const na = decodeNeighborAdvert(Buffer.from(l.frame as string, 'hex'));
        return na.target === vip6 && na.router === router;
      } catch {
        return false; // other IPv6 traffic (router solicitations, MLD)
      }
    };
    const line = await listener.next((l) => isNa(l, false));
    const na = decodeNeighborAdvert(Buffer.from(line.frame as string, 'hex')); // checksum verified
    t.same(na, {
      ethDestination: '33:33:00:00:00:01', ethSource: a.mac, source: vip6, destination: 'ff02::1', hopLimit: 255,
      router: false, solicited: false, override: true, target: vip6, targetMac: a.mac,
    });
    await announce('na-router', vip6);
    const r = decodeNeighborAdvert(Buffer.from((await listener.next((l) => isNa(l, true))).frame as string, 'hex'));
    t.ok(r.router && r.override, 'router flag');
  });

  const packets = await cap.stop();
  t.equal(packets.length, 4, 'tcpdump saw the 2 ARPs and 2 NAs');
  const ours = frames().filter((f) => f.etherType === 0x0806 || f.data[54] === 136);
  t.same(packets.map((p) => p.data.toString('hex')), ours.map((f) => f.data.toString('hex')), 'AF_PACKET and tcpdump saw the same bytes');

  await t.test('tshark agrees', async (t) => {
    if (!requireEnv(t, { commands: ['tshark'] })) return;
    const decoded = (await cap.tshark()) as Array<{ _source: { layers: Record<string, Record<string, unknown>> } }>;
    t.equal(decoded.length, 4);
    const layers = decoded.map((p) => p._source.layers);
    t.same(layers.slice(0, 2).map((l) => l.arp?.['arp.opcode']), ['1', '2'], 'arp.opcode request, reply');
    t.same(layers.slice(0, 2).map((l) => l.arp?.['arp.isgratuitous']), ['1', '1'], 'tshark calls them gratuitous');
    for (const l of layers.slice(2)) {
      const icmp = l.icmpv6 as Record<string, unknown>;
      const flags = icmp['icmpv6.nd.na.flag_tree'] as Record<string, string> | undefined;
      t.equal(flags?.['icmpv6.nd.na.flag.o'], '1', 'icmpv6.nd.na.flag.o');
      t.equal(flags?.['icmpv6.nd.na.flag.s'], '0', 'not solicited');
      t.equal(icmp['icmpv6.checksum.status'], '1', 'tshark: checksum good');
      t.equal((l.ipv6 as Record<string, string>)['ipv6.hlim'], '255');
    }
    t.equal(((layers[3]?.icmpv6 as Record<string, unknown>)['icmpv6.nd.na.flag_tree'] as Record<string, string>)['icmpv6.nd.na.flag.r'], '1', 'router flag');
  });
});
