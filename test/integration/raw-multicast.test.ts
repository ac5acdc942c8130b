// Raw IP protocol 112 (VRRP) multicast across a namespace LAN: what a VRRP backup must see of a
// master's advertisement. Node a sends to 224.0.0.18 (TTL 255) and ff02::12 (hop limit 255); node
// b's raw socket, joined to the group on eth0, gets the packet with TTL/hop limit 255, the
// arrival ifindex and the group as destination (IP_PKTINFO/IP_RECVTTL, IPV6_RECVPKTINFO/
// IPV6_RECVHOPLIMIT). Also: without CAP_NET_RAW, opening the socket fails naming the capability.
import t from 'tap';
import { cleanNodeOptions, createLan, run } from '../helpers/netns-lab.js';
import { jsonLines } from '../helpers/json-lines.js';
import { readableInstall } from '../helpers/readable-install.js';
import { requireEnv } from '../helpers/require.js';

const TOOL = 'dist/test/fixtures/packet-tool.js';

t.test('protocol 112 multicast between namespaces', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['ip'] })) return;
  const lab = await createLan(t, ['a', 'b']);
  const a = lab.node('a');
  const b = lab.node('b');

  for (const family of ['4', '6'] as const) {
    await t.test(`IPv${family}`, async (t) => {
      const group = family === '4' ? '224.0.0.18' : 'ff02::12';
      const listener = jsonLines(b.spawn(['node', TOOL, 'listen-raw', family, String(b.ifindex)]));
      await listener.next((l) => l.ready === true);
      const text = `vrrp-test-${family}-${Date.now()}`;
      const hex = Buffer.from(text).toString('hex');
      // Multicast on a fresh link can lose a first packet to nothing but timing; send up to 3.
      let got: Record<string, unknown> | undefined;
      for (let i = 0; i < 3 && !got; i++) {
        const send = await a.exec(['node', TOOL, 'send-raw', family, String(a.ifindex), text]);
        t.equal(send.code, 0, `sender exit status ${send.stderr}`);
        got = await listener.next((l) => typeof l.data === 'string' && l.data.endsWith(hex), 2000).catch(() => undefined);
      }
      if (!got) return t.fail(`nothing received on b: ${JSON.stringify(listener.lines)} ${listener.stderr()}`);
      t.equal(got.ttl, 255, family === '4' ? 'TTL 255' : 'hop limit 255');
      t.equal(got.ifindex, b.ifindex, 'arrival ifindex is b eth0');
      t.equal(got.destination, group, 'destination is the group');
      t.equal(got.truncated, false);
      const data = Buffer.from(got.data as string, 'hex');
      if (family === '4') {
        // IPv4 raw sockets deliver the IP header too.
        t.equal(data[0]! >> 4, 4, 'IPv4 header included');
        const ihl = (data[0]! & 0x0f) * 4;
        t.equal(data[8], 255, 'TTL in the header');
        t.equal(data[9], 112, 'protocol 112');
        t.equal(data.subarray(16, 20).join('.'), group, 'header destination');
        t.equal(data.subarray(ihl).toString(), text, 'payload');
        t.equal(got.source, a.ipv4, 'source is a');
      } else {
        t.equal(data.toString(), text, 'IPv6 raw sockets deliver only the payload');
        t.equal(got.source, a.linkLocal, 'source is a link-local (link-scope group)');
      }
    });
  }
});

t.test('a raw socket without privilege fails naming CAP_NET_RAW', async (t) => {
  if (!requireEnv(t, { root: true, commands: ['setpriv'] })) return;
  // nobody imports from a readable copy: the clone may sit under a 0700 parent (/root).
  const { root } = readableInstall(t);
  const script = `
    import('${root}/dist/src/netif/socket.js').then((m) => {
      try { m.Socket.open(2, 3, 112); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, syscallCode: e.syscallCode, message: e.message })); }
    });`;
  const r = await run(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all', ...cleanNodeOptions(), process.execPath, '-e', script], { cwd: root });
  t.equal(r.code, 0, `child ran: ${r.stderr}`);
  t.notMatch(r.stdout, /opened/, 'the socket did not open');
  const e = JSON.parse(r.stdout.trim()) as { name: string; code: string; syscallCode: string; message: string };
  t.equal(e.syscallCode, 'EPERM');
  t.equal(e.code, 'VIPD_ERR_SYSTEM');
  t.match(e.message, /CAP_NET_RAW/, 'message names the capability');
});
